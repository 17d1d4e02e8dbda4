#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "agentrace/tools/tool.hpp"
#include "agentrace/tools/typed_tool.hpp"

using namespace agentrace::tools;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

std::string error_text(Tool& tool, const Json& arguments) {
  ToolContext context;
  try {
    tool.invoke(arguments, context);
  } catch (const ArgumentError& e) {
    return e.what();
  }
  FAIL("expected an ArgumentError for " << arguments.dump());
  return {};
}

}  // namespace

TEST_CASE("typed tool: the schema is generated from the C++ parameter types", "[tools]") {
  auto tool = make_tool("mixed", "Every kind of parameter")
                  .param<bool>("flag", "a flag")
                  .param<std::int32_t>("count", "a count")
                  .param<double>("ratio", "a ratio")
                  .param<std::string>("label", "a label")
                  .param<std::vector<std::int64_t>>("ids", "some ids")
                  .param<Json>("extra", "anything")
                  .optional_param<std::string>("note", "an optional note")
                  .handler([](bool, std::int32_t, double, const std::string&, const std::vector<std::int64_t>&, const Json&,
                              const std::optional<std::string>&) { return 0; });

  const Json& p = tool->parameters();
  CHECK(p.at("type") == "object");
  CHECK(p.at("additionalProperties") == false);
  CHECK(p.at("properties").at("flag").at("type") == "boolean");
  CHECK(p.at("properties").at("count").at("type") == "integer");
  CHECK(p.at("properties").at("ratio").at("type") == "number");
  CHECK(p.at("properties").at("label").at("type") == "string");
  CHECK(p.at("properties").at("ids") == Json{{"type", "array"}, {"items", {{"type", "integer"}}}, {"description", "some ids"}});
  CHECK_FALSE(p.at("properties").at("extra").contains("type"));
  CHECK(p.at("properties").at("note").at("type") == "string");
  CHECK(p.at("properties").at("count").at("description") == "a count");
  CHECK(p.at("properties").at("note").at("description") == "an optional note");
  CHECK(p.at("required") == Json{"flag", "count", "ratio", "label", "ids", "extra"});

  const auto schema = tool->schema();
  CHECK(schema.name == "mixed");
  CHECK(schema.description == "Every kind of parameter");
  CHECK(schema.parameters == p);
}

TEST_CASE("typed tool: a parameter declared twice is rejected when the tool is built", "[tools]") {
  auto twice = [] {
    return make_tool("t", "d").param<int>("x", "first").param<std::string>("x", "again").handler([](int, std::string) {});
  };
  CHECK_THROWS_WITH(twice(), Contains("parameter 'x' declared twice"));
}

TEST_CASE("typed tool: integers accept 3 and 3.0 but not 3.5 or values out of range", "[tools]") {
  auto tool = make_tool("int8", "d").param<std::int8_t>("n", "small").handler([](std::int8_t n) { return static_cast<int>(n) * 2; });
  ToolContext context;

  CHECK(tool->invoke({{"n", 3}}, context).content == 6);
  CHECK(tool->invoke({{"n", 3.0}}, context).content == 6);
  CHECK(tool->invoke({{"n", -128}}, context).content == -256);
  CHECK_THAT(error_text(*tool, {{"n", 3.5}}), Equals("argument 'n' must be an integer, got number 3.5"));
  CHECK_THAT(error_text(*tool, {{"n", 128}}), Equals("argument 'n' must be an integer, got integer 128"));
  CHECK_THAT(error_text(*tool, {{"n", -129}}), Contains("must be an integer"));
  CHECK_THAT(error_text(*tool, {{"n", "3"}}), Equals("argument 'n' must be an integer, got string \"3\""));
  CHECK_THAT(error_text(*tool, {{"n", true}}), Equals("argument 'n' must be an integer, got boolean true"));
}

TEST_CASE("typed tool: unsigned and 64-bit limits are enforced", "[tools]") {
  auto u = make_tool("u", "d").param<std::uint32_t>("n", "n").handler([](std::uint32_t n) { return n; });
  ToolContext context;
  CHECK(u->invoke({{"n", 4294967295u}}, context).content == 4294967295u);
  CHECK_THAT(error_text(*u, {{"n", -1}}), Contains("argument 'n' must be an integer, got integer -1"));
  CHECK_THAT(error_text(*u, {{"n", 4294967296ull}}), Contains("must be an integer"));

  auto s = make_tool("s", "d").param<std::int64_t>("n", "n").handler([](std::int64_t n) { return n; });
  CHECK(s->invoke({{"n", std::numeric_limits<std::int64_t>::max()}}, context).content == std::numeric_limits<std::int64_t>::max());
  // 2^63 arrives as an unsigned JSON number and does not fit an int64.
  CHECK_THAT(error_text(*s, {{"n", 9223372036854775808ull}}), Contains("must be an integer"));
  CHECK_THAT(error_text(*s, {{"n", 1e300}}), Contains("must be an integer"));
  // 2^63 as a double is one past the largest int64: refused before any cast (which would be
  // undefined); the largest double below it converts.
  CHECK_THAT(error_text(*s, {{"n", 9223372036854775808.0}}), Contains("must be an integer"));
  CHECK(s->invoke({{"n", 9223372036854774784.0}}, context).content == 9223372036854774784);
  CHECK_THAT(error_text(*u, {{"n", 4294967296.0}}), Contains("must be an integer"));
  CHECK(u->invoke({{"n", 4294967295.0}}, context).content == 4294967295u);
}

