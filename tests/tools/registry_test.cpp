#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agentrace/tools/registry.hpp"
#include "agentrace/tools/typed_tool.hpp"

using namespace agentrace::tools;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

namespace test_errors {
// A user-defined exception type: its demangled, namespaced name should reach the span.
class ValueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
}  // namespace test_errors

namespace {

ToolPtr add_tool() {
  return make_tool("add", "Add two integers")
      .param<std::int64_t>("a", "first addend")
      .param<std::int64_t>("b", "second addend")
      .handler([](std::int64_t a, std::int64_t b) { return a + b; });
}

ToolPtr schema_tool(std::string name, Json parameters) {
  return make_function_tool(std::move(name), "a tool with a hand-written schema", std::move(parameters),
                            [](const Json& args, ToolContext&) { return ToolResult::json(args); });
}

// The message of check()'s error, failing the test when the arguments were accepted.
std::string check_error(const ToolRegistry& registry, std::string_view name, const Json& arguments,
                        ToolErrorKind expected_kind = ToolErrorKind::invalid_arguments) {
  const auto error = registry.check(name, arguments);
  REQUIRE(error.has_value());
  CHECK(error->is_error);
  CHECK(error->error_kind == expected_kind);
  return error->content.get<std::string>();
}

}  // namespace

TEST_CASE("registry: add keeps tools in order and finds them by name", "[tools]") {
  ToolRegistry registry;
  CHECK(registry.size() == 0);
  registry.add(add_tool());
  registry.add(make_tool("b-tool_2", "second").handler([] { return 1; }));
  registry.add(make_tool("Zed", "third").handler([] { return 2; }));

  CHECK(registry.size() == 3);
  CHECK(registry.names() == std::vector<std::string>{"add", "b-tool_2", "Zed"});
  const auto schemas = registry.schemas();
  REQUIRE(schemas.size() == 3);
  CHECK(schemas[0].name == "add");
  CHECK(schemas[0].description == "Add two integers");
  CHECK(schemas[0].parameters.at("required") == Json{"a", "b"});
  CHECK(schemas[1].name == "b-tool_2");
  CHECK(schemas[2].name == "Zed");

  REQUIRE(registry.find("add") != nullptr);
  CHECK(registry.find("add")->name() == "add");
  CHECK(registry.find("ADD") == nullptr);
  CHECK(registry.find("missing") == nullptr);
}

TEST_CASE("registry: add rejects duplicates, bad names and null tools", "[tools]") {
  ToolRegistry registry;
  registry.add(add_tool());
  CHECK_THROWS_WITH(registry.add(add_tool()), Contains("a tool named 'add' is already registered"));
  CHECK_THROWS_AS(registry.add(nullptr), std::invalid_argument);

  for (const std::string& bad : {std::string(), std::string("has space"), std::string("dot.ted"), std::string("slash/x"),
                                std::string(65, 'a'), std::string("caf\xC3\xA9")}) {
    INFO("name: " << bad);
    CHECK_THROWS_WITH(registry.add(schema_tool(bad, {{"type", "object"}})), Contains("invalid tool name"));
  }
  CHECK_NOTHROW(registry.add(schema_tool(std::string(64, 'a'), {{"type", "object"}})));
  CHECK_NOTHROW(registry.add(schema_tool("A-b_9", {{"type", "object"}})));
  CHECK(registry.size() == 3);
}

TEST_CASE("registry: add rejects parameters that are not an object schema or not a valid schema", "[tools]") {
  ToolRegistry registry;
  CHECK_THROWS_WITH(registry.add(schema_tool("arr", Json::array())), Contains("\"type\": \"object\""));
  CHECK_THROWS_WITH(registry.add(schema_tool("notype", {{"properties", Json::object()}})), Contains("\"type\": \"object\""));
  CHECK_THROWS_WITH(registry.add(schema_tool("str", {{"type", "string"}})), Contains("\"type\": \"object\""));
  CHECK_THROWS_WITH(registry.add(schema_tool("badtype", {{"type", "object"}, {"properties", {{"a", {{"type", "strnig"}}}}}})),
                    StartsWith("tool 'badtype': invalid parameters schema: "));
  CHECK_THROWS_WITH(registry.add(schema_tool("badreq", {{"type", "object"}, {"required", "a"}})),
                    StartsWith("tool 'badreq': invalid parameters schema: "));
  CHECK_THROWS_WITH(registry.add(schema_tool("badmax", {{"type", "object"}, {"properties", {{"n", {{"maximum", "ten"}}}}}})),
                    StartsWith("tool 'badmax': invalid parameters schema: "));
  CHECK(registry.size() == 0);
}

