// AnthropicClient against a fake Messages API server (support/fake_llm_server.hpp) on loopback:
// the request's documented shape (system, tool_use / tool_result blocks, input_schema), plain and
// streamed replies (message_start ... message_stop), every fault as a typed LlmError, keys kept
// out of errors, HTTPS trust.
#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agentrace/llm/anthropic.hpp"
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

namespace {

const std::string kKey = "sk-ant-agentrace-TOPSECRET-fedcba9876543210";

AnthropicOptions options_for(const FakeLlmServer& fake) {
  AnthropicOptions o;
  o.base_url = fake.base_url();
  o.api_key = kKey;
  o.model = "claude-fake";
  o.http.timeouts.total = 10s;  // a client bug fails the test instead of hanging it
  return o;
}

ChatRequest full_request() {
  ChatRequest r;
  r.model = "claude-sonnet-4-5";
  r.messages = {
      Message::system("You are terse."),
      Message::user("What is 2+3, and the weather in Paris?"),
      Message::assistant("Let me check.", {ToolCall{.id = "toolu_1", .name = "add", .arguments = {{"a", 2}, {"b", 3}}},
                                           ToolCall{.id = "toolu_2", .name = "weather", .arguments = {{"city", "Paris"}}}}),
      Message::tool_result("toolu_1", "add", "5"),
      Message::tool_result("toolu_2", "weather", "sunny"),
  };
  r.tools = {ToolSchema{"add", "Add two integers", add_schema()},
             ToolSchema{"weather", "Current weather in a city", weather_schema()}};
  r.temperature = 0.25;
  r.max_tokens = 256;
  r.stop = {"\n\nHuman:", "END"};
  r.tool_choice = "auto";
  r.seed = 42;                                      // OpenAI only: not sent to Anthropic
  r.response_format = {{"type", "json_object"}};  // likewise
  r.extra = {{"top_k", 5}, {"metadata", {{"user_id", "u-1"}}}};
  return r;
}

tracing::SpanContext span_context() {
  tracing::SpanContext c;
  c.trace_id = *tracing::TraceId::from_hex("0af7651916cd43dd8448eb211c80319c");
  c.span_id = *tracing::SpanId::from_hex("b7ad6b7169203331");
  c.flags.value = tracing::TraceFlags::sampled_bit;
  return c;
}

// A message's content as blocks: a string is one text block.
Json blocks_of(const Json& message) {
  const Json& content = message.at("content");
  if (content.is_string()) return Json::array({{{"type", "text"}, {"text", content}}});
  return content;
}

// The conversation as turns: consecutive messages of one role are one turn (the API combines
// them), so a client may send tool results in one user message or several.
std::vector<std::pair<std::string, Json>> turns_of(const Json& messages) {
  std::vector<std::pair<std::string, Json>> turns;
  for (const auto& m : messages) {
    const std::string role = m.at("role");
    if (turns.empty() || turns.back().first != role) turns.emplace_back(role, Json::array());
    for (const auto& b : blocks_of(m)) turns.back().second.push_back(b);
  }
  return turns;
}

// A tool_result's content as text (a string, or text blocks).
std::string result_text(const Json& block) {
  const Json& c = block.at("content");
  if (c.is_string()) return c;
  std::string out;
  for (const auto& b : c) out += b.at("text").get<std::string>();
  return out;
}

}  // namespace

// ---- requests -----------------------------------------------------------------------------------