TEST_CASE("typed tool: vectors convert element by element and name the element in errors", "[tools]") {
  auto sum = make_tool("sum", "d").param<std::vector<std::int64_t>>("xs", "numbers").handler([](const std::vector<std::int64_t>& xs) {
    std::int64_t total = 0;
    for (auto x : xs) total += x;
    return total;
  });
  ToolContext context;
  CHECK(sum->invoke({{"xs", {1, 2, 3}}}, context).content == 6);
  CHECK(sum->invoke({{"xs", Json::array()}}, context).content == 0);
  CHECK_THAT(error_text(*sum, {{"xs", {1, "two", 3}}}), Equals("argument 'xs[1]' must be an integer, got string \"two\""));
  CHECK_THAT(error_text(*sum, {{"xs", 5}}), Equals("argument 'xs' must be an array of integer, got integer 5"));

  auto nested = make_tool("grid", "d").param<std::vector<std::vector<double>>>("rows", "a grid").handler(
      [](const std::vector<std::vector<double>>& rows) { return rows.size(); });
  CHECK(nested->invoke({{"rows", {{1.5, 2}, {3}}}}, context).content == 2);
  CHECK_THAT(error_text(*nested, {{"rows", {{1.5}, {2, nullptr}}}}), Equals("argument 'rows[1][1]' must be a number, got null"));
}

TEST_CASE("typed tool: missing, optional and null arguments", "[tools]") {
  auto greet = make_tool("greet", "d")
                   .param<std::string>("name", "who")
                   .optional_param<std::int64_t>("times", "how often")
                   .handler([](const std::string& name, std::optional<std::int64_t> times) {
                     std::string out;
                     for (std::int64_t i = 0; i < times.value_or(1); ++i) out += "hi " + name + ";";
                     return out;
                   });
  ToolContext context;
  CHECK(greet->invoke({{"name", "ann"}}, context).content == "hi ann;");
  CHECK(greet->invoke({{"name", "ann"}, {"times", nullptr}}, context).content == "hi ann;");
  CHECK(greet->invoke({{"name", "bo"}, {"times", 2}}, context).content == "hi bo;hi bo;");
  CHECK_THAT(error_text(*greet, {{"times", 2}}), Equals("missing required argument 'name'"));
  CHECK_THAT(error_text(*greet, {{"name", "x"}, {"times", "2"}}), Contains("argument 'times' must be an integer"));
  CHECK_THAT(error_text(*greet, Json::array({1, 2})), Equals("arguments must be a JSON object, got array of 2"));
}

TEST_CASE("typed tool: return values become text, JSON or the ToolResult itself", "[tools]") {
  ToolContext context;

  auto text = make_tool("t", "d").handler([] { return std::string("plain"); });
  auto text_result = text->invoke(Json::object(), context);
  CHECK(text_result.content == "plain");
  CHECK(text_result.to_text() == "plain");
  CHECK_FALSE(text_result.is_error);

  auto literal = make_tool("l", "d").handler([] { return "literal"; });
  CHECK(literal->invoke(Json::object(), context).content == "literal");

  auto number = make_tool("n", "d").handler([] { return 2.5; });
  CHECK(number->invoke(Json::object(), context).content == 2.5);
  CHECK(number->invoke(Json::object(), context).to_text() == "2.5");

  auto vec = make_tool("v", "d").handler([] { return std::vector<int>{1, 2}; });
  CHECK(vec->invoke(Json::object(), context).content == Json{1, 2});

  // nlohmann::json converts implicitly to std::string; a JSON object must still stay JSON.
  auto object = make_tool("o", "d").handler([] { return Json{{"a", 1}}; });
  const auto object_result = object->invoke(Json::object(), context);
  CHECK(object_result.content == Json{{"a", 1}});
  CHECK(object_result.to_text() == R"({"a":1})");

  auto nothing = make_tool("void", "d").handler([] {});
  CHECK(nothing->invoke(Json::object(), context).content == "done");

  auto explicit_result = make_tool("r", "d").handler([] { return ToolResult::error("nope", ToolErrorKind::timeout); });
  const auto r = explicit_result->invoke(Json::object(), context);
  CHECK(r.is_error);
  CHECK(r.error_kind == ToolErrorKind::timeout);
  CHECK(r.content == "nope");
}

