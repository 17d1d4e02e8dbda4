// docs/testing.md shows only code that runs: each of its C++ and CMake blocks is a verbatim part
// of the example project it describes (examples/testing), which agent_tests and tests/install
// compile and run.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::filesystem::path source_dir() {
  const char* root = std::getenv("AGENTRACE_SOURCE_DIR");
  if (root != nullptr && *root != '\0') return root;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("testing guide: every C++ and CMake block of docs/testing.md is in examples/testing", "[testkit][docs]") {
  const auto root = source_dir();
  const std::string doc = read(root / "docs" / "testing.md");
  std::string sources;
  for (const char* name : {"CMakeLists.txt", "test_main.cpp", "agent_test.cpp"}) {
    sources += read(root / "examples" / "testing" / name);
  }
  int blocks = 0;
  for (std::size_t at = doc.find("```"); at != std::string::npos; at = doc.find("```", at)) {
    const std::size_t line_end = doc.find('\n', at);
    REQUIRE(line_end != std::string::npos);
    const std::string language = doc.substr(at + 3, line_end - at - 3);
    const std::size_t close = doc.find("\n```", line_end);
    REQUIRE(close != std::string::npos);
    const std::string block = doc.substr(line_end + 1, close + 1 - (line_end + 1));  // with its last newline
    at = close + 4;
    if (language != "cpp" && language != "cmake") continue;  // "text": what a failing test prints
    ++blocks;
    INFO("docs/testing.md block " << blocks << ":\n" << block);
    CHECK(sources.find(block) != std::string::npos);
  }
  CHECK(blocks >= 8);
}