TEST_CASE("anthropic: the request follows the Messages API shape", "[llm][anthropic]") {
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::make_reply(text_reply("ok"))});
  AnthropicOptions o = options_for(fake);
  o.headers.add("anthropic-beta", "fake-beta-2025-01-01");
  AnthropicClient client(o);

  CallOptions call;
  call.parent = span_context();
  auto baggage = std::make_shared<tracing::Baggage>();
  baggage->set("tenant", "acme");
  call.baggage = baggage;
  const ChatRequest request = full_request();
  (void)client.complete_sync(request, call);

  const auto requests = fake.requests();
  REQUIRE(requests.size() == 1);
  const auto& r = requests[0];
  CHECK(r.method == "POST");
  CHECK(r.target == "/v1/messages");
  CHECK_THAT(std::string(r.header("content-type")), Catch::Matchers::StartsWith("application/json"));
  CHECK(r.header("x-api-key") == kKey);
  CHECK(r.header("authorization").empty());
  CHECK(r.header("anthropic-version") == "2023-06-01");
  CHECK(r.header("anthropic-beta") == "fake-beta-2025-01-01");
  CHECK(r.header("traceparent") == tracing::format_traceparent(span_context()));
  CHECK(r.header("baggage") == baggage->format());

  const Json& body = r.json;
  REQUIRE(body.is_object());
  CHECK(body.at("model") == "claude-sonnet-4-5");
  CHECK(body.at("max_tokens") == 256);
  CHECK(body.at("system") == "You are terse.");
  CHECK(body.value("stream", false) == false);

  const auto turns = turns_of(body.at("messages"));
  REQUIRE(turns.size() == 3);
  CHECK(turns[0].first == "user");
  CHECK(turns[0].second == Json::parse(R"([{"type": "text", "text": "What is 2+3, and the weather in Paris?"}])"));
  CHECK(turns[1].first == "assistant");
  const Json& a = turns[1].second;
  REQUIRE(a.size() == 3);
  CHECK(a[0] == Json{{"type", "text"}, {"text", "Let me check."}});
  CHECK(a[1].at("type") == "tool_use");
  CHECK(a[1].at("id") == "toolu_1");
  CHECK(a[1].at("name") == "add");
  CHECK(a[1].at("input") == Json{{"a", 2}, {"b", 3}});  // an object, not a JSON text
  CHECK(a[2].at("type") == "tool_use");
  CHECK(a[2].at("id") == "toolu_2");
  CHECK(a[2].at("input") == Json{{"city", "Paris"}});
  CHECK(turns[2].first == "user");
  const Json& results = turns[2].second;
  REQUIRE(results.size() == 2);
  CHECK(results[0].at("type") == "tool_result");
  CHECK(results[0].at("tool_use_id") == "toolu_1");
  CHECK(result_text(results[0]) == "5");
  CHECK(results[1].at("tool_use_id") == "toolu_2");
  CHECK(result_text(results[1]) == "sunny");
  for (const auto& m : body.at("messages")) CHECK(m.at("role") != "system");

  const Json& tools = body.at("tools");
  REQUIRE(tools.size() == 2);
  CHECK(tools[0].at("name") == "add");
  CHECK(tools[0].at("description") == "Add two integers");
  CHECK(tools[0].at("input_schema") == add_schema());
  CHECK_FALSE(tools[0].contains("parameters"));
  CHECK(tools[1].at("name") == "weather");
  CHECK(tools[1].at("input_schema") == weather_schema());

  CHECK(body.at("tool_choice") == Json{{"type", "auto"}});
  CHECK(body.at("temperature") == 0.25);
  CHECK(body.at("stop_sequences") == Json{"\n\nHuman:", "END"});
  CHECK_FALSE(body.contains("stop"));
  CHECK_FALSE(body.contains("seed"));
  CHECK_FALSE(body.contains("response_format"));
  CHECK(body.at("top_k") == 5);  // extra, merged
  CHECK(body.at("metadata") == Json{{"user_id", "u-1"}});

  CHECK(client.request_body(request, false) == body);
}