TEST_CASE("typed tool: a handler may take the ToolContext after its parameters", "[tools]") {
  auto who = make_tool("who", "d").param<std::string>("greeting", "g").handler([](const std::string& greeting, ToolContext& context) {
    return greeting + ", " + context.agent_name + " (" + context.call_id + ")";
  });
  ToolContext context;
  context.agent_name = "planner";
  context.call_id = "call_7";
  CHECK(who->invoke({{"greeting", "hello"}}, context).content == "hello, planner (call_7)");

  auto data = make_tool("data", "d").handler([](ToolContext& context) {
    const int* value = context.data<int>();
    return value != nullptr ? *value : -1;
  });
  const std::any user_data = 41;
  CHECK(data->invoke(Json::object(), context).content == -1);
  context.user_data = &user_data;
  CHECK(data->invoke(Json::object(), context).content == 41);
}

TEST_CASE("describe_json_value names the type and a short form of the value", "[tools]") {
  using detail::describe_json_value;
  CHECK(describe_json_value("abc") == "string \"abc\"");
  CHECK(describe_json_value(1.5) == "number 1.5");
  CHECK(describe_json_value(3) == "integer 3");
  CHECK(describe_json_value(-3) == "integer -3");
  CHECK(describe_json_value(true) == "boolean true");
  CHECK(describe_json_value(false) == "boolean false");
  CHECK(describe_json_value(nullptr) == "null");
  CHECK(describe_json_value(Json{1, 2, 3}) == "array of 3");
  CHECK(describe_json_value(Json{{"a", 1}}) == "object");
  CHECK(describe_json_value("quote\"d") == R"(string "quote\"d")");

  const std::string long_text(100, 'x');
  const std::string described = describe_json_value(long_text);
  CHECK_THAT(described, Contains("...") && Contains("(100 bytes)"));
  CHECK(described.size() < 70);

  // Cut inside a multi-byte character: the prefix must stay valid UTF-8 (dump would throw).
  std::string snowmen;
  for (int i = 0; i < 30; ++i) snowmen += "\xE2\x98\x83";
  CHECK_NOTHROW(Json(describe_json_value(snowmen)).dump());
}

TEST_CASE("ToolResult: to_text, factories and error kind names", "[tools]") {
  CHECK(ToolResult::text("hi").to_text() == "hi");
  CHECK(ToolResult::json(Json{{"k", "v"}}).to_text() == R"({"k":"v"})");
  CHECK(ToolResult::json(Json("s")).to_text() == "s");
  // Invalid UTF-8 inside a JSON result is replaced rather than thrown on.
  CHECK_NOTHROW(ToolResult::json(Json{"\xFF"}).to_text());

  const auto error = ToolResult::error("bad");
  CHECK(error.is_error);
  CHECK(error.error_kind == ToolErrorKind::execution);

  CHECK(to_string(ToolErrorKind::none) == "none");
  CHECK(to_string(ToolErrorKind::unknown_tool) == "unknown_tool");
  CHECK(to_string(ToolErrorKind::invalid_arguments) == "invalid_arguments");
  CHECK(to_string(ToolErrorKind::execution) == "execution");
  CHECK(to_string(ToolErrorKind::timeout) == "timeout");
  CHECK(to_string(ToolErrorKind::cancelled) == "cancelled");
}

TEST_CASE("make_function_tool passes raw arguments and the context through", "[tools]") {
  auto echo = make_function_tool("echo", "Echo the arguments", {{"type", "object"}}, [](const Json& args, ToolContext& context) {
    return ToolResult::json({{"args", args}, {"call", context.call_id}});
  });
  ToolContext context;
  context.call_id = "c1";
  CHECK(echo->name() == "echo");
  CHECK(echo->description() == "Echo the arguments");
  CHECK(echo->parameters() == Json{{"type", "object"}});
  CHECK(echo->invoke({{"x", 1}}, context).content == Json{{"args", {{"x", 1}}}, {"call", "c1"}});

  CHECK_FALSE(echo->timeout().has_value());
  echo->set_timeout(std::chrono::milliseconds(250));
  CHECK(echo->timeout() == std::chrono::milliseconds(250));

  CHECK_THROWS_AS(make_function_tool("empty", "d", {{"type", "object"}}, nullptr), std::invalid_argument);
}
