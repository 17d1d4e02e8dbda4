#include <catch2/catch.hpp>

#include "llm/exception_matchers.hpp"

#include <set>

#include "agentrace/llm/client.hpp"
#include "agentrace/llm/anthropic.hpp"
#include "agentrace/llm/message.hpp"
#include "agentrace/llm/openai.hpp"

using namespace agentrace::llm;
using Catch::Matchers::Contains;
using agentrace::testing::WhatContains;

namespace {

// Through text, as scripts, cassettes and traces travel.
template <typename T>
T through_text(const T& value) {
  const Json written = value;
  return Json::parse(written.dump()).get<T>();
}

ToolCall call(std::string id, std::string name, Json arguments) {
  ToolCall c;
  c.id = std::move(id);
  c.name = std::move(name);
  c.arguments = std::move(arguments);
  return c;
}

ChatRequest full_request() {
  ChatRequest r;
  r.model = "gpt-test";
  r.messages = {Message::system("be brief"), Message::user("add 1 and 2"),
                Message::assistant("adding", {call("call_1", "add", {{"a", 1}, {"b", 2}})}),
                Message::tool_result("call_1", "add", "3")};
  r.tools = {ToolSchema{"add", "adds two numbers",
                        {{"type", "object"},
                         {"properties", {{"a", {{"type", "number"}}}, {"b", {{"type", "number"}}}}},
                         {"required", {"a", "b"}}}}};
  r.temperature = 0.7;
  r.max_tokens = 256;
  r.stop = {"\n\n", "END"};
  r.extra = {{"seed", 42}, {"response_format", {{"type", "text"}}}};
  return r;
}

}  // namespace

TEST_CASE("roles and error kinds have their wire names", "[llm]") {
  CHECK(to_string(Role::system) == "system");
  CHECK(to_string(Role::user) == "user");
  CHECK(to_string(Role::assistant) == "assistant");
  CHECK(to_string(Role::tool) == "tool");
  CHECK(Json(Role::tool) == "tool");

  std::set<std::string_view> names;
  for (int k = 0; k <= static_cast<int>(LlmErrorKind::cancelled); ++k) {
    names.insert(to_string(static_cast<LlmErrorKind>(k)));
  }
  CHECK(names.size() == 9);
  CHECK(to_string(LlmErrorKind::rate_limited) == "rate_limited");
  CHECK(to_string(LlmErrorKind::script_exhausted) == "script_exhausted");
}

TEST_CASE("only transport, timeout, rate limits and server errors are retryable", "[llm]") {
  CHECK(LlmError(LlmErrorKind::transport, "x").retryable());
  CHECK(LlmError(LlmErrorKind::timeout, "x").retryable());
  CHECK(LlmError(LlmErrorKind::rate_limited, "x", 429, std::chrono::milliseconds(5)).retryable());
  CHECK(LlmError(LlmErrorKind::server, "x", 503).retryable());
  CHECK_FALSE(LlmError(LlmErrorKind::bad_request, "x", 400).retryable());
  CHECK_FALSE(LlmError(LlmErrorKind::authentication, "x", 401).retryable());
  CHECK_FALSE(LlmError(LlmErrorKind::malformed_response, "x").retryable());
  CHECK_FALSE(LlmError(LlmErrorKind::script_exhausted, "x").retryable());
  CHECK_FALSE(LlmError(LlmErrorKind::cancelled, "x").retryable());
}