TEST_CASE("registry: check reports unknown tools with the available names", "[tools]") {
  ToolRegistry registry;
  CHECK_THAT(check_error(registry, "anything", Json::object(), ToolErrorKind::unknown_tool),
             Equals("unknown tool 'anything'; available tools: none"));
  registry.add(add_tool());
  registry.add(make_tool("sub", "d").handler([] { return 0; }));
  CHECK_THAT(check_error(registry, "mul", Json::object(), ToolErrorKind::unknown_tool),
             Equals("unknown tool 'mul'; available tools: add, sub"));
}

TEST_CASE("registry: check accepts valid arguments, including 3.0 for an integer", "[tools]") {
  ToolRegistry registry;
  registry.add(add_tool());
  CHECK_FALSE(registry.check("add", {{"a", 1}, {"b", 2}}).has_value());
  CHECK_FALSE(registry.check("add", {{"a", 3.0}, {"b", -2}}).has_value());
  CHECK_THAT(check_error(registry, "add", {{"a", 3.5}, {"b", 1}}),
             Equals("invalid arguments for tool 'add': argument 'a' must be of type integer, got number 3.5"));
}

TEST_CASE("registry: check names missing, unexpected and wrong-typed arguments", "[tools]") {
  ToolRegistry registry;
  registry.add(add_tool());

  CHECK_THAT(check_error(registry, "add", {{"a", 1}}), Equals("invalid arguments for tool 'add': missing required argument 'b'"));
  CHECK_THAT(check_error(registry, "add", {{"a", 1}, {"b", 2}, {"c", 3}}),
             Equals("invalid arguments for tool 'add': unexpected argument 'c' (accepted: a, b)"));
  CHECK_THAT(check_error(registry, "add", {{"a", "x"}, {"b", 2}}),
             Equals("invalid arguments for tool 'add': argument 'a' must be of type integer, got string \"x\""));
  CHECK_THAT(check_error(registry, "add", Json::array({1, 2})),
             Equals("invalid arguments for tool 'add': the arguments must be a JSON object, got array of 2"));
  CHECK_THAT(check_error(registry, "add", nullptr), Contains("must be a JSON object, got null"));

  // Several problems at once are all reported, so one retry can fix them all.
  const std::string all = check_error(registry, "add", {{"a", true}, {"x", 1}, {"y", 2}});
  CHECK_THAT(all, StartsWith("invalid arguments for tool 'add': "));
  CHECK_THAT(all, Contains("missing required argument 'b'"));
  CHECK_THAT(all, Contains("argument 'a' must be of type integer, got boolean true"));
  CHECK_THAT(all, Contains("unexpected argument 'x'"));
  CHECK_THAT(all, Contains("unexpected argument 'y'"));
  CHECK_THAT(all, Contains("; "));
  CHECK_THAT(all, !Contains("Failed to validate"));  // valijson's summaries are dropped
}

TEST_CASE("registry: errors inside nested objects and arrays carry the argument path", "[tools]") {
  ToolRegistry registry;
  const Json parameters = Json::parse(R"({
    "type": "object",
    "properties": {
      "config": {
        "type": "object",
        "properties": {"depth": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}},
        "required": ["depth"]
      },
      "points": {
        "type": "array",
        "items": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}
      }
    },
    "required": ["config"]
  })");
  registry.add(schema_tool("nested", parameters));

  CHECK_FALSE(registry.check("nested", {{"config", {{"depth", 2}, {"tags", {"a"}}}}, {"points", {{{"x", 1.5}}}}}).has_value());

  const std::string message =
      check_error(registry, "nested", {{"config", {{"tags", {"a", 1}}, {"extra", true}}}, {"points", {{{"x", 1}}, {{"y", 2}}}}});
  CHECK_THAT(message, Contains("missing required argument 'config.depth'"));
  CHECK_THAT(message, Contains("argument 'config.tags[1]' must be of type string, got integer 1"));
  CHECK_THAT(message, Contains("unexpected argument 'config.extra' (accepted: depth, tags)"));
  CHECK_THAT(message, Contains("missing required argument 'points[1].x'"));
  CHECK_THAT(message, Contains("unexpected argument 'points[1].y' (accepted: x)"));

  CHECK_THAT(check_error(registry, "nested", {{"config", "deep"}}),
             Contains("argument 'config' must be of type object, got string \"deep\""));
}

