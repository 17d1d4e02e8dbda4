#include <catch2/catch.hpp>

#include "llm/exception_matchers.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "agentrace/llm/scripted.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using namespace agentrace::llm;
using Catch::Matchers::Contains;
using agentrace::testing::WhatContains;
using namespace std::chrono_literals;

namespace {

ChatRequest ask(std::string text, std::string model = {}) {
  ChatRequest r;
  r.model = std::move(model);
  r.messages = {Message::user(std::move(text))};
  return r;
}

ToolCall call(std::string name, Json arguments, std::string id = {}) {
  ToolCall c;
  c.id = std::move(id);
  c.name = std::move(name);
  c.arguments = std::move(arguments);
  return c;
}

// The error a script is rejected with.
std::string rejection(const Json& script) {
  try {
    (void)ScriptedLlmClient::from_json(script);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("script was accepted: " << script.dump());
  return {};
}

using agentrace::testing::TempDir;

}  // namespace

TEST_CASE("scripted model answers in order and records requests", "[llm]") {
  ScriptedLlmClient client({ScriptedLlmClient::text("first"), ScriptedLlmClient::text("second")}, "scripted-demo");
  CHECK(client.provider() == "scripted");
  CHECK(client.default_model() == "scripted-demo");
  CHECK(client.remaining() == 2);

  const auto a = client.complete_sync(ask("one"));
  const auto b = client.complete_sync(ask("two", "gpt-x"));
  CHECK(a.message.role == Role::assistant);
  CHECK(a.message.content == "first");
  CHECK(a.finish_reason == "stop");
  CHECK(a.model == "scripted-demo");
  CHECK(b.message.content == "second");
  CHECK(b.model == "gpt-x");
  CHECK(client.calls() == 2);
  CHECK(client.remaining() == 0);

  const auto requests = client.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0] == ask("one"));
  CHECK(requests[1] == ask("two", "gpt-x"));
}

TEST_CASE("request recording can be turned off", "[llm]") {
  ScriptedLlmClient client({ScriptedLlmClient::text("a"), ScriptedLlmClient::text("b")});
  client.set_recording(false);
  (void)client.complete_sync(ask("x"));
  client.set_recording(true);
  (void)client.complete_sync(ask("y"));
  CHECK(client.calls() == 2);
  REQUIRE(client.requests().size() == 1);
  CHECK(client.requests()[0].messages[0].content == "y");
}

TEST_CASE("scripted tool calls get deterministic default ids", "[llm]") {
  const Json script = {
      {"model", "m"},
      {"replies",
       {{{"text", "thinking"},
         {"tool_calls", {{{"name", "add"}, {"arguments", {{"a", 1}, {"b", 2}}}}, {{"name", "now"}}}}},
        {{"tool_calls", {{{"id", "call_x"}, {"name", "add"}, {"arguments", "{not json"}}, {{"name", "mul"}}}}},
        {{"text", "done"}}}}};
  auto client = ScriptedLlmClient::from_json(script);

  const auto first = client->complete_sync(ask("go"));
  REQUIRE(first.message.tool_calls.size() == 2);
  CHECK(first.message.content == "thinking");
  CHECK(first.finish_reason == "tool_calls");
  CHECK(first.message.tool_calls[0] == call("add", {{"a", 1}, {"b", 2}}, "call_1"));
  CHECK(first.message.tool_calls[1] == call("now", Json::object(), "call_2"));

  const auto second = client->complete_sync(ask("go"));
  REQUIRE(second.message.tool_calls.size() == 2);
  const auto& raw = second.message.tool_calls[0];
  CHECK(raw.id == "call_x");
  CHECK(raw.arguments.is_null());
  REQUIRE(raw.raw_arguments);
  CHECK(*raw.raw_arguments == "{not json");
  // The explicit id still takes its place in the count.
  CHECK(second.message.tool_calls[1].id == "call_4");

  CHECK(client->complete_sync(ask("go")).finish_reason == "stop");
}