TEST_CASE("anthropic: max_tokens defaults when the request sets none, optional fields left out", "[llm][anthropic]") {
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::make_reply(text_reply("ok")), FakeEntry::make_reply(text_reply("ok"))});
  AnthropicOptions o = options_for(fake);
  (void)AnthropicClient(o).complete_sync(ask("hi"));
  o.default_max_tokens = 1000;
  (void)AnthropicClient(o).complete_sync(ask("hi"));

  const auto requests = fake.requests();
  REQUIRE(requests.size() == 2);
  const Json& body = requests[0].json;
  CHECK(body.at("model") == "claude-fake");
  CHECK(body.at("max_tokens") == 4096);
  CHECK(requests[1].json.at("max_tokens") == 1000);
  REQUIRE(body.at("messages").size() == 1);
  CHECK(turns_of(body.at("messages"))[0].second == Json::parse(R"([{"type": "text", "text": "hi"}])"));
  for (const char* absent : {"system", "tools", "tool_choice", "temperature", "stop_sequences"}) {
    INFO(absent);
    CHECK_FALSE(body.contains(absent));
  }
  CHECK(requests[0].header("traceparent").empty());
  CHECK(requests[0].header("baggage").empty());
}

TEST_CASE("anthropic: tool_choice forms", "[llm][anthropic]") {
  AnthropicOptions o;
  o.api_key = kKey;
  AnthropicClient client(o);
  ChatRequest r = ask("x", "m");
  r.tools = {ToolSchema{"add", "Add", add_schema()}};
  r.tool_choice = "";
  CHECK_FALSE(client.request_body(r, false).contains("tool_choice"));
  r.tool_choice = "auto";
  CHECK(client.request_body(r, false).at("tool_choice") == Json{{"type", "auto"}});
  r.tool_choice = "required";
  CHECK(client.request_body(r, false).at("tool_choice") == Json{{"type", "any"}});
  r.tool_choice = "none";
  CHECK(client.request_body(r, false).at("tool_choice") == Json{{"type", "none"}});
  r.tool_choice = "add";
  CHECK(client.request_body(r, false).at("tool_choice") == Json{{"type", "tool"}, {"name", "add"}});
  CHECK(client.request_body(r, true).at("stream") == true);
}

// ---- plain replies ------------------------------------------------------------------------------

TEST_CASE("anthropic: a plain text reply with usage, cache reads, model and id", "[llm][anthropic]") {
  FakeReply reply;
  reply.text = "Paris is sunny.";
  reply.usage = FakeUsage{120, 7, 100};  // on the wire: input_tokens 20, cache_read_input_tokens 100
  reply.model = "claude-sonnet-4-5-20250929";
  reply.id = "msg_01abc";
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::make_reply(reply)});
  AnthropicClient client(options_for(fake));

  const ChatResponse response = client.complete_sync(ask("Weather?"));
  CHECK(response.message.role == Role::assistant);
  CHECK(response.message.content == "Paris is sunny.");
  CHECK(response.message.tool_calls.empty());
  CHECK(response.finish_reason == "end_turn");
  // Usage::input_tokens counts the whole prompt, of which cached_input_tokens came from the cache.
  CHECK(response.usage == Usage{120, 7, 127, 100});
  CHECK(response.model == "claude-sonnet-4-5-20250929");
  CHECK(response.id == "msg_01abc");
}

TEST_CASE("anthropic: a plain reply with tool_use blocks", "[llm][anthropic]") {
  FakeReply reply;
  reply.text = "Let me add.";
  reply.tool_calls = {FakeToolCall{"toolu_01", "add", R"({"a": 2, "b": 3})"},
                      FakeToolCall{"toolu_02", "weather", R"({"city": "Paris"})"}};
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::make_reply(reply)});
  AnthropicClient client(options_for(fake));

  const ChatResponse response = client.complete_sync(ask("2+3? Paris?"));
  CHECK(response.message.content == "Let me add.");
  CHECK(response.finish_reason == "tool_use");
  REQUIRE(response.message.tool_calls.size() == 2);
  CHECK(response.message.tool_calls[0].id == "toolu_01");
  CHECK(response.message.tool_calls[0].name == "add");
  CHECK(response.message.tool_calls[0].arguments == Json{{"a", 2}, {"b", 3}});
  CHECK_FALSE(response.message.tool_calls[0].raw_arguments.has_value());
  CHECK(response.message.tool_calls[1].id == "toolu_02");
  CHECK(response.message.tool_calls[1].arguments == Json{{"city", "Paris"}});
}

