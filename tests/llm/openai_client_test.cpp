// OpenAiClient against a fake chat-completions server (support/fake_llm_server.hpp) on loopback:
// the request's documented shape, plain and streamed replies, every fault as a typed LlmError,
// keys kept out of errors, HTTPS trust; then model strings and make_llm_client.
#include <catch2/catch.hpp>

#include "llm/exception_matchers.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agentrace/llm/model_string.hpp"
#include "agentrace/llm/openai.hpp"
#include "agentrace/tracing/propagation.hpp"
#include "llm/client_test_support.hpp"
#include "support/fake_llm_server.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using namespace agentrace::llm;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using agentrace::testing::FakeApi;
using agentrace::testing::FakeEntry;
using agentrace::testing::FakeLlmServer;
using agentrace::testing::FakeReply;
using agentrace::testing::FakeToolCall;
using agentrace::testing::FakeUsage;
using agentrace::testing::ScopedEnv;
using agentrace::testing::TextSink;
using agentrace::testing::add_schema;
using agentrace::testing::ask;
using agentrace::testing::closed_port;
using agentrace::testing::llm_error_of;
using agentrace::testing::text_reply;
using agentrace::testing::weather_schema;
using agentrace::testing::WhatContains;

namespace {

// Distinctive, so that a leak into any message is unmistakable.
const std::string kKey = "sk-agentrace-TOPSECRET-0123456789abcdef";

OpenAiOptions options_for(const FakeLlmServer& fake) {
  OpenAiOptions o;
  o.base_url = fake.base_url();
  o.api_key = kKey;
  o.model = "gpt-fake";
  o.http.timeouts.total = 10s;  // a client bug fails the test instead of hanging it
  return o;
}

// A request using every field: a system prompt, an assistant turn with two tool calls and their
// results, tools, sampling settings, and provider extras.
ChatRequest full_request() {
  ChatRequest r;
  r.model = "gpt-4o-mini";
  r.messages = {
      Message::system("You are terse."),
      Message::user("What is 2+3, and the weather in Paris?"),
      Message::assistant("Let me check.", {ToolCall{.id = "call_1", .name = "add", .arguments = {{"a", 2}, {"b", 3}}},
                                           ToolCall{.id = "call_2", .name = "weather", .arguments = {{"city", "Paris"}}}}),
      Message::tool_result("call_1", "add", "5"),
      Message::tool_result("call_2", "weather", "sunny"),
  };
  r.tools = {ToolSchema{"add", "Add two integers", add_schema()},
             ToolSchema{"weather", "Current weather in a city", weather_schema()}};
  r.temperature = 0.25;
  r.max_tokens = 256;
  r.stop = {"\n\nHuman:", "END"};
  r.tool_choice = "auto";
  r.seed = 42;
  r.response_format = {{"type", "json_object"}};
  r.extra = {{"top_p", 0.5}, {"user", "agentrace-test"}};
  return r;
}

tracing::SpanContext span_context() {
  tracing::SpanContext c;
  c.trace_id = *tracing::TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  c.span_id = *tracing::SpanId::from_hex("00f067aa0ba902b7");
  c.flags.value = tracing::TraceFlags::sampled_bit;
  return c;
}

}  // namespace

// ---- requests -----------------------------------------------------------------------------------

