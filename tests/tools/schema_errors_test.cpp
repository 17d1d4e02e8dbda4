// One case per valijson message that tools/src/schema_errors.cpp recognises by its text and
// rewrites for the model. Each asserts the whole rewritten line: if a valijson upgrade changes a
// message, the rewrite no longer matches, the generic text comes out, and the case fails here
// instead of the model silently getting worse guidance.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "agentrace/tools/registry.hpp"
#include "agentrace/tools/typed_tool.hpp"

using namespace agentrace::tools;

namespace {

struct Case {
  const char* valijson_message;  // the message the rewrite starts from (for the reader)
  Json schema;                   // the "value" parameter's schema
  Json value;                    // what the model sent for it
  std::string expected;          // the whole line the model reads, after "invalid arguments for tool ...: "
};

std::string rewritten(const Json& value_schema, const Json& value) {
  ToolRegistry registry;
  registry.add(make_function_tool("probe", "a probe", Json{{"type", "object"}, {"properties", {{"value", value_schema}}}},
                                  [](const Json& args, ToolContext&) { return ToolResult::json(args); }));
  const auto error = registry.check("probe", Json{{"value", value}});
  REQUIRE(error.has_value());
  CHECK(error->error_kind == ToolErrorKind::invalid_arguments);
  const std::string prefix = "invalid arguments for tool 'probe': ";
  const auto text = error->content.get<std::string>();
  REQUIRE(text.rfind(prefix, 0) == 0);
  return text.substr(prefix.size());
}

}  // namespace

TEST_CASE("schema errors: every rewritten valijson message, word for word", "[tools]") {
  const std::vector<Case> cases = {
      {"Value type not permitted by 'type' constraint", {{"type", "integer"}}, "3",
       "argument 'value' must be of type integer, got string \"3\""},
      {"Failed to match against any enum values", {{"enum", {"red", "green"}}}, "blue",
       "argument 'value' must be one of \"red\", \"green\", got string \"blue\""},
      {"Failed to match expected value set by 'const'", {{"const", "yes"}}, "no",
       "argument 'value' must be \"yes\", got string \"no\""},
      {"Expected number less than or equal to", {{"type", "number"}, {"maximum", 10}}, 11,
       "argument 'value' must be at most 10, got integer 11"},
      {"Expected number less than", {{"type", "number"}, {"exclusiveMaximum", 10}}, 10,
       "argument 'value' must be less than 10, got integer 10"},
      {"Expected number greater than or equal to", {{"type", "number"}, {"minimum", 1}}, 0,
       "argument 'value' must be at least 1, got integer 0"},
      {"Expected number greater than", {{"type", "number"}, {"exclusiveMinimum", 1}}, 1,
       "argument 'value' must be greater than 1, got integer 1"},
      {"String should be no more than", {{"type", "string"}, {"maxLength", 3}}, "abcd",
       "argument 'value' must be at most 3 characters long, got string \"abcd\""},
      {"String should be no fewer than", {{"type", "string"}, {"minLength", 3}}, "ab",
       "argument 'value' must be at least 3 characters long, got string \"ab\""},
      {"Array should contain no more than", {{"type", "array"}, {"maxItems", 1}}, Json::array({1, 2}),
       "argument 'value' must have at most 1 items, got array of 2"},
      {"Array should contain no fewer than", {{"type", "array"}, {"minItems", 2}}, Json::array({1}),
       "argument 'value' must have at least 2 items, got array of 1"},
      {"Failed to match regex specified by 'pattern' constraint", {{"type", "string"}, {"pattern", "^[a-z]+$"}}, "ABC",
       "argument 'value' must match the pattern \"^[a-z]+$\", got string \"ABC\""},
      {"Missing required property", {{"type", "object"}, {"properties", {{"id", {{"type", "string"}}}}}, {"required", {"id"}}},
       Json::object(),
       "missing required argument 'value.id'"},
      {"Object contains a property that could not be validated",
       {{"type", "object"}, {"properties", {{"id", {{"type", "string"}}}}}, {"additionalProperties", false}},
       {{"id", "x"}, {"extra", 1}},
       "unexpected argument 'value.extra' (accepted: id)"},
      {"Failed to validate against any schemas allowed by anyOf", {{"anyOf", {{{"type", "string"}}, {{"type", "integer"}}}}},
       true,
       "argument 'value' must be of type string or integer, got boolean true"},
      {"Failed to validate against any child schemas allowed by oneOf",
       {{"oneOf", {{{"type", "string"}}, {{"type", "integer"}}}}}, true,
       "argument 'value' must be of type string or integer, got boolean true"},
      {"Failed to validate item #", {{"type", "array"}, {"items", {{"type", "integer"}}}}, Json::array({1, "two"}),
       "argument 'value[1]' must be of type integer, got string \"two\""},
  };
  for (const auto& c : cases) {
    INFO(c.valijson_message);
    CHECK(rewritten(c.schema, c.value) == c.expected);
  }
}