TEST_CASE("builders give the same ids as scripts", "[llm]") {
  ScriptedLlmClient client({ScriptedLlmClient::tool_calls({call("a", {}), call("b", {}, "mine")}, "t"),
                            ScriptedLlmClient::tool_calls({call("c", {})})});
  const auto first = client.complete_sync(ask("x"));
  const auto second = client.complete_sync(ask("x"));
  CHECK(first.message.tool_calls[0].id == "call_1");
  CHECK(first.message.tool_calls[1].id == "mine");
  CHECK(first.message.content == "t");
  CHECK(second.message.tool_calls[0].id == "call_3");
}

TEST_CASE("scripted errors are thrown as LlmError with their details", "[llm]") {
  const Json script = {
      {"replies",
       {{{"error", {{"kind", "rate_limited"}, {"message", "slow down"}, {"status", 429}, {"retry_after_ms", 10}}}},
        {{"error", {{"kind", "bad_request"}, {"message", "no such model"}}}},
        {{"text", "recovered"}}}}};
  auto client = ScriptedLlmClient::from_json(script);
  try {
    (void)client->complete_sync(ask("x"));
    FAIL("no error thrown");
  } catch (const LlmError& e) {
    CHECK(e.kind() == LlmErrorKind::rate_limited);
    CHECK(std::string(e.what()) == "slow down");
    CHECK(e.http_status() == 429);
    REQUIRE(e.retry_after());
    CHECK(*e.retry_after() == 10ms);
    CHECK(e.retryable());
  }
  try {
    (void)client->complete_sync(ask("x"));
    FAIL("no error thrown");
  } catch (const LlmError& e) {
    CHECK(e.kind() == LlmErrorKind::bad_request);
    CHECK(e.http_status() == 0);
    CHECK_FALSE(e.retry_after());
    CHECK_FALSE(e.retryable());
  }
  CHECK(client->complete_sync(ask("x")).message.content == "recovered");

  ScriptedLlmClient built({ScriptedLlmClient::failure(LlmErrorKind::server, "overloaded", 503)});
  try {
    (void)built.complete_sync(ask("x"));
    FAIL("no error thrown");
  } catch (const LlmError& e) {
    CHECK(e.kind() == LlmErrorKind::server);
    CHECK(e.http_status() == 503);
  }
}

TEST_CASE("an exhausted script names the call", "[llm]") {
  ScriptedLlmClient client({ScriptedLlmClient::text("only"), ScriptedLlmClient::text("two")});
  (void)client.complete_sync(ask("1"));
  (void)client.complete_sync(ask("2"));
  try {
    (void)client.complete_sync(ask("3"));
    FAIL("no error thrown");
  } catch (const LlmError& e) {
    CHECK(e.kind() == LlmErrorKind::script_exhausted);
    CHECK(std::string(e.what()) == "scripted model: call 3 has no reply (the script has 2 replies)");
  }
  CHECK(client.calls() == 3);
  CHECK(client.remaining() == 0);
}

TEST_CASE("delays wait asynchronously on the caller's executor", "[llm]") {
  // The first call waits longer than the second: with timers on one thread both are suspended
  // at once and the second finishes first; a blocking wait would finish them in call order.
  const Json script = {{"replies", {{{"delay_ms", 60}, {"text", "slow"}}, {{"delay_ms", 30}, {"text", "fast"}}}}};
  auto client = ScriptedLlmClient::from_json(script);

  asio::io_context io;
  int in_flight = 0;
  int max_in_flight = 0;
  std::vector<std::string> finished;
  auto run_call = [&]() -> asio::awaitable<void> {
    ++in_flight;
    max_in_flight = std::max(max_in_flight, in_flight);
    // Named arguments: GCC 12 miscompiles prvalue arguments of a coroutine call inside a
    // co_await expression (their destructors run on a bad copy).
    ChatRequest request = ask("x");
    CallOptions options;
    auto response = co_await client->complete(request, std::move(options));
    --in_flight;
    finished.push_back(response.message.content);
  };
  asio::co_spawn(io, run_call(), asio::detached);
  asio::co_spawn(io, run_call(), asio::detached);
  const auto start = std::chrono::steady_clock::now();
  io.run();
  const auto elapsed = std::chrono::steady_clock::now() - start;

  CHECK(max_in_flight == 2);
  CHECK(finished == std::vector<std::string>{"fast", "slow"});
  CHECK(elapsed >= 60ms);
}