TEST_CASE("openai: the request follows the chat completions shape", "[llm][openai]") {
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(text_reply("ok"))});
  OpenAiOptions o = options_for(fake);
  o.headers.add("OpenAI-Organization", "org-fake");
  OpenAiClient client(o);

  CallOptions call;
  call.parent = span_context();
  auto baggage = std::make_shared<tracing::Baggage>();
  baggage->set("tenant", "acme").set("session", "s-1");
  call.baggage = baggage;
  const ChatRequest request = full_request();
  (void)client.complete_sync(request, call);

  const auto requests = fake.requests();
  REQUIRE(requests.size() == 1);
  const auto& r = requests[0];
  CHECK(r.method == "POST");
  CHECK(r.target == "/v1/chat/completions");
  CHECK_THAT(std::string(r.header("content-type")), Catch::Matchers::StartsWith("application/json"));
  CHECK(r.header("authorization") == "Bearer " + kKey);
  CHECK(r.header("openai-organization") == "org-fake");
  CHECK(r.header("traceparent") == tracing::format_traceparent(span_context()));
  CHECK(r.header("traceparent") == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  CHECK(r.header("baggage") == baggage->format());
  CHECK(tracing::Baggage::parse(r.header("baggage")) == *baggage);

  const Json& body = r.json;
  REQUIRE(body.is_object());
  CHECK(body.at("model") == "gpt-4o-mini");
  CHECK(body.value("stream", false) == false);
  CHECK_FALSE(body.contains("stream_options"));

  const Json& m = body.at("messages");
  REQUIRE(m.size() == 5);
  CHECK(m[0].at("role") == "system");
  CHECK(m[0].at("content") == "You are terse.");
  CHECK(m[1].at("role") == "user");
  CHECK(m[1].at("content") == "What is 2+3, and the weather in Paris?");
  CHECK(m[2].at("role") == "assistant");
  CHECK(m[2].at("content") == "Let me check.");
  const Json& calls = m[2].at("tool_calls");
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].at("id") == "call_1");
  CHECK(calls[0].at("type") == "function");
  CHECK(calls[0].at("function").at("name") == "add");
  REQUIRE(calls[0].at("function").at("arguments").is_string());  // a JSON text, not an object
  CHECK(Json::parse(calls[0].at("function").at("arguments").get<std::string>()) == Json{{"a", 2}, {"b", 3}});
  CHECK(calls[1].at("id") == "call_2");
  CHECK(calls[1].at("function").at("name") == "weather");
  CHECK(Json::parse(calls[1].at("function").at("arguments").get<std::string>()) == Json{{"city", "Paris"}});
  CHECK(m[3].at("role") == "tool");
  CHECK(m[3].at("tool_call_id") == "call_1");
  CHECK(m[3].at("content") == "5");
  CHECK(m[4].at("role") == "tool");
  CHECK(m[4].at("tool_call_id") == "call_2");
  CHECK(m[4].at("content") == "sunny");

  const Json& tools = body.at("tools");
  REQUIRE(tools.size() == 2);
  CHECK(tools[0].at("type") == "function");
  CHECK(tools[0].at("function").at("name") == "add");
  CHECK(tools[0].at("function").at("description") == "Add two integers");
  CHECK(tools[0].at("function").at("parameters") == add_schema());
  CHECK(tools[1].at("function").at("name") == "weather");
  CHECK(tools[1].at("function").at("parameters") == weather_schema());

  CHECK(body.at("tool_choice") == "auto");
  CHECK(body.at("temperature") == 0.25);
  CHECK(body.at("max_tokens") == 256);
  CHECK(body.at("stop") == Json{"\n\nHuman:", "END"});
  CHECK(body.at("seed") == 42);
  CHECK(body.at("response_format") == Json{{"type", "json_object"}});
  CHECK(body.at("top_p") == 0.5);  // extra, merged
  CHECK(body.at("user") == "agentrace-test");

  // request_body() is what went on the wire.
  CHECK(client.request_body(request, false) == body);
}

TEST_CASE("openai: optional fields are left out, and no trace headers without a parent", "[llm][openai]") {
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(text_reply("ok"))});
  OpenAiClient client(options_for(fake));
  (void)client.complete_sync(ask("hi"));
  const auto requests = fake.requests();
  REQUIRE(requests.size() == 1);
  const Json& body = requests[0].json;
  CHECK(body.at("model") == "gpt-fake");  // the options' model when the request names none
  CHECK(body.at("messages") == Json::parse(R"([{"role": "user", "content": "hi"}])"));
  for (const char* absent : {"tools", "tool_choice", "temperature", "max_tokens", "stop", "seed", "response_format"}) {
    INFO(absent);
    CHECK_FALSE(body.contains(absent));
  }
  CHECK(requests[0].header("traceparent").empty());
  CHECK(requests[0].header("baggage").empty());
}

TEST_CASE("openai: tool_choice forms", "[llm][openai]") {
  OpenAiOptions o;
  o.api_key = kKey;
  OpenAiClient client(o);
  ChatRequest r = ask("x", "m");
  r.tools = {ToolSchema{"add", "Add", add_schema()}};

  r.tool_choice = "";
  CHECK_FALSE(client.request_body(r, false).contains("tool_choice"));
  for (const char* mode : {"auto", "none", "required"}) {
    r.tool_choice = mode;
    CHECK(client.request_body(r, false).at("tool_choice") == mode);
  }
  r.tool_choice = "add";
  CHECK(client.request_body(r, false).at("tool_choice") == Json{{"type", "function"}, {"function", {{"name", "add"}}}});

  const Json streamed = client.request_body(r, true);
  CHECK(streamed.at("stream") == true);
  CHECK(streamed.at("stream_options").at("include_usage") == true);
}

// ---- plain replies ------------------------------------------------------------------------------