TEST_CASE("registry: a schema without additionalProperties still rejects extras, the tool's copy untouched", "[tools]") {
  ToolRegistry registry;
  const Json parameters = {{"type", "object"},
                           {"properties", {{"q", {{"type", "string"}}}, {"opts", {{"type", "object"}, {"properties", {{"k", {{"type", "integer"}}}}}}}}}};
  auto tool = schema_tool("search", parameters);
  registry.add(tool);

  CHECK_THAT(check_error(registry, "search", {{"q", "x"}, {"qq", "y"}}), Contains("unexpected argument 'qq' (accepted: opts, q)"));
  CHECK_THAT(check_error(registry, "search", {{"opts", {{"k", 1}, {"j", 2}}}}), Contains("unexpected argument 'opts.j' (accepted: k)"));
  CHECK(tool->parameters() == parameters);
  CHECK_FALSE(registry.schemas()[0].parameters.contains("additionalProperties"));

  // An explicit choice is respected: additionalProperties true or a schema.
  registry.add(schema_tool("open", {{"type", "object"}, {"properties", {{"q", {{"type", "string"}}}}}, {"additionalProperties", true}}));
  CHECK_FALSE(registry.check("open", {{"q", "x"}, {"anything", 1}}).has_value());
  registry.add(schema_tool("typed_extra", {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}}));
  CHECK_FALSE(registry.check("typed_extra", {{"n", 1}}).has_value());
  CHECK_THAT(check_error(registry, "typed_extra", {{"n", "one"}}), Contains("argument 'n' must be of type integer, got string \"one\""));
}

TEST_CASE("registry: object schemas composed with allOf are not closed", "[tools]") {
  // Closing the top level would reject the properties the branches declare.
  ToolRegistry registry;
  registry.add(schema_tool("composed", {{"type", "object"},
                                        {"allOf", {{{"properties", {{"a", {{"type", "integer"}}}}}}, {{"properties", {{"b", {{"type", "integer"}}}}}}}}}));
  CHECK_FALSE(registry.check("composed", {{"a", 1}, {"b", 2}}).has_value());
  CHECK_THAT(check_error(registry, "composed", {{"a", "x"}}), Contains("argument 'a'"));
}

TEST_CASE("registry: enum, union types and other constraints get readable messages", "[tools]") {
  ToolRegistry registry;
  registry.add(schema_tool("convert", {{"type", "object"},
                                       {"properties",
                                        {{"unit", {{"type", "string"}, {"enum", {"c", "f"}}}},
                                         {"label", {{"type", {"string", "null"}}}},
                                         {"n", {{"type", "integer"}, {"maximum", 10}}},
                                         {"code", {{"type", "string"}, {"pattern", "^[A-Z]{3}$"}}}}}}));
  CHECK_FALSE(registry.check("convert", {{"unit", "c"}, {"label", nullptr}, {"n", 10}, {"code", "EUR"}}).has_value());
  CHECK_THAT(check_error(registry, "convert", {{"unit", "k"}}), Contains("argument 'unit' must be one of \"c\", \"f\", got string \"k\""));
  CHECK_THAT(check_error(registry, "convert", {{"label", 5}}), Contains("argument 'label' must be of type string or null, got integer 5"));
  CHECK_THAT(check_error(registry, "convert", {{"n", 11}}), Contains("argument 'n' must be at most 10, got integer 11"));
  CHECK_THAT(check_error(registry, "convert", {{"code", "eur"}}),
             Contains(R"(argument 'code' must match the pattern "^[A-Z]{3}$", got string "eur")"));
}