TEST_CASE("a delayed error waits before it is thrown", "[llm]") {
  const Json script = {{"replies", {{{"delay_ms", 20}, {"error", {{"kind", "timeout"}, {"message", "late"}}}}}}};
  auto client = ScriptedLlmClient::from_json(script);
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(client->complete_sync(ask("x")), LlmError);
  CHECK(std::chrono::steady_clock::now() - start >= 20ms);
}

TEST_CASE("usage is estimated when the script gives none", "[llm]") {
  ScriptedLlmClient client({ScriptedLlmClient::text("hello"),  // 5 chars -> 2 tokens
                            ScriptedLlmClient::tool_calls({call("add", {{"a", 1}})}),  // {"a":1} -> 2
                            ScriptedLlmClient::text("given", Usage{100, 7, 107})});
  ChatRequest request;
  request.messages = {Message::system("abcd"), Message::user("abcdefgh")};  // 12 chars -> 3 tokens
  CHECK(client.complete_sync(request).usage == Usage{3, 2, 5});
  CHECK(client.complete_sync(request).usage == Usage{3, 2, 5});
  CHECK(client.complete_sync(request).usage == Usage{100, 7, 107});

  auto scripted = ScriptedLlmClient::from_json(
      {{"replies", {{{"text", "x"}, {"usage", {{"input_tokens", 12}, {"output_tokens", 3}}}, {"finish_reason", "length"}}}}});
  const auto response = scripted->complete_sync(ask("q"));
  CHECK(response.usage == Usage{12, 3, 15});
  CHECK(response.finish_reason == "length");
}

TEST_CASE("streaming consumers receive the scripted text", "[llm]") {
  ScriptedLlmClient client({ScriptedLlmClient::text("streamed text")});
  std::string seen;
  CallOptions options;
  options.on_text = [&](std::string_view piece) { seen.append(piece); };
  (void)client.complete_sync(ask("x"), options);
  CHECK(seen == "streamed text");
}

TEST_CASE("concurrent callers each take a distinct reply", "[llm]") {
  constexpr int threads = 4;
  constexpr int per_thread = 50;
  std::vector<ScriptedReply> replies;
  for (int i = 0; i < threads * per_thread; ++i) replies.push_back(ScriptedLlmClient::text("r" + std::to_string(i)));
  ScriptedLlmClient client(std::move(replies));

  std::vector<std::vector<std::string>> seen(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) seen[t].push_back(client.complete_sync(ask("x")).message.content);
    });
  }
  for (auto& w : workers) w.join();

  std::set<std::string> all;
  for (const auto& s : seen) all.insert(s.begin(), s.end());
  CHECK(all.size() == threads * per_thread);
  CHECK(client.requests().size() == threads * per_thread);
  CHECK(client.remaining() == 0);
}