TEST_CASE("anthropic: parse_anthropic_response reads a body and rejects a malformed one", "[llm][anthropic]") {
  const ChatResponse r = parse_anthropic_response(R"({
    "id": "msg_9", "type": "message", "role": "assistant", "model": "claude-x",
    "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"},
                {"type": "tool_use", "id": "toolu_9", "name": "f", "input": {"x": 1}}],
    "stop_reason": "max_tokens", "stop_sequence": null,
    "usage": {"input_tokens": 3, "output_tokens": 2}})");
  CHECK(r.id == "msg_9");
  CHECK(r.model == "claude-x");
  CHECK(r.message.content == "Hi there");
  REQUIRE(r.message.tool_calls.size() == 1);
  CHECK(r.message.tool_calls[0].arguments == Json{{"x", 1}});
  CHECK(r.finish_reason == "max_tokens");
  CHECK(r.usage == Usage{3, 2, 5, 0});

  for (const char* bad : {"", "not json", "[]", R"({"id": "x"})", R"({"type": "message", "content": "text"})"}) {
    INFO(bad);
    CHECK(llm_error_of([&] { (void)parse_anthropic_response(bad); }).kind() == LlmErrorKind::malformed_response);
  }
}

// ---- streaming ----------------------------------------------------------------------------------

TEST_CASE("anthropic: streamed text arrives in order and makes the same response as plain", "[llm][anthropic]") {
  FakeReply reply;
  reply.text_deltas = {"The ", "answer ", "is ", "5."};
  reply.usage = FakeUsage{140, 9, 100};
  reply.model = "claude-sonnet-4-5-20250929";
  reply.id = "msg_same";
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::make_reply(reply), FakeEntry::make_reply(reply)});
  AnthropicOptions o = options_for(fake);
  AnthropicClient plain_client(o);
  o.stream = true;
  AnthropicClient stream_client(o);

  const ChatResponse plain = plain_client.complete_sync(ask("2+3?"));
  TextSink sink;
  CallOptions call;
  call.on_text = sink.callback();
  const ChatResponse streamed = stream_client.complete_sync(ask("2+3?"), call);

  CHECK(plain.message.content == "The answer is 5.");
  CHECK(streamed == plain);
  // Input (and cache reads) from message_start, output from the final message_delta.
  CHECK(streamed.usage == Usage{140, 9, 149, 100});
  CHECK(sink.get() == std::vector<std::string>{"The ", "answer ", "is ", "5."});

  const auto requests = fake.requests();
  REQUIRE(requests.size() == 2);
  CHECK_FALSE(requests[0].stream());
  CHECK(requests[1].stream());
}

TEST_CASE("anthropic: streamed tool_use blocks join their partial_json, invalid JSON kept raw", "[llm][anthropic]") {
  FakeReply reply;
  reply.text_deltas = {"Checking", "."};
  reply.tool_calls = {FakeToolCall{"toolu_1", "add", R"({"a": 2, "b": 3})", {R"({"a":)", R"( 2, "b")", R"(: 3})"}},
                      FakeToolCall{"toolu_2", "weather", R"({"city": "Par)", {R"({"ci)", R"(ty": "Par)"}}};  // cut short
  reply.usage = FakeUsage{50, 30, 0};
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::make_reply(reply)});
  AnthropicOptions o = options_for(fake);
  o.stream = true;
  AnthropicClient client(o);

  TextSink sink;
  CallOptions call;
  call.on_text = sink.callback();
  const ChatResponse response = client.complete_sync(ask("2+3? Paris?"), call);
  CHECK(response.message.content == "Checking.");
  CHECK(sink.get() == std::vector<std::string>{"Checking", "."});
  CHECK(response.finish_reason == "tool_use");
  CHECK(response.usage == Usage{50, 30, 80, 0});
  REQUIRE(response.message.tool_calls.size() == 2);
  CHECK(response.message.tool_calls[0].id == "toolu_1");
  CHECK(response.message.tool_calls[0].name == "add");
  CHECK(response.message.tool_calls[0].arguments == Json{{"a", 2}, {"b", 3}});
  CHECK(response.message.tool_calls[1].id == "toolu_2");
  CHECK(response.message.tool_calls[1].name == "weather");
  CHECK(response.message.tool_calls[1].arguments.is_null());
  CHECK(response.message.tool_calls[1].raw_arguments == std::optional<std::string>(R"({"city": "Par)"));
}

