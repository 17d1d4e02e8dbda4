// base's UTF-8 checks and cuts, and demangling: shared by the tools, the content policy, the
// inspection text, the CLI and the tracer, each of which had its own copy.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <typeinfo>

#include "agentrace/base/demangle.hpp"
#include "agentrace/base/utf8.hpp"

using namespace agentrace::base;

namespace app {
struct ValueError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace app

TEST_CASE("utf8: validity, and cuts that never split a character", "[base]") {
  CHECK(utf8_valid("plain"));
  CHECK(utf8_valid("\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80"));
  CHECK_FALSE(utf8_valid("\xC3"));            // cut short
  CHECK_FALSE(utf8_valid("\xC0\xAF"));        // overlong
  CHECK_FALSE(utf8_valid("\xED\xA0\x80"));    // a UTF-16 surrogate
  CHECK_FALSE(utf8_valid("\xF4\x90\x80\x80"));  // above U+10FFFF

  const std::string text = "ab\xC3\xA9" "cd\xF0\x9F\x98\x80";  // a b é c d 😀
  CHECK(utf8_prefix_length(text, 100) == text.size());
  CHECK(utf8_prefix_length(text, 2) == 2);
  CHECK(utf8_prefix_length(text, 3) == 2);  // not half of é
  CHECK(utf8_prefix_length(text, 4) == 4);
  CHECK(utf8_prefix_length(text, 8) == 6);  // not three quarters of 😀
  CHECK(utf8_prefix_length(text, 0) == 0);
  CHECK(utf8_continuation('\x80'));
  CHECK_FALSE(utf8_continuation('a'));
  CHECK_FALSE(utf8_continuation('\xC3'));
}

TEST_CASE("demangle: readable names without the ABI's inline namespaces", "[base]") {
  CHECK(demangle(typeid(std::runtime_error).name()) == "std::runtime_error");
  CHECK(demangle(typeid(app::ValueError).name()) == "app::ValueError");
  CHECK(demangle(typeid(std::string).name()).find("__cxx11") == std::string::npos);
  CHECK(demangle("not a mangled name") == "not a mangled name");
}
