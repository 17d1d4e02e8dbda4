// append_json_string against nlohmann's dump() (ill-formed UTF-8 replaced), which every trace file
// format and the Runner's message content rely on. The writer skips plain text eight bytes at a
// time, so each special byte is tried at every offset of a word and across word boundaries.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "agentrace/base/json_text.hpp"

namespace {

std::string reference(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string written(const std::string& text) {
  std::string out = "prefix:";  // appends, never replaces
  agentrace::base::append_json_string(out, text);
  REQUIRE(out.rfind("prefix:", 0) == 0);
  return out.substr(7);
}

}  // namespace

TEST_CASE("append_json_string matches dump() with a special byte at every offset", "[base]") {
  const std::vector<std::string> specials = {
      "\"", "\\", "\n", "\r", "\t", "\b", "\f", std::string(1, '\0'), "\x01", "\x1f", "\x7f",
      "\xC3\xA9",          // é: well-formed, copied as it is
      "\xE2\x82\xAC",      // €
      "\xF0\x9F\x98\x80",  // an emoji
      "\xC3",              // a lead byte alone: replaced
      "\x80",              // a continuation byte alone
      "\xED\xA0\x80",      // a UTF-16 surrogate: ill-formed
      "\xC0\xAF",          // overlong
  };
  for (const auto& special : specials) {
    for (std::size_t before = 0; before <= 17; ++before) {
      for (const std::size_t after : {0U, 1U, 7U, 8U, 9U}) {
        const std::string text = std::string(before, 'a') + special + std::string(after, 'z');
        INFO("special byte 0x" << std::hex << static_cast<int>(static_cast<unsigned char>(special[0])) << std::dec
                               << " after " << before << " plain bytes, then " << after);
        CHECK(written(text) == reference(text));
      }
    }
  }
}

TEST_CASE("append_json_string matches dump() on plain, boundary and mixed text", "[base]") {
  // Bytes next to the special ones in value: ' ' (0x20) and '!' '#' ']' '[' '~' are plain.
  for (const std::string& text :
       {std::string(), std::string("a"), std::string(8, 'x'), std::string(64, ' '), std::string("!#$%&'()*+,-./"),
        std::string("[]^_`{|}~ 0123456789 ABC xyz"), std::string("{\"a\":1,\"b\":[true,null]}"),
        std::string("line one\nline two\r\n\ttabbed \"quoted\" back\\slash"),
        std::string("caf\xC3\xA9 \xE2\x82\xAC 12 \xF0\x9F\x98\x80 and \xFF\xFE bad")}) {
    CHECK(written(text) == reference(text));
  }
  // Every byte value, alone and in the middle of a long plain run.
  for (int c = 0; c < 256; ++c) {
    const std::string one(1, static_cast<char>(c));
    CHECK(written(one) == reference(one));
    const std::string padded = std::string(13, 'p') + one + std::string(13, 'q');
    CHECK(written(padded) == reference(padded));
  }
}