TEST_CASE("anthropic: a streamed tool_use without parameters has empty arguments", "[llm][anthropic]") {
  // The API streams a parameterless call as one input_json_delta with partial_json "".
  FakeReply reply;
  reply.tool_calls = {FakeToolCall{"toolu_1", "now", ""}};
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::make_reply(reply), FakeEntry::make_reply(reply)});
  AnthropicOptions o = options_for(fake);
  const ChatResponse plain = AnthropicClient(o).complete_sync(ask("time?"));
  o.stream = true;
  const ChatResponse streamed = AnthropicClient(o).complete_sync(ask("time?"));
  REQUIRE(plain.message.tool_calls.size() == 1);
  CHECK(plain.message.tool_calls[0].arguments == Json::object());
  REQUIRE(streamed.message.tool_calls.size() == 1);
  CHECK(streamed.message.tool_calls[0].arguments == Json::object());
  CHECK_FALSE(streamed.message.tool_calls[0].raw_arguments.has_value());
}

TEST_CASE("anthropic: async complete runs concurrent calls on the caller's executor", "[llm][anthropic]") {
  FakeLlmServer fake(FakeApi::anthropic,
                     {FakeEntry::make_reply(text_reply("first")), FakeEntry::make_reply(text_reply("second"))});
  AnthropicClient client(options_for(fake));
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
}

// ---- faults -------------------------------------------------------------------------------------

TEST_CASE("anthropic: error statuses become typed LlmErrors with the provider's message", "[llm][anthropic]") {
  struct Row {
    unsigned status;
    LlmErrorKind kind;
    bool retryable;
  };
  const std::vector<Row> rows = {
      {429, LlmErrorKind::rate_limited, true}, {500, LlmErrorKind::server, true},
      {503, LlmErrorKind::server, true},       {529, LlmErrorKind::server, true},  // overloaded_error
      {400, LlmErrorKind::bad_request, false}, {404, LlmErrorKind::bad_request, false},
      {401, LlmErrorKind::authentication, false}, {403, LlmErrorKind::authentication, false},
  };
  for (const Row& row : rows) {
    INFO("status " << row.status);
    const std::string message = "provider says no (" + std::to_string(row.status) + ")";
    FakeLlmServer fake(FakeApi::anthropic,
                       {row.status == 429 ? FakeEntry::error(429, message, "2") : FakeEntry::error(row.status, message)});
    AnthropicClient client(options_for(fake));
    const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
    CHECK(e.kind() == row.kind);
    CHECK(e.http_status() == static_cast<int>(row.status));
    CHECK(e.retryable() == row.retryable);
    CHECK_THAT(std::string(e.what()), Contains(message));
    if (row.status == 429) {
      CHECK(e.retry_after() == std::optional<std::chrono::milliseconds>(2000ms));
    }
    CHECK(fake.request_count() == 1);
  }
}

TEST_CASE("anthropic: an error event inside a stream is a typed LlmError", "[llm][anthropic]") {
  FakeReply reply;
  reply.text_deltas = {"The ", "answer"};
  // message_start, ping, content_block_start, one text delta, then the error event.
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::stream_error(reply, 4, "Overloaded", "overloaded_error")});
  AnthropicOptions o = options_for(fake);
  o.stream = true;
  AnthropicClient client(o);
  const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
  CHECK(e.kind() == LlmErrorKind::server);
  CHECK(e.retryable());
  CHECK_THAT(std::string(e.what()), Contains("Overloaded"));
}