TEST_CASE("bad scripts are rejected with the reply and field", "[llm]") {
  CHECK_THAT(rejection(Json::array()), Contains("must be an object") && Contains("array"));
  CHECK_THAT(rejection({{"model", "m"}}), Contains("missing 'replies'"));
  CHECK_THAT(rejection({{"replies", "x"}}), Contains("'replies' must be an array"));
  CHECK_THAT(rejection({{"replies", Json::array()}, {"modle", "m"}}), Contains("unknown field 'modle'"));
  CHECK_THAT(rejection({{"replies", {1}}}), Contains("reply 1: must be an object"));
  CHECK_THAT(rejection({{"replies", {{{"text", "a"}}, {{"delay_ms", 5}}}}}),
             Contains("reply 2: needs 'text', 'tool_calls' or 'error'"));
  CHECK_THAT(rejection({{"replies", {{{"text", "a"}}, {{"text", "b"}}, {{"tool_calls", {{"name", "x"}}}}}}}),
             Contains("reply 3: 'tool_calls' must be an array"));
  CHECK_THAT(rejection({{"replies", {{{"text", 1}}}}}), Contains("reply 1: 'text' must be a string, got number"));
  CHECK_THAT(rejection({{"replies", {{{"text", "a"}, {"tool_call", Json::array()}}}}}),
             Contains("reply 1: unknown field 'tool_call'"));
  CHECK_THAT(rejection({{"replies", {{{"tool_calls", {{{"arguments", Json::object()}}}}}}}}),
             Contains("reply 1: tool_calls[0]: missing 'name'"));
  CHECK_THAT(rejection({{"replies", {{{"tool_calls", {{{"name", "a"}, {"arguments", 5}}}}}}}}),
             Contains("reply 1: 'tool_calls[0].arguments' must be an object or a string"));
  CHECK_THAT(rejection({{"replies", {{{"text", "a"}, {"delay_ms", -1}}}}}),
             Contains("reply 1: 'delay_ms' must be a non-negative integer"));
  CHECK_THAT(rejection({{"replies", {{{"error", {{"kind", "meltdown"}, {"message", "x"}}}}}}}),
             Contains("reply 1: error: unknown kind \"meltdown\"") && Contains("rate_limited"));
  CHECK_THAT(rejection({{"replies", {{{"error", {{"kind", "server"}}}}}}}), Contains("reply 1: error: missing 'message'"));
  CHECK_THAT(rejection({{"replies", {{{"error", {{"kind", "server"}, {"message", "x"}, {"status", "500"}}}}}}}),
             Contains("reply 1: 'error.status' must be a non-negative integer"));
  CHECK_THAT(rejection({{"replies", {{{"text", "a"}, {"error", {{"kind", "server"}, {"message", "x"}}}}}}}),
             Contains("reply 1: 'error' cannot be combined with 'text'"));
  CHECK_THAT(rejection({{"replies", {{{"text", "a"}, {"usage", {{"input_tokens", "1"}}}}}}}),
             Contains("reply 1: 'usage.input_tokens' must be a non-negative integer"));

  // A reply built in code must be a response or an error.
  CHECK_THROWS_MATCHES(ScriptedLlmClient({ScriptedReply{}}), std::invalid_argument,
                       WhatContains({"reply 1"}));
}

TEST_CASE("scripts load from files with the file name in errors", "[llm]") {
  TempDir dir;
  const auto good = dir.write("good.json", R"({"model": "file-model", "replies": [{"text": "from file"}]})");
  auto client = ScriptedLlmClient::from_file(good);
  CHECK(client->default_model() == "file-model");
  CHECK(client->complete_sync(ask("x")).message.content == "from file");

  const auto not_json = dir.write("broken.json", R"({"replies": [)");
  CHECK_THROWS_MATCHES(ScriptedLlmClient::from_file(not_json), std::invalid_argument,
                       WhatContains({not_json.string(), "not valid JSON"}));

  const auto bad = dir.write("bad.json", R"({"replies": [{"text": "a"}, {"error": {"kind": "nope", "message": "x"}}]})");
  CHECK_THROWS_MATCHES(ScriptedLlmClient::from_file(bad), std::invalid_argument,
                       WhatContains({bad.string(), "reply 2: error: unknown kind \"nope\""}));

  const auto missing = dir.path() / "missing.json";
  CHECK_THROWS_MATCHES(ScriptedLlmClient::from_file(missing), std::system_error,
                       WhatContains({missing.string()}));
  CHECK_THROWS_AS(ScriptedLlmClient::from_file(dir.path()), std::system_error);
}