TEST_CASE("openai: a plain text reply with usage, cached tokens, model and id", "[llm][openai]") {
  FakeReply reply;
  reply.text = "Paris is sunny.";
  reply.usage = FakeUsage{120, 7, 100};
  reply.model = "gpt-4o-mini-2024-07-18";
  reply.id = "chatcmpl-abc123";
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(reply)});
  OpenAiClient client(options_for(fake));

  const ChatResponse response = client.complete_sync(ask("Weather?", "gpt-4o-mini"));
  CHECK(response.message.role == Role::assistant);
  CHECK(response.message.content == "Paris is sunny.");
  CHECK(response.message.tool_calls.empty());
  CHECK(response.finish_reason == "stop");
  CHECK(response.usage == Usage{120, 7, 127, 100});
  CHECK(response.model == "gpt-4o-mini-2024-07-18");
  CHECK(response.id == "chatcmpl-abc123");
}

TEST_CASE("openai: a plain reply with tool calls, invalid arguments kept raw", "[llm][openai]") {
  FakeReply reply;
  reply.tool_calls = {FakeToolCall{"call_a", "add", R"({"a": 2, "b": 3})"},
                      FakeToolCall{"call_b", "weather", R"({"city": "Paris")"}};  // cut short: not JSON
  reply.finish_reason = "tool_calls";
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(reply)});
  OpenAiClient client(options_for(fake));

  const ChatResponse response = client.complete_sync(ask("2+3? Paris?"));
  CHECK(response.finish_reason == "tool_calls");
  CHECK(response.message.content.empty());  // content: null
  REQUIRE(response.message.tool_calls.size() == 2);
  const auto& a = response.message.tool_calls[0];
  CHECK(a.id == "call_a");
  CHECK(a.name == "add");
  CHECK(a.arguments == Json{{"a", 2}, {"b", 3}});
  CHECK_FALSE(a.raw_arguments.has_value());
  const auto& b = response.message.tool_calls[1];
  CHECK(b.id == "call_b");
  CHECK(b.name == "weather");
  CHECK(b.arguments.is_null());
  CHECK(b.raw_arguments == std::optional<std::string>(R"({"city": "Paris")"));
}

TEST_CASE("openai: parse_openai_response reads a body and rejects a malformed one", "[llm][openai]") {
  const ChatResponse r = parse_openai_response(R"({
    "id": "chatcmpl-9", "object": "chat.completion", "created": 1, "model": "gpt-x",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi",
                 "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{]"}}]},
                 "finish_reason": "tool_calls"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})");
  CHECK(r.id == "chatcmpl-9");
  CHECK(r.model == "gpt-x");
  CHECK(r.message.content == "hi");
  REQUIRE(r.message.tool_calls.size() == 1);
  CHECK(r.message.tool_calls[0].arguments.is_null());
  CHECK(r.message.tool_calls[0].raw_arguments == std::optional<std::string>("{]"));
  CHECK(r.usage == Usage{3, 2, 5, 0});
  CHECK(r.finish_reason == "tool_calls");

  for (const char* bad : {"", "not json", "[]", R"({"id": "x"})", R"({"choices": []})", R"({"choices": [{"index": 0}]})"}) {
    INFO(bad);
    CHECK(llm_error_of([&] { (void)parse_openai_response(bad); }).kind() == LlmErrorKind::malformed_response);
  }
}

// ---- streaming ----------------------------------------------------------------------------------

TEST_CASE("openai: streamed text arrives in order and makes the same response as plain", "[llm][openai]") {
  FakeReply reply;
  reply.text_deltas = {"The ", "answer ", "is ", "5."};
  reply.usage = FakeUsage{40, 4, 32};
  reply.model = "gpt-4o-mini-2024-07-18";
  reply.id = "chatcmpl-same";
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(reply), FakeEntry::make_reply(reply)});
  OpenAiOptions o = options_for(fake);
  OpenAiClient plain_client(o);
  o.stream = true;
  OpenAiClient stream_client(o);

  const ChatResponse plain = plain_client.complete_sync(ask("2+3?"));
  TextSink sink;
  CallOptions call;
  call.on_text = sink.callback();
  const ChatResponse streamed = stream_client.complete_sync(ask("2+3?"), call);

  CHECK(plain.message.content == "The answer is 5.");
  CHECK(streamed == plain);
  CHECK(streamed.usage == Usage{40, 4, 44, 32});  // from the final, choice-less chunk
  CHECK(sink.get() == std::vector<std::string>{"The ", "answer ", "is ", "5."});

  const auto requests = fake.requests();
  REQUIRE(requests.size() == 2);
  CHECK_FALSE(requests[0].stream());
  CHECK(requests[1].stream());
  CHECK(requests[1].json.at("stream_options").at("include_usage") == true);
}