TEST_CASE("anthropic: a first byte later than the first_byte timeout is a timeout", "[llm][anthropic]") {
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::slow(text_reply("late"), 2s)});
  AnthropicOptions o = options_for(fake);
  o.http.timeouts.first_byte = 100ms;
  AnthropicClient client(o);
  const auto start = std::chrono::steady_clock::now();
  const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
  CHECK(e.kind() == LlmErrorKind::timeout);
  CHECK(std::chrono::steady_clock::now() - start < 1500ms);  // well before the reply
}

TEST_CASE("anthropic: a stream cut midway is malformed_response, never a shorter answer", "[llm][anthropic]") {
  FakeReply reply;
  reply.text_deltas = {"The ", "answer ", "is ", "5."};
  const bool connection_closed = GENERATE(true, false);
  INFO((connection_closed ? "connection closed after 5 events" : "body ended after 5 events"));
  // message_start, ping, content_block_start, "The ", "answer ": then the end.
  FakeLlmServer fake(FakeApi::anthropic,
                     {connection_closed ? FakeEntry::cut_stream(reply, 5) : FakeEntry::short_stream(reply, 5)});
  AnthropicOptions o = options_for(fake);
  o.stream = true;
  AnthropicClient client(o);
  TextSink sink;
  CallOptions call;
  call.on_text = sink.callback();
  const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi"), call); });
  CHECK(e.kind() == LlmErrorKind::malformed_response);
  CHECK(sink.get() == std::vector<std::string>{"The ", "answer "});
}

TEST_CASE("anthropic: a 200 whose body is not a message is malformed_response with an excerpt", "[llm][anthropic]") {
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::invalid_json(R"({"id": "msg_broken", "content": [{"type": )"),
                                          FakeEntry::invalid_json(R"({"type": "message", "id": "msg_empty"})")});
  AnthropicClient client(options_for(fake));
  const LlmError not_json = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
  CHECK(not_json.kind() == LlmErrorKind::malformed_response);
  CHECK_THAT(std::string(not_json.what()), Contains("msg_broken"));
  CHECK(llm_error_of([&] { (void)client.complete_sync(ask("hi")); }).kind() == LlmErrorKind::malformed_response);
}

TEST_CASE("anthropic: a 200 with the wrong content type is malformed_response", "[llm][anthropic]") {
  const bool stream = GENERATE(false, true);
  INFO((stream ? "streamed" : "plain"));
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::wrong_content_type()});
  AnthropicOptions o = options_for(fake);
  o.stream = stream;
  AnthropicClient client(o);
  CHECK(llm_error_of([&] { (void)client.complete_sync(ask("hi")); }).kind() == LlmErrorKind::malformed_response);
}

TEST_CASE("anthropic: a dropped connection and a refused one are transport errors", "[llm][anthropic]") {
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::drop()});
  AnthropicClient client(options_for(fake));
  CHECK(llm_error_of([&] { (void)client.complete_sync(ask("hi")); }).kind() == LlmErrorKind::transport);

  AnthropicOptions o;
  o.api_key = kKey;
  o.base_url = "http://127.0.0.1:" + std::to_string(closed_port());
  AnthropicClient refused_client(o);
  CHECK(llm_error_of([&] { (void)refused_client.complete_sync(ask("hi")); }).kind() == LlmErrorKind::transport);
}

