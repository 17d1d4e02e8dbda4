// Depth of untrusted JSON, and the non-recursive writer: a model's tool arguments nested 10,000
// levels deep (20 KB) used to overflow the stack of the recursive content writer and kill the
// process with its trace.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "agentrace/base/json_depth.hpp"
#include "agentrace/base/json_text.hpp"

using agentrace::base::json_depth;
using agentrace::base::json_text;
using agentrace::base::json_text_depth;
using agentrace::base::max_json_depth;
using nlohmann::json;

namespace {

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// Built without recursion: each level wraps the one below it.
json nested_value(std::size_t depth) {
  json value = json::array();
  for (std::size_t i = 1; i < depth; ++i) {
    json outer = json::array();
    outer.push_back(std::move(value));
    value = std::move(outer);
  }
  return value;
}

}  // namespace

TEST_CASE("json_text_depth counts nesting outside strings", "[base]") {
  CHECK(json_text_depth("42") == 0);
  CHECK(json_text_depth(R"("[[[")") == 0);
  CHECK(json_text_depth("[]") == 1);
  CHECK(json_text_depth(R"({"a": [1, {"b": "]]]\"[["}]})") == 3);
  CHECK(json_text_depth(R"({"task": ")" + std::string(100, '[') + "\"}") == 1);
  CHECK(json_text_depth(nested_arrays(10'000)) == 10'000);
  CHECK(json_text_depth("]]]]") == 0);  // unbalanced: not a crash, not negative
}

TEST_CASE("json_depth walks a parsed value without recursion", "[base]") {
  CHECK(json_depth(json(1)) == 0);
  CHECK(json_depth(json::object()) == 1);
  CHECK(json_depth(json::parse(R"({"a": [1, {"b": []}], "c": {}})")) == 4);
  const json deep = nested_value(10'000);
  CHECK(json_depth(deep) == 10'000);
  CHECK(json_depth(deep) > max_json_depth);
}

TEST_CASE("json_text writes what dump() writes, and values nested 10,000 levels", "[base]") {
  const json ordinary = json::parse(R"({"text": "a\"b\u0001", "int": -42, "big": 18446744073709551615, "real": 2.5,
                                        "whole": 1.0, "none": null, "list": [true, false, {}, []], "nested": {"b": 1, "a": []}})");
  CHECK(json_text(ordinary) == ordinary.dump());
  CHECK(json_text(json("\xC3\xA9 \xFF")) == json("\xC3\xA9 \xFF").dump(-1, ' ', false, json::error_handler_t::replace));
  CHECK(json_text(json(std::nan(""))) == "null");
  CHECK(json_text(json::array()) == "[]");
  CHECK(json_text(json::object()) == "{}");
  CHECK(json_text(nested_value(10'000)) == nested_arrays(10'000));
}