TEST_CASE("openai: two streamed tool calls with interleaved argument fragments", "[llm][openai]") {
  FakeReply reply;
  reply.text_deltas = {"Checking", "."};
  reply.tool_calls = {FakeToolCall{"call_1", "add", R"({"a": 2, "b": 3})", {R"({"a":)", R"( 2, "b")", R"(: 3})"}},
                      FakeToolCall{"call_2", "weather", R"({"city": "Paris"})", {R"({"ci)", R"(ty": ")", R"(Paris"})"}}};
  reply.interleave_tool_calls = true;
  reply.usage = FakeUsage{50, 30, 0};
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(reply)});
  OpenAiOptions o = options_for(fake);
  o.stream = true;
  OpenAiClient client(o);

  TextSink sink;
  CallOptions call;
  call.on_text = sink.callback();
  const ChatResponse response = client.complete_sync(ask("2+3? Paris?"), call);
  CHECK(response.message.content == "Checking.");
  CHECK(sink.get() == std::vector<std::string>{"Checking", "."});
  CHECK(response.finish_reason == "tool_calls");
  CHECK(response.usage == Usage{50, 30, 80, 0});
  REQUIRE(response.message.tool_calls.size() == 2);
  CHECK(response.message.tool_calls[0].id == "call_1");
  CHECK(response.message.tool_calls[0].name == "add");
  CHECK(response.message.tool_calls[0].arguments == Json{{"a", 2}, {"b", 3}});
  CHECK(response.message.tool_calls[1].id == "call_2");
  CHECK(response.message.tool_calls[1].name == "weather");
  CHECK(response.message.tool_calls[1].arguments == Json{{"city", "Paris"}});
}

TEST_CASE("openai: a streamed tool call whose arguments are not JSON is kept raw", "[llm][openai]") {
  FakeReply reply;
  reply.tool_calls = {FakeToolCall{"call_1", "add", R"({"a": 2, "b")", {R"({"a": )", R"(2, "b")"}}};
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(reply)});
  OpenAiOptions o = options_for(fake);
  o.stream = true;
  OpenAiClient client(o);
  const ChatResponse response = client.complete_sync(ask("2+3?"));
  REQUIRE(response.message.tool_calls.size() == 1);
  CHECK(response.message.tool_calls[0].arguments.is_null());
  CHECK(response.message.tool_calls[0].raw_arguments == std::optional<std::string>(R"({"a": 2, "b")"));
}

TEST_CASE("openai: async complete runs concurrent calls on the caller's executor", "[llm][openai]") {
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(text_reply("first")), FakeEntry::make_reply(text_reply("second"))});
  OpenAiClient client(options_for(fake));
  asio::io_context io;
  const auto caller = std::this_thread::get_id();
  const ChatRequest a = ask("one");
  const ChatRequest b = ask("two");
  std::vector<std::string> answers;
  std::vector<std::exception_ptr> errors;
  bool on_caller_thread = true;
  auto call = [&](const ChatRequest& r) -> asio::awaitable<void> {
    // A named awaitable: GCC 12 mishandles temporaries inside a co_await operand.
    auto pending = client.complete(r, CallOptions{});
    ChatResponse response = co_await std::move(pending);
    on_caller_thread = on_caller_thread && std::this_thread::get_id() == caller;
    answers.push_back(response.message.content);
  };
  for (const ChatRequest* r : {&a, &b}) {
    asio::co_spawn(io, call(*r), [&](std::exception_ptr e) {
      if (e) errors.push_back(e);
    });
  }
  io.run();
  for (auto& e : errors) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      FAIL_CHECK(x.what());
    }
  }
  CHECK(on_caller_thread);
  CHECK(std::multiset<std::string>(answers.begin(), answers.end()) == std::multiset<std::string>{"first", "second"});
  CHECK(fake.request_count() == 2);
}

// ---- faults -------------------------------------------------------------------------------------

TEST_CASE("openai: error statuses become typed LlmErrors with the provider's message", "[llm][openai]") {
  struct Row {
    unsigned status;
    LlmErrorKind kind;
    bool retryable;
  };
  const std::vector<Row> rows = {
      {429, LlmErrorKind::rate_limited, true}, {500, LlmErrorKind::server, true},
      {502, LlmErrorKind::server, true},       {503, LlmErrorKind::server, true},
      {400, LlmErrorKind::bad_request, false}, {404, LlmErrorKind::bad_request, false},
      {422, LlmErrorKind::bad_request, false}, {401, LlmErrorKind::authentication, false},
      {403, LlmErrorKind::authentication, false},
  };
  for (const Row& row : rows) {
    INFO("status " << row.status);
    const std::string message = "provider says no (" + std::to_string(row.status) + ")";
    FakeLlmServer fake(FakeApi::openai,
                       {row.status == 429 ? FakeEntry::error(429, message, "2") : FakeEntry::error(row.status, message)});
    OpenAiClient client(options_for(fake));
    const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
    CHECK(e.kind() == row.kind);
    CHECK(e.http_status() == static_cast<int>(row.status));
    CHECK(e.retryable() == row.retryable);
    CHECK_THAT(std::string(e.what()), Contains(message));
    if (row.status == 429) {
      CHECK(e.retry_after() == std::optional<std::chrono::milliseconds>(2000ms));
    }
    CHECK(fake.request_count() == 1);  // the client itself never retries
  }
}