TEST_CASE("registry: bounds and alternatives are phrased from the schema", "[tools]") {
  ToolRegistry registry;
  registry.add(schema_tool("bounded", Json::parse(R"({
    "type": "object",
    "properties": {
      "ratio": {"type": "number", "exclusiveMinimum": 0, "minimum": -5},
      "name": {"type": "string", "minLength": 2, "maxLength": 4},
      "xs": {"type": "array", "maxItems": 2},
      "id": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
      "code": {"anyOf": [{"type": "string", "minLength": 3}, {"type": "integer"}]},
      "limit": {"type": "integer", "minimum": 1}
    }
  })")));
  CHECK_FALSE(registry.check("bounded", {{"ratio", 0.5}, {"name", "abc"}, {"xs", {1}}, {"id", 7}, {"code", "abc"}, {"limit", 1}}).has_value());
  CHECK_THAT(check_error(registry, "bounded", {{"ratio", 0}}), Contains("argument 'ratio' must be greater than 0, got integer 0"));
  CHECK_THAT(check_error(registry, "bounded", {{"name", "a"}}),
             Contains("argument 'name' must be at least 2 characters long, got string \"a\""));
  CHECK_THAT(check_error(registry, "bounded", {{"name", "abcde"}}), Contains("must be at most 4 characters long"));
  CHECK_THAT(check_error(registry, "bounded", {{"xs", {1, 2, 3}}}), Contains("argument 'xs' must have at most 2 items, got array of 3"));
  CHECK_THAT(check_error(registry, "bounded", {{"limit", 0}}), Contains("argument 'limit' must be at least 1, got integer 0"));

  const std::string id = check_error(registry, "bounded", {{"id", true}});
  CHECK(id == "invalid arguments for tool 'bounded': argument 'id' must be of type string or integer, got boolean true");

  const std::string code = check_error(registry, "bounded", {{"code", "ab"}});
  CHECK(code ==
        "invalid arguments for tool 'bounded': argument 'code' matches none of the alternatives its schema allows, got "
        "string \"ab\": (1) argument 'code' must be at least 3 characters long, got string \"ab\" (2) argument 'code' "
        "must be of type integer, got string \"ab\"");
}

TEST_CASE("registry: each failed alternative is read against its own subschema", "[tools]") {
  ToolRegistry registry;
  registry.add(schema_tool("shapes", Json::parse(R"({
    "type": "object",
    "properties": {
      "items": {"type": "array", "items": {"anyOf": [
        {"type": "object", "properties": {"kind": {"const": "a"}, "x": {"type": "integer"}}, "required": ["kind", "x"]},
        {"type": "null"}]}},
      "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
      "both": {"type": "string", "minLength": 2, "anyOf": [{"maxLength": 3}, {"pattern": "^z"}]}
    }
  })")));
  CHECK_FALSE(registry.check("shapes", {{"items", {nullptr, {{"kind", "a"}, {"x", 1}}}}, {"note", nullptr}, {"both", "zzzzz"}}).has_value());
  CHECK(check_error(registry, "shapes", {{"note", 5}}) ==
        "invalid arguments for tool 'shapes': argument 'note' must be of type string or null, got integer 5");

  const std::string items = check_error(registry, "shapes", Json::parse(R"({"items": [null, {"kind": "a"}, {"kind": "b", "x": "1"}]})"));
  CHECK_THAT(items, Contains("argument 'items[1]' matches none of the alternatives its schema allows, got object: "
                             "(1) missing required argument 'items[1].x' (2) argument 'items[1]' must be of type null, got object"));
  CHECK_THAT(items, Contains("(1) argument 'items[2].kind' must be \"a\", got string \"b\", "
                             "argument 'items[2].x' must be of type integer, got string \"1\""));
  CHECK_THAT(items, !Contains("items[0]"));

  // A constraint beside the anyOf is reported on its own, not folded into an alternative.
  CHECK(check_error(registry, "shapes", {{"both", "a"}}) ==
        "invalid arguments for tool 'shapes': argument 'both' must be at least 2 characters long, got string \"a\"");
  CHECK_THAT(check_error(registry, "shapes", {{"both", "abcdef"}}),
             Contains("(1) argument 'both' must be at most 3 characters long, got string \"abcdef\" "
                      "(2) argument 'both' must match the pattern \"^z\", got string \"abcdef\""));
}

TEST_CASE("registry: invoke runs valid calls and turns failures into error results", "[tools]") {
  ToolRegistry registry;
  std::atomic<int> calls{0};
  registry.add(make_tool("add", "d")
                   .param<std::int64_t>("a", "a")
                   .param<std::int64_t>("b", "b")
                   .handler([&calls](std::int64_t a, std::int64_t b) {
                     ++calls;
                     return a + b;
                   }));
  registry.add(make_tool("small", "d").param<std::int8_t>("n", "n").handler([](std::int8_t n) { return static_cast<int>(n); }));
  registry.add(make_tool("runtime", "d").handler([]() -> int { throw std::runtime_error("disk on fire"); }));
  registry.add(make_tool("custom", "d").handler([]() -> int { throw test_errors::ValueError("x must be positive"); }));
  registry.add(make_tool("range", "d").handler([]() -> int { return std::vector<int>{}.at(3); }));
  registry.add(make_tool("weird", "d").handler([]() -> int { throw 42; }));
  registry.add(make_tool("soft", "d").handler([] { return ToolResult{Json("soft failure"), true, ToolErrorKind::none}; }));
  ToolContext context;

  const auto ok = registry.invoke("add", {{"a", 2}, {"b", 40}}, context);
  CHECK_FALSE(ok.is_error);
  CHECK(ok.content == 42);
  CHECK(calls == 1);

  // Rejected before the tool runs.
  const auto bad = registry.invoke("add", {{"a", 2}}, context);
  CHECK(bad.is_error);
  CHECK(bad.error_kind == ToolErrorKind::invalid_arguments);
  CHECK_THAT(bad.to_text(), Contains("missing required argument 'b'"));
  const auto unknown = registry.invoke("nope", Json::object(), context);
  CHECK(unknown.error_kind == ToolErrorKind::unknown_tool);
  CHECK(calls == 1);

  // The schema says integer; the C++ conversion knows the range.
  const auto range_error = registry.invoke("small", {{"n", 300}}, context);
  CHECK(range_error.error_kind == ToolErrorKind::invalid_arguments);
  CHECK(range_error.to_text() == "invalid arguments for tool 'small': argument 'n' must be an integer, got integer 300");

  const auto runtime = registry.invoke("runtime", Json::object(), context);
  CHECK(runtime.is_error);
  CHECK(runtime.error_kind == ToolErrorKind::execution);
  // The model reads what went wrong, not a C++ type name; the type is kept for the span.
  CHECK(runtime.to_text() == "tool 'runtime' failed: disk on fire");
  CHECK(runtime.exception_type == "std::runtime_error");

  const auto custom = registry.invoke("custom", Json::object(), context);
  CHECK(custom.to_text() == "tool 'custom' failed: x must be positive");
  CHECK(custom.exception_type == "test_errors::ValueError");
  const auto range = registry.invoke("range", Json::object(), context);
  CHECK_THAT(range.to_text(), StartsWith("tool 'range' failed: ") && !Contains("std::"));
  CHECK(range.exception_type == "std::out_of_range");

  const auto weird = registry.invoke("weird", Json::object(), context);
  CHECK(weird.error_kind == ToolErrorKind::execution);
  CHECK(weird.to_text() == "tool 'weird' failed without an error message");
  CHECK(weird.exception_type == "int");

  const auto soft = registry.invoke("soft", Json::object(), context);
  CHECK(soft.is_error);
  CHECK(soft.error_kind == ToolErrorKind::execution);
}

TEST_CASE("registry: a moved registry keeps its tools", "[tools]") {
  ToolRegistry first;
  first.add(add_tool());
  ToolRegistry second(std::move(first));
  CHECK(second.names() == std::vector<std::string>{"add"});
  ToolContext context;
  CHECK(second.invoke("add", {{"a", 1}, {"b", 1}}, context).content == 2);

  ToolRegistry third;
  third = std::move(second);
  CHECK(third.size() == 1);
  CHECK_FALSE(third.check("add", {{"a", 1}, {"b", 1}}).has_value());
}

TEST_CASE("registry: check and invoke may run on several threads at once", "[tools]") {
  ToolRegistry registry;
  registry.add(add_tool());
  registry.add(schema_tool("coded", {{"type", "object"}, {"properties", {{"code", {{"type", "string"}, {"pattern", "^[a-z]+$"}}}}}}));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&registry, &failures, t] {
      ToolContext context;
      for (int i = 0; i < 200; ++i) {
        if (registry.invoke("add", {{"a", t}, {"b", i}}, context).content != t + i) ++failures;
        if (!registry.check("add", {{"a", "x"}, {"b", i}}).has_value()) ++failures;
        if (registry.check("coded", {{"code", "abc"}}).has_value()) ++failures;
        if (!registry.check("coded", {{"code", "ABC"}}).has_value()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
}

TEST_CASE("registry: arguments nested deeper than 64 levels are refused before anything walks them", "[tools]") {
  // Arguments built in code, or handed to a tool run directly, have not passed a model reader's
  // depth check; the schema validator and the number normaliser below recurse once per level.
  Json deep = Json::array();
  for (int i = 0; i < 10'000; ++i) {  // moved, never copied: a copy recurses too
    Json outer = Json::array();
    outer.push_back(std::move(deep));
    deep = std::move(outer);
  }
  Json arguments = Json::object();
  arguments["value"] = std::move(deep);
  ToolRegistry registry;
  registry.add(schema_tool("echo", {{"type", "object"}}));
  const auto problem = registry.check("echo", arguments);
  REQUIRE(problem);
  CHECK(problem->error_kind == ToolErrorKind::invalid_arguments);
  CHECK_THAT(problem->content.get<std::string>(), Contains("nest deeper than 64 levels"));
}