TEST_CASE("tool calls round trip, including arguments that are not JSON", "[llm]") {
  SECTION("object arguments") {
    const auto c = call("call_7", "search", {{"query", "otel"}, {"filters", {{"k", {1, 2, 3}}}}});
    const Json j = c;
    CHECK(j.at("arguments").is_object());
    CHECK(through_text(c) == c);
  }
  SECTION("raw arguments are written as the raw string and read back as raw") {
    ToolCall c = call("call_8", "add", nullptr);
    c.raw_arguments = "{\"a\": 1,";
    const Json j = c;
    CHECK(j.at("arguments") == "{\"a\": 1,");
    const auto back = through_text(c);
    CHECK(back == c);
    CHECK(back.arguments.is_null());
    REQUIRE(back.raw_arguments);
    CHECK(*back.raw_arguments == "{\"a\": 1,");
  }
  SECTION("arguments that are themselves a JSON string survive") {
    const auto c = call("call_9", "echo", Json("hello"));
    CHECK(through_text(c) == c);
  }
  SECTION("OpenAI-style string arguments are parsed") {
    const auto c = Json{{"id", "c1"}, {"name", "add"}, {"arguments", R"({"a": 1, "b": 2})"}}.get<ToolCall>();
    CHECK(c.arguments == Json{{"a", 1}, {"b", 2}});
    CHECK_FALSE(c.raw_arguments);
  }
  SECTION("missing arguments read as an empty object") {
    const auto c = Json{{"id", "c1"}, {"name", "now"}}.get<ToolCall>();
    CHECK(c.arguments == Json::object());
  }
}

TEST_CASE("messages round trip and omit empty optional fields", "[llm]") {
  for (const auto& m : full_request().messages) CHECK(through_text(m) == m);

  Message named = Message::user("hi");
  named.name = "alice";
  CHECK(through_text(named) == named);

  const Json plain = Message::user("hi");
  CHECK(plain == Json{{"role", "user"}, {"content", "hi"}});
  const Json result = Message::tool_result("call_1", "add", "3");
  CHECK(result == Json{{"role", "tool"}, {"content", "3"}, {"tool_call_id", "call_1"}, {"name", "add"}});

  // Other producers send null content beside tool calls.
  const auto m = Json{{"role", "assistant"}, {"content", nullptr}}.get<Message>();
  CHECK(m.content.empty());
}

TEST_CASE("requests, schemas, usage and responses round trip", "[llm]") {
  const auto request = full_request();
  CHECK(through_text(request) == request);
  CHECK(through_text(request.tools.front()) == request.tools.front());

  ChatRequest minimal;
  minimal.messages = {Message::user("x")};
  const Json j = minimal;
  CHECK_FALSE(j.contains("temperature"));
  CHECK_FALSE(j.contains("max_tokens"));
  CHECK_FALSE(j.contains("stop"));
  CHECK_FALSE(j.contains("extra"));
  CHECK(through_text(minimal) == minimal);

  const Usage usage{12, 5, 17};
  CHECK(through_text(usage) == usage);
  CHECK(Json{{"input_tokens", 3}, {"output_tokens", 4}}.get<Usage>() == Usage{3, 4, 7});

  ChatResponse response;
  response.message = Message::assistant("calling", {call("call_2", "mul", {{"a", 3}})});
  response.usage = usage;
  response.finish_reason = "tool_calls";
  response.model = "gpt-test-2024";
  response.id = "resp_1";
  CHECK(through_text(response) == response);
}

