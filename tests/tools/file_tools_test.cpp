#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/registry.hpp"

using namespace agentrace::tools;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

// A fresh directory tree, removed afterwards:
//   <base>/outside/secret.txt
//   <base>/root/a.txt, big.txt (300000 bytes), binary.bin, sub/b.txt, sub/deeper/
//   <base>/root/link_out -> ../outside/secret.txt     (escapes the root)
//   <base>/root/link_out_dir -> <base>/outside         (absolute target, escapes)
//   <base>/root/link_in -> sub/b.txt                   (stays inside)
//   <base>/root/link_dir_in -> sub                     (stays inside)
//   <base>/root/link_dangling -> nowhere.txt           (no target)
//   <base>/root_link -> root                           (the root given through a symlink)
class FileTree {
 public:
  FileTree() {
    static std::atomic<int> counter{0};
    base_ = fs::temp_directory_path() / ("agentrace_file_tools_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(base_);
    fs::create_directories(base_ / "outside");
    fs::create_directories(root() / "sub" / "deeper");
    write_file(base_ / "outside" / "secret.txt", "top secret");
    write_file(root() / "a.txt", "hello");
    write_file(root() / "big.txt", std::string(300000, 'x'));
    write_file(root() / "binary.bin", std::string("\x7F" "ELF\0\0\x01", 7));
    write_file(root() / "sub" / "b.txt", "inner text\n");
    fs::create_symlink("../outside/secret.txt", root() / "link_out");
    fs::create_directory_symlink(base_ / "outside", root() / "link_out_dir");
    fs::create_symlink("sub/b.txt", root() / "link_in");
    fs::create_directory_symlink("sub", root() / "link_dir_in");
    fs::create_symlink("nowhere.txt", root() / "link_dangling");
    fs::create_directory_symlink("root", base_ / "root_link");
  }
  ~FileTree() {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  FileTree(const FileTree&) = delete;
  FileTree& operator=(const FileTree&) = delete;

  [[nodiscard]] fs::path root() const { return base_ / "root"; }
  [[nodiscard]] const fs::path& base() const { return base_; }

 private:
  fs::path base_;
};

std::string resolve_error(const fs::path& root, const std::string& relative) {
  try {
    const auto resolved = resolve_inside(root, relative);
    FAIL("expected '" << relative << "' to be rejected, got " << resolved);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("resolve_inside: paths inside the root resolve to canonical paths", "[tools]") {
  FileTree tree;
  const fs::path root = fs::canonical(tree.root());
  CHECK(resolve_inside(tree.root(), "a.txt") == root / "a.txt");
  CHECK(resolve_inside(tree.root(), "./sub/../a.txt") == root / "a.txt");
  CHECK(resolve_inside(tree.root(), "sub/deeper/") == root / "sub" / "deeper");
  CHECK(resolve_inside(tree.root(), ".") == root);
  CHECK(resolve_inside(tree.root(), "link_in") == root / "sub" / "b.txt");
  CHECK(resolve_inside(tree.root(), "link_dir_in/b.txt") == root / "sub" / "b.txt");
  // Not existing yet is not a confinement question: the caller reports it.
  CHECK(resolve_inside(tree.root(), "new/dir/file.txt") == root / "new" / "dir" / "file.txt");
  CHECK(resolve_inside(tree.root(), "new/../a.txt") == root / "a.txt");
  // The root itself may be given through a symlink.
  CHECK(resolve_inside(tree.base() / "root_link", "sub/b.txt") == root / "sub" / "b.txt");
}

TEST_CASE("resolve_inside: escapes are rejected with the reason", "[tools]") {
  FileTree tree;
  const fs::path root = tree.root();
  CHECK_THAT(resolve_error(root, ""), Contains("the path is empty"));
  CHECK_THAT(resolve_error(root, "/etc/passwd"), Contains("absolute paths are not allowed: \"/etc/passwd\""));
  CHECK_THAT(resolve_error(root, "../x"), Equals("the path \"../x\" leaves the root directory"));
  CHECK_THAT(resolve_error(root, ".."), Contains("leaves the root directory"));
  CHECK_THAT(resolve_error(root, "sub/../../x"), Contains("leaves the root directory"));
  CHECK_THAT(resolve_error(root, "missing/../../x"), Contains("leaves the root directory"));
  // Leaving and coming back in is still leaving.
  CHECK_THAT(resolve_error(root, "../root/a.txt"), Contains("leaves the root directory"));
  CHECK_THAT(resolve_error(root, "link_out"), Contains("symlink 'link_out', which points outside the root directory"));
  CHECK_THAT(resolve_error(root, "link_out_dir/secret.txt"), Contains("symlink 'link_out_dir', which points outside"));
  CHECK_THAT(resolve_error(root, "link_dangling"), Contains("symlink 'link_dangling', whose target does not exist"));
  CHECK_THAT(resolve_error(root, std::string("a.txt\0/../../x", 14)), Contains("NUL character"));
  CHECK_THAT(resolve_error(tree.base() / "no_such_root", "a.txt"), Contains("is not accessible"));
}

TEST_CASE("read_file reads text files inside the root and refuses everything else", "[tools]") {
  FileTree tree;
  auto tool = make_read_file_tool(tree.root());
  ToolContext context;
  auto read = [&](const std::string& path) { return tool->invoke({{"path", path}}, context); };

  const auto a = read("a.txt");
  CHECK_FALSE(a.is_error);
  CHECK(a.content == "hello");
  CHECK(read("sub/b.txt").content == "inner text\n");
  CHECK(read("link_in").content == "inner text\n");
  CHECK(read("link_dir_in/b.txt").content == "inner text\n");

  auto rejected = [&](const std::string& path, const std::string& message) {
    INFO("path: " << path);
    const auto result = read(path);
    CHECK(result.is_error);
    CHECK(result.error_kind == ToolErrorKind::execution);
    CHECK_THAT(result.to_text(), Contains(message));
  };
  rejected("../x", "leaves the root directory");
  rejected("/etc/passwd", "absolute paths are not allowed");
  rejected("sub/../../x", "leaves the root directory");
  rejected("link_out", "points outside the root directory");
  rejected("sub", "\"sub\" is a directory, not a file; use list_dir");
  rejected("big.txt", "file \"big.txt\" is 300000 bytes; the limit is 262144");
  rejected("missing.txt", "no such file: \"missing.txt\"");
  rejected("binary.bin", "is not UTF-8 text");
  rejected("", "the path is empty");
  for (const auto& result : {read("link_out"), read("link_out_dir/secret.txt")}) {
    CHECK_THAT(result.to_text(), !Contains("top secret"));
  }

  auto tiny = make_read_file_tool(tree.root(), 3);
  CHECK_THAT(tiny->invoke({{"path", "a.txt"}}, context).to_text(), Contains("is 5 bytes; the limit is 3"));
  CHECK_THAT(tiny->parameters().dump(), Contains("path"));
}

TEST_CASE("list_dir lists entries sorted by name with types and file sizes", "[tools]") {
  FileTree tree;
  auto tool = make_list_dir_tool(tree.root());
  ToolContext context;

  const auto listing = tool->invoke({{"path", "."}}, context);
  REQUIRE_FALSE(listing.is_error);
  CHECK(listing.content.at("path") == ".");
  CHECK(listing.content.at("total") == 9);
  const Json& entries = listing.content.at("entries");
  std::vector<std::string> names;
  for (const auto& entry : entries) names.push_back(entry.at("name").get<std::string>());
  CHECK(names == std::vector<std::string>{"a.txt", "big.txt", "binary.bin", "link_dangling", "link_dir_in", "link_in", "link_out",
                                          "link_out_dir", "sub"});
  CHECK(entries[0] == Json{{"name", "a.txt"}, {"type", "file"}, {"size", 5}});
  CHECK(entries[1].at("size") == 300000);
  CHECK(entries[3] == Json{{"name", "link_dangling"}, {"type", "symlink"}});
  CHECK(entries[8] == Json{{"name", "sub"}, {"type", "dir"}});

  // The path is optional and defaults to the root.
  CHECK(tool->invoke(Json::object(), context).content.at("entries") == entries);

  const auto sub = tool->invoke({{"path", "sub"}}, context);
  CHECK(sub.content.at("entries") == Json::array({{{"name", "b.txt"}, {"type", "file"}, {"size", 11}}, {{"name", "deeper"}, {"type", "dir"}}}));
  CHECK(tool->invoke({{"path", "link_dir_in"}}, context).content.at("entries") == sub.content.at("entries"));
  CHECK(tool->invoke({{"path", "sub/deeper"}}, context).content.at("entries") == Json::array());

  auto rejected = [&](const std::string& path, const std::string& message) {
    INFO("path: " << path);
    const auto result = tool->invoke({{"path", path}}, context);
    CHECK(result.is_error);
    CHECK_THAT(result.to_text(), Contains(message));
  };
  rejected("a.txt", "\"a.txt\" is not a directory; use read_file");
  rejected("missing", "no such directory: \"missing\"");
  rejected("..", "leaves the root directory");
  rejected("/", "absolute paths are not allowed");
  rejected("link_out_dir", "points outside the root directory");
}

TEST_CASE("file tools through the registry: schema errors and confinement errors", "[tools]") {
  FileTree tree;
  ToolRegistry registry;
  registry.add(make_read_file_tool(tree.root()));
  registry.add(make_list_dir_tool(tree.root()));
  ToolContext context;
  CHECK(registry.invoke("read_file", {{"path", "a.txt"}}, context).content == "hello");
  CHECK(registry.invoke("read_file", {{"path", 5}}, context).error_kind == ToolErrorKind::invalid_arguments);
  const auto escape = registry.invoke("read_file", {{"path", "../outside/secret.txt"}}, context);
  CHECK(escape.error_kind == ToolErrorKind::execution);
  CHECK_THAT(escape.to_text(), Contains("leaves the root directory"));
  CHECK(registry.invoke("list_dir", Json::object(), context).content.at("total") == 9);
}