TEST_CASE("anthropic: the API key never appears in an error message", "[llm][anthropic]") {
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::error(401, "invalid x-api-key: {api_key}"),
                                          FakeEntry::error(400, "Bad request from {api_key}"),
                                          FakeEntry::error(529, "Overloaded for {api_key}"),
                                          FakeEntry::invalid_json(R"({"echo": "{api_key}", "content": [)")});
  AnthropicClient client(options_for(fake));
  for (int i = 0; i < 4; ++i) {
    INFO("entry " << i);
    const LlmError e = llm_error_of([&] { (void)client.complete_sync(ask("hi")); });
    CHECK_THAT(std::string(e.what()), !Contains(kKey) && !Contains("TOPSECRET"));
    if (i == 0) {
      CHECK(e.kind() == LlmErrorKind::authentication);
      CHECK_THAT(std::string(e.what()), Contains("invalid x-api-key"));
    }
  }
}

// ---- construction -------------------------------------------------------------------------------

TEST_CASE("anthropic: a missing API key fails at construction, before any request", "[llm][anthropic]") {
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::make_reply(text_reply("ok"))});
  AnthropicOptions o = options_for(fake);
  o.api_key.clear();
  CHECK(llm_error_of([&] { AnthropicClient client(o); }).kind() == LlmErrorKind::authentication);
  CHECK(fake.request_count() == 0);

  o.require_api_key = false;
  CHECK(AnthropicClient(o).complete_sync(ask("hi")).message.content == "ok");
  const auto requests = fake.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].header("x-api-key").empty());
  CHECK(requests[0].header("anthropic-version") == "2023-06-01");
}

TEST_CASE("anthropic: from_env reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL", "[llm][anthropic]") {
  {
    ScopedEnv key("ANTHROPIC_API_KEY", "sk-ant-from-env");
    ScopedEnv url("ANTHROPIC_BASE_URL", "http://127.0.0.1:9");
    const AnthropicOptions o = AnthropicOptions::from_env();
    CHECK(o.api_key == "sk-ant-from-env");
    CHECK(o.base_url == "http://127.0.0.1:9");
  }
  {
    ScopedEnv key("ANTHROPIC_API_KEY", "");
    ScopedEnv url("ANTHROPIC_BASE_URL", nullptr);
    const AnthropicOptions o = AnthropicOptions::from_env();
    CHECK(o.api_key.empty());
    CHECK(o.base_url == "https://api.anthropic.com");
  }
}

TEST_CASE("anthropic: provider, default model and server address", "[llm][anthropic]") {
  FakeLlmServer fake(FakeApi::anthropic);
  AnthropicOptions o = options_for(fake);
  AnthropicClient client(o);
  CHECK(client.provider() == "anthropic");
  CHECK(client.default_model() == "claude-fake");
  CHECK(client.server() == std::optional<ServerAddress>(ServerAddress{"127.0.0.1", fake.port()}));
  AnthropicOptions defaults;
  defaults.api_key = kKey;
  CHECK(AnthropicClient(defaults).server() == std::optional<ServerAddress>(ServerAddress{"api.anthropic.com", 443}));
  CHECK_THROWS_AS(AnthropicClient([] {
                    AnthropicOptions bad;
                    bad.api_key = kKey;
                    bad.base_url = "ftp://example.com";
                    return bad;
                  }()),
                  std::invalid_argument);
}

// ---- HTTPS --------------------------------------------------------------------------------------

TEST_CASE("anthropic: HTTPS with a self-signed certificate is refused by default, accepted with its CA", "[llm][anthropic]") {
  testing::ServerOptions tls;
  tls.tls = true;
  tls.self_signed = true;
  FakeLlmServer fake(FakeApi::anthropic, {FakeEntry::make_reply(text_reply("over TLS"))}, tls);
  AnthropicOptions o = options_for(fake);
  const LlmError e = llm_error_of([&] { (void)AnthropicClient(o).complete_sync(ask("hi")); });
  CHECK(e.kind() == LlmErrorKind::transport);
  CHECK_THAT(std::string(e.what()), Contains("certificate", Catch::CaseSensitive::No));
  CHECK(fake.request_count() == 0);

  o.http.ca_file = fake.ca_file().string();
  CHECK(AnthropicClient(o).complete_sync(ask("hi")).message.content == "over TLS");
}