TEST_CASE("openai: a first byte later than the first_byte timeout is a timeout", "[llm][openai]") {
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::slow(text_reply("late"), 2s)});
  OpenAiOptions o = options_for(fake);
  o.http.timeouts.first_byte = 100ms;
  OpenAiClient client(o);
  const auto start = std::chrono::steady_clock::now();
  const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
  CHECK(e.kind() == LlmErrorKind::timeout);
  CHECK(e.retryable());
  CHECK(std::chrono::steady_clock::now() - start < 1500ms);  // well before the reply
}

TEST_CASE("openai: a stream that stalls longer than body_idle is a timeout", "[llm][openai]") {
  FakeReply reply;
  reply.text_deltas = {"a", "b"};
  reply.event_delay = 600ms;
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(reply)});
  OpenAiOptions o = options_for(fake);
  o.stream = true;
  o.http.timeouts.body_idle = 100ms;
  OpenAiClient client(o);
  CHECK(llm_error_of([&] { (void)client.complete_sync(ask("hi")); }).kind() == LlmErrorKind::timeout);
}

TEST_CASE("openai: a stream cut midway is malformed_response, never a shorter answer", "[llm][openai]") {
  FakeReply reply;
  reply.text_deltas = {"The ", "answer ", "is ", "5."};
  const bool connection_closed = GENERATE(true, false);
  INFO((connection_closed ? "connection closed after 3 events" : "body ended after 3 events"));
  FakeLlmServer fake(FakeApi::openai, {connection_closed ? FakeEntry::cut_stream(reply, 3) : FakeEntry::short_stream(reply, 3)});
  OpenAiOptions o = options_for(fake);
  o.stream = true;
  OpenAiClient client(o);
  TextSink sink;
  CallOptions call;
  call.on_text = sink.callback();
  const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi"), call); });
  CHECK(e.kind() == LlmErrorKind::malformed_response);
  CHECK(sink.get() == std::vector<std::string>{"The ", "answer "});  // what had arrived
}

TEST_CASE("openai: a stream cut inside an event is malformed_response, the half event unseen", "[llm][openai]") {
  FakeReply reply;
  reply.text_deltas = {"The ", "answer ", "is ", "5."};
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::cut_mid_event(reply, 2)});
  OpenAiOptions o = options_for(fake);
  o.stream = true;
  OpenAiClient client(o);
  TextSink sink;
  CallOptions call;
  call.on_text = sink.callback();
  const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi"), call); });
  CHECK(e.kind() == LlmErrorKind::malformed_response);
  CHECK(sink.get() == std::vector<std::string>{"The "});  // the role event, "The ", then half of "answer "
}

TEST_CASE("openai: a fake with a responder answers each request by its content, in any order", "[llm][openai]") {
  FakeLlmServer fake(FakeApi::openai);
  fake.set_responder([](const testing::FakeRequest& request) {
    const std::string last = request.json.at("messages").back().at("content").get<std::string>();
    if (last == "fail") return FakeEntry::error(503, "busy", "0");
    FakeReply reply;
    reply.text = "echo: " + last;
    return FakeEntry::make_reply(reply);
  });
  OpenAiClient client(options_for(fake));
  CHECK(client.complete_sync(ask("two")).message.content == "echo: two");
  CHECK(llm_error_of([&] { (void)client.complete_sync(ask("fail")); }).kind() == LlmErrorKind::server);
  CHECK(client.complete_sync(ask("one")).message.content == "echo: one");
  fake.set_responder({});  // back to the (empty) script
  CHECK_THAT(llm_error_of([&] { (void)client.complete_sync(ask("x")); }).what(), Contains("script ran out"));
}

TEST_CASE("openai: an error event inside a stream is an LlmError with its message", "[llm][openai]") {
  FakeReply reply;
  reply.text_deltas = {"The ", "answer"};
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::stream_error(reply, 2, "The server had an error while processing", "server_error")});
  OpenAiOptions o = options_for(fake);
  o.stream = true;
  OpenAiClient client(o);
  const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
  CHECK_THAT(std::string(e.what()), Contains("The server had an error while processing"));
}