TEST_CASE("readers reject wrong types naming the field", "[llm]") {
  using TypeError = Json::type_error;
  using OutOfRange = Json::out_of_range;

  CHECK_THROWS_MATCHES((Json{{"role", 3}, {"content", "x"}}.get<Message>()), TypeError, WhatContains({"'role'"}));
  CHECK_THROWS_MATCHES((Json{{"role", "robot"}}.get<Message>()), TypeError, WhatContains({"robot"}));
  CHECK_THROWS_MATCHES((Json{{"role", "user"}, {"content", 5}}.get<Message>()), TypeError,
                       WhatContains({"'content'", "number"}));
  CHECK_THROWS_MATCHES((Json{{"role", "assistant"}, {"tool_calls", Json::object()}}.get<Message>()), TypeError,
                       WhatContains({"'tool_calls'", "array"}));
  CHECK_THROWS_MATCHES((Json{{"content", "x"}}.get<Message>()), OutOfRange, WhatContains({"role"}));
  CHECK_THROWS_MATCHES(Json::array().get<Message>(), TypeError, WhatContains({"message must be an object"}));

  CHECK_THROWS_MATCHES((Json{{"id", "c"}}.get<ToolCall>()), OutOfRange, WhatContains({"name"}));
  CHECK_THROWS_MATCHES((Json{{"id", 1}, {"name", "n"}}.get<ToolCall>()), TypeError, WhatContains({"'id'"}));

  CHECK_THROWS_MATCHES((Json{{"model", "m"}}.get<ChatRequest>()), OutOfRange, WhatContains({"messages"}));
  CHECK_THROWS_MATCHES((Json{{"messages", Json::array()}, {"temperature", "hot"}}.get<ChatRequest>()), TypeError,
                       WhatContains({"'temperature'"}));
  CHECK_THROWS_MATCHES((Json{{"messages", Json::array()}, {"max_tokens", 1.5}}.get<ChatRequest>()), TypeError,
                       WhatContains({"'max_tokens'"}));
  CHECK_THROWS_MATCHES((Json{{"messages", Json::array()}, {"stop", {1}}}.get<ChatRequest>()), TypeError,
                       WhatContains({"'stop'"}));
  CHECK_THROWS_MATCHES((Json{{"messages", Json::array()}, {"extra", 1}}.get<ChatRequest>()), TypeError,
                       WhatContains({"'extra'"}));
  CHECK_THROWS_MATCHES((Json{{"name", "t"}, {"parameters", Json::array()}}.get<ToolSchema>()), TypeError,
                       WhatContains({"'parameters'"}));
  CHECK_THROWS_MATCHES((Json{{"input_tokens", "3"}}.get<Usage>()), TypeError, WhatContains({"'input_tokens'"}));
  CHECK_THROWS_MATCHES((Json{{"usage", Usage{}}}.get<ChatResponse>()), OutOfRange, WhatContains({"message"}));
  CHECK_THROWS_MATCHES((Json{{"message", Message::assistant("x")}, {"model", 7}}.get<ChatResponse>()), TypeError,
                       WhatContains({"'model'"}));
}

TEST_CASE("tool arguments nested 10,000 levels are kept raw by every reader, never parsed", "[llm]") {
  // The Runner reports raw arguments to the model; a value this deep would overflow the stack of
  // whatever walked it next (a copy, the validator, the content writer).
  const std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
  const std::string arguments = R"({"task":)" + deep + "}";  // compact, as json_text writes it

  SECTION("OpenAI-compatible: arguments as a string") {
    const Json body = {{"id", "x"},
                       {"model", "m"},
                       {"choices", Json::array({{{"index", 0},
                                                 {"finish_reason", "tool_calls"},
                                                 {"message",
                                                  {{"role", "assistant"},
                                                   {"content", nullptr},
                                                   {"tool_calls", Json::array({{{"id", "c1"},
                                                                                {"type", "function"},
                                                                                {"function", {{"name", "t"}, {"arguments", arguments}}}}})}}}}})}};
    const auto response = agentrace::llm::parse_openai_response(body.dump());
    const auto& call = response.message.tool_calls.at(0);
    CHECK(call.arguments.is_null());
    CHECK(call.raw_arguments == arguments);
    CHECK(agentrace::llm::raw_arguments_problem(*call.raw_arguments) == "they nest deeper than 64 levels");
  }
  SECTION("Anthropic: input as a parsed object") {
    const std::string body = R"({"id": "x", "model": "m", "type": "message", "role": "assistant", "stop_reason": "tool_use",
      "content": [{"type": "tool_use", "id": "c1", "name": "t", "input": )" + arguments + "}]}";
    const auto response = agentrace::llm::parse_anthropic_response(body);
    const auto& call = response.message.tool_calls.at(0);
    CHECK(call.arguments.is_null());
    CHECK(call.raw_arguments == arguments);  // written back as text without recursion
  }
  SECTION("the project's wire format: a cassette or a script") {
    agentrace::llm::ToolCall call;
    const Json wire = {{"id", "c1"}, {"name", "t"}, {"arguments", arguments}};
    agentrace::llm::from_json(wire, call);
    CHECK(call.raw_arguments == arguments);
  }
  SECTION("arguments that merely are not JSON say so") {
    CHECK(agentrace::llm::raw_arguments_problem("{\"a\": 1,") == "not valid JSON");
  }
}