TEST_CASE("openai: a 200 whose body is not a chat completion is malformed_response with an excerpt", "[llm][openai]") {
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::invalid_json(R"({"id": "chatcmpl-broken", "choices": [{"message": )"),
                                       FakeEntry::invalid_json(R"({"object": "chat.completion", "id": "chatcmpl-empty"})")});
  OpenAiClient client(options_for(fake));
  const LlmError not_json = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
  CHECK(not_json.kind() == LlmErrorKind::malformed_response);
  CHECK_FALSE(not_json.retryable());
  CHECK_THAT(std::string(not_json.what()), Contains("chatcmpl-broken"));
  const LlmError no_choices = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
  CHECK(no_choices.kind() == LlmErrorKind::malformed_response);
}

TEST_CASE("openai: a 200 with the wrong content type is malformed_response", "[llm][openai]") {
  const bool stream = GENERATE(false, true);
  INFO((stream ? "streamed" : "plain"));
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::wrong_content_type()});
  OpenAiOptions o = options_for(fake);
  o.stream = stream;
  OpenAiClient client(o);
  CHECK(llm_error_of([&] { (void)client.complete_sync(ask("hi")); }).kind() == LlmErrorKind::malformed_response);
}

TEST_CASE("openai: a dropped connection and a refused one are transport errors", "[llm][openai]") {
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::drop()});
  OpenAiClient client(options_for(fake));
  const LlmError dropped = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
  CHECK(dropped.kind() == LlmErrorKind::transport);
  CHECK(dropped.retryable());

  OpenAiOptions o;
  o.api_key = kKey;
  o.base_url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1";
  OpenAiClient refused_client(o);
  const LlmError refused = llm_error_of([&] { (void)refused_client.complete_sync(ask("hi")); });
  CHECK(refused.kind() == LlmErrorKind::transport);
  CHECK(refused.retryable());
}

TEST_CASE("openai: the API key never appears in an error message", "[llm][openai]") {
  // A server that echoes the key back, as OpenAI's own 401 does ("Incorrect API key provided").
  FakeLlmServer fake(FakeApi::openai,
                     {FakeEntry::error(401, "Incorrect API key provided: {api_key}. Find yours at platform.openai.com"),
                      FakeEntry::error(400, "Invalid request from key {api_key}"),
                      FakeEntry::error(500, "Internal error for {api_key}"),
                      FakeEntry::error(429, "Rate limit reached for {api_key}", "1"),
                      FakeEntry::invalid_json(R"({"echo": "{api_key}", "choices": [)"),
                      FakeEntry::wrong_content_type("<html>key {api_key}</html>")});
  OpenAiClient client(options_for(fake));
  for (int i = 0; i < 6; ++i) {
    INFO("entry " << i);
    const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
    CHECK_THAT(std::string(e.what()), !Contains(kKey) && !Contains("TOPSECRET"));
    if (i == 0) {
      CHECK(e.kind() == LlmErrorKind::authentication);
      CHECK_THAT(std::string(e.what()), Contains("Incorrect API key provided"));
    }
  }
  CHECK(fake.remaining() == 0);
}

// ---- construction -------------------------------------------------------------------------------

TEST_CASE("openai: a missing API key fails at construction, before any request", "[llm][openai]") {
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(text_reply("ok"))});
  OpenAiOptions o = options_for(fake);
  o.api_key.clear();
  const LlmError e = llm_error_of([&] { OpenAiClient client(o); });
  CHECK(e.kind() == LlmErrorKind::authentication);
  CHECK(fake.request_count() == 0);

  // A local server needing no key: no Authorization header at all.
  o.require_api_key = false;
  OpenAiClient keyless(o);
  CHECK(keyless.complete_sync(ask("hi")).message.content == "ok");
  const auto requests = fake.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].header("authorization").empty());
}

TEST_CASE("openai: bad base URLs and CA files are rejected at construction", "[llm][openai]") {
  for (const char* url : {"ftp://example.com/v1", "not a url", ""}) {
    INFO(url);
    OpenAiOptions o;
    o.api_key = kKey;
    o.base_url = url;
    CHECK_THROWS_AS(OpenAiClient(o), std::invalid_argument);
  }
  OpenAiOptions o;
  o.api_key = kKey;
  o.http.ca_file = "/nonexistent/agentrace-ca.pem";
  CHECK_THROWS_AS(OpenAiClient(o), std::invalid_argument);
}

TEST_CASE("openai: from_env reads OPENAI_API_KEY and OPENAI_BASE_URL", "[llm][openai]") {
  {
    ScopedEnv key("OPENAI_API_KEY", "sk-from-env");
    ScopedEnv url("OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
    const OpenAiOptions o = OpenAiOptions::from_env();
    CHECK(o.api_key == "sk-from-env");
    CHECK(o.base_url == "http://127.0.0.1:9/v1");
  }
  {
    ScopedEnv key("OPENAI_API_KEY", nullptr);
    ScopedEnv url("OPENAI_BASE_URL", "");  // empty counts as unset
    const OpenAiOptions o = OpenAiOptions::from_env();
    CHECK(o.api_key.empty());
    CHECK(o.base_url == "https://api.openai.com/v1");
  }
}

TEST_CASE("openai: provider, default model and server address", "[llm][openai]") {
  FakeLlmServer fake(FakeApi::openai);
  OpenAiOptions o = options_for(fake);
  OpenAiClient client(o);
  CHECK(client.provider() == "openai");
  CHECK(client.default_model() == "gpt-fake");
  CHECK(client.server() == std::optional<ServerAddress>(ServerAddress{"127.0.0.1", fake.port()}));

  o.provider = "vllm";
  o.base_url = "http://localhost:8000/v1";
  CHECK(OpenAiClient(o).provider() == "vllm");
  CHECK(OpenAiClient(o).server() == std::optional<ServerAddress>(ServerAddress{"localhost", 8000}));
  o.base_url = "http://models.internal/v1";
  CHECK(OpenAiClient(o).server() == std::optional<ServerAddress>(ServerAddress{"models.internal", 80}));
  OpenAiOptions defaults;
  defaults.api_key = kKey;
  CHECK(OpenAiClient(defaults).server() == std::optional<ServerAddress>(ServerAddress{"api.openai.com", 443}));
  CHECK(fake.request_count() == 0);
}

// ---- HTTPS --------------------------------------------------------------------------------------

TEST_CASE("openai: HTTPS with a self-signed certificate is refused by default, accepted with its CA", "[llm][openai]") {
  testing::ServerOptions tls;
  tls.tls = true;
  tls.self_signed = true;
  FakeLlmServer fake(FakeApi::openai, {FakeEntry::make_reply(text_reply("over TLS"))}, tls);
  REQUIRE_THAT(fake.base_url(), Catch::Matchers::StartsWith("https://127.0.0.1:"));

  OpenAiOptions o = options_for(fake);
  const LlmError e = llm_error_of([&] { (void)OpenAiClient(o).complete_sync(ask("hi")); });
  CHECK(e.kind() == LlmErrorKind::transport);
  CHECK_THAT(std::string(e.what()), Contains("certificate", Catch::CaseSensitive::No));
  CHECK(fake.request_count() == 0);

  o.http.ca_file = fake.ca_file().string();
  CHECK(OpenAiClient(o).complete_sync(ask("hi")).message.content == "over TLS");
  CHECK(fake.request_count() == 1);
}

// ---- model strings ------------------------------------------------------------------------------

TEST_CASE("model strings: every documented form parses", "[llm][model_string]") {
  CHECK(parse_model_string("openai:gpt-4o-mini") == ModelSpec{"openai", "gpt-4o-mini", "", ""});
  CHECK(parse_model_string("anthropic:claude-sonnet-4-5") == ModelSpec{"anthropic", "claude-sonnet-4-5", "", ""});
  CHECK(parse_model_string("openai-compatible:http://127.0.0.1:8080/v1#qwen2.5-7b") ==
        ModelSpec{"openai-compatible", "qwen2.5-7b", "http://127.0.0.1:8080/v1", ""});
  CHECK(parse_model_string("anthropic-compatible:http://127.0.0.1:9000#claude-x") ==
        ModelSpec{"anthropic-compatible", "claude-x", "http://127.0.0.1:9000", ""});
  CHECK(parse_model_string("scripted:path/to/script.json") == ModelSpec{"scripted", "", "", "path/to/script.json"});
  // Model names may hold colons (fine-tuned OpenAI models, Ollama tags).
  CHECK(parse_model_string("openai:ft:gpt-4o-mini:acme::abc123") == ModelSpec{"openai", "ft:gpt-4o-mini:acme::abc123", "", ""});
  CHECK(parse_model_string("openai-compatible:https://host.example:11434/v1#llama3.1:8b") ==
        ModelSpec{"openai-compatible", "llama3.1:8b", "https://host.example:11434/v1", ""});
}

TEST_CASE("model strings: bad strings are rejected naming the string and the forms", "[llm][model_string]") {
  for (const char* bad : {"", "gpt-4o", "unknown:model", "openai:", "anthropic:", "scripted:", ":gpt-4o"}) {
    INFO("'" << bad << "'");
    try {
      (void)parse_model_string(bad);
      FAIL_CHECK("accepted");
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      if (*bad != '\0') CHECK_THAT(what, Contains(bad));
      CHECK_THAT(what, Contains("openai:"));
      CHECK_THAT(what, Contains("anthropic:"));
    }
  }
}

TEST_CASE("model strings: make_llm_client configures clients from the environment", "[llm][model_string]") {
  // Catch runs the case once per section: each section scripts its own replies.
  FakeLlmServer openai(FakeApi::openai);
  FakeLlmServer anthropic(FakeApi::anthropic);

  SECTION("a required key that is missing fails before any request") {
    ScopedEnv key("OPENAI_API_KEY", nullptr);
    ScopedEnv url("OPENAI_BASE_URL", openai.base_url().c_str());
    ScopedEnv akey("ANTHROPIC_API_KEY", "");
    ScopedEnv aurl("ANTHROPIC_BASE_URL", anthropic.base_url().c_str());
    CHECK(llm_error_of([] { (void)make_llm_client("openai:gpt-4o-mini"); }).kind() == LlmErrorKind::authentication);
    CHECK(llm_error_of([] { (void)make_llm_client("anthropic:claude-x"); }).kind() == LlmErrorKind::authentication);
    CHECK(openai.request_count() == 0);
    CHECK(anthropic.request_count() == 0);
  }

  SECTION("openai: with the key and base URL from the environment") {
    ScopedEnv key("OPENAI_API_KEY", "sk-env-key");
    ScopedEnv url("OPENAI_BASE_URL", openai.base_url().c_str());
    openai.push(text_reply("from openai"));
    auto client = make_llm_client("openai:gpt-env");
    REQUIRE(client != nullptr);
    CHECK(client->provider() == "openai");
    CHECK(client->default_model() == "gpt-env");
    CHECK(client->server() == std::optional<ServerAddress>(ServerAddress{"127.0.0.1", openai.port()}));
    CHECK(client->complete_sync(ask("hi")).message.content == "from openai");
    const auto requests = openai.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].header("authorization") == "Bearer sk-env-key");
    CHECK(requests[0].json.at("model") == "gpt-env");
  }

  SECTION("compatible servers: the key when set, else none; streaming on request") {
    openai.push(text_reply("from compatible"));
    openai.push(text_reply("streamed"));
    anthropic.push(text_reply("from anthropic-compatible"));
    {
      ScopedEnv key("OPENAI_API_KEY", nullptr);
      auto client = make_llm_client("openai-compatible:" + openai.base_url() + "#qwen2.5-7b");
      CHECK(client->default_model() == "qwen2.5-7b");
      CHECK(client->complete_sync(ask("hi")).message.content == "from compatible");
      const auto requests = openai.requests();
      REQUIRE(requests.size() == 1);
      CHECK(requests[0].header("authorization").empty());
      CHECK(requests[0].json.at("model") == "qwen2.5-7b");
      CHECK_FALSE(requests[0].stream());
    }
    {
      ScopedEnv key("OPENAI_API_KEY", "sk-compat");
      ModelClientOptions options;
      options.stream = true;
      auto client = make_llm_client("openai-compatible:" + openai.base_url() + "#qwen2.5-7b", options);
      CHECK(client->complete_sync(ask("hi")).message.content == "streamed");
      const auto requests = openai.requests();
      REQUIRE(requests.size() == 2);
      CHECK(requests[1].header("authorization") == "Bearer sk-compat");
      CHECK(requests[1].stream());
    }
    {
      ScopedEnv key("ANTHROPIC_API_KEY", nullptr);
      auto client = make_llm_client("anthropic-compatible:" + anthropic.base_url() + "#claude-x");
      CHECK(client->default_model() == "claude-x");
      CHECK(client->complete_sync(ask("hi")).message.content == "from anthropic-compatible");
      const auto requests = anthropic.requests();
      REQUIRE(requests.size() == 1);
      CHECK(requests[0].target == "/v1/messages");
      CHECK(requests[0].header("x-api-key").empty());
      CHECK(requests[0].json.at("model") == "claude-x");
    }
  }

  SECTION("scripted models and bad strings") {
    testing::TempDir dir;
    const auto script = dir.write("script.json", R"({"model": "file-model", "replies": [{"text": "from file"}]})");
    auto client = make_llm_client("scripted:" + script.string());
    CHECK(client->provider() == "scripted");
    CHECK(client->complete_sync(ask("hi")).message.content == "from file");
    CHECK_THROWS_AS(make_llm_client("nonsense"), std::invalid_argument);
    CHECK_THROWS_AS(make_llm_client("openai-compatible:ftp://127.0.0.1/v1#m"), std::invalid_argument);
  }
}
