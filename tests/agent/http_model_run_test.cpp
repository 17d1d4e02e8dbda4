// Whole agent runs against the real HTTP model clients and a fake model server on loopback
// (support/fake_llm_server.hpp): the chat spans carry what the server answered and where it is,
// every HTTP request carries its chat span as traceparent, the Runner retries what the client
// reports as retryable, and streamed text reaches Hooks::on_llm_text.
#include <catch2/catch.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "agentrace/schema/names.hpp"
#include "agentrace/schema/render_hints.hpp"
#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/anthropic.hpp"
#include "agentrace/llm/openai.hpp"
#include "agentrace/testkit/catch2.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/propagation.hpp"
#include "support/fake_llm_server.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using namespace std::chrono_literals;
using agent::Agent;
using agent::RunStatus;
using agentrace::testing::FakeApi;
using agentrace::testing::FakeEntry;
using agentrace::testing::FakeLlmServer;
using agentrace::testing::FakeReply;
using agentrace::testing::FakeToolCall;
using agentrace::testing::FakeUsage;
using testkit::AllSpansEnded;
using testkit::NoOrphans;
using testkit::SingleTrace;
using testkit::SpanTree;
using tracing::StatusCode;

namespace {

tools::ToolPtr add_tool() {
  return tools::make_tool("add", "Add two integers")
      .param<std::int64_t>("a", "first addend")
      .param<std::int64_t>("b", "second addend")
      .handler([](std::int64_t a, std::int64_t b) { return a + b; });
}

// A Runner whose spans land in memory (synchronously), fast retries, default JSONL tracing off.
struct Harness {
  testing::InMemoryTracing tracing;
  agent::Runner runner;

  Harness()
      : runner([&] {
          agent::RunnerOptions o;
          o.tracer = tracing.tracer;
          o.default_tracing.enabled = false;
          o.cassettes.enabled = false;
          o.retry.max_attempts = 3;
          o.retry.initial_backoff = 1ms;
          o.content.mode = agent::ContentCapture::full;
          return o;
        }()) {}

  SpanTree tree() const { return SpanTree(tracing.spans(), schema::render_options()); }
};

std::shared_ptr<llm::LlmClient> openai_client(const FakeLlmServer& fake, bool stream = false) {
  llm::OpenAiOptions o;
  o.base_url = fake.base_url();
  o.api_key = "sk-agent-run-test";
  o.model = "gpt-fake";
  o.stream = stream;
  o.http.timeouts.total = 10s;
  return std::make_shared<llm::OpenAiClient>(o);
}

std::shared_ptr<llm::LlmClient> anthropic_client(const FakeLlmServer& fake, bool stream = false) {
  llm::AnthropicOptions o;
  o.base_url = fake.base_url();
  o.api_key = "sk-ant-agent-run-test";
  o.model = "claude-fake";
  o.stream = stream;
  o.http.timeouts.total = 10s;
  return std::make_shared<llm::AnthropicClient>(o);
}

Agent make_agent(std::shared_ptr<llm::LlmClient> model) {
  Agent a;
  a.name = "worker";
  a.instructions = "You add numbers.";
  a.model = std::move(model);
  a.tools = {add_tool()};
  return a;
}

std::string str(const tracing::SpanData& s, std::string_view key) {
  const auto* v = tracing::find_attribute_as<std::string>(s.attributes, key);
  return v != nullptr ? *v : std::string("<missing>");
}

std::int64_t num(const tracing::SpanData& s, std::string_view key) {
  const auto* v = tracing::find_attribute_as<std::int64_t>(s.attributes, key);
  return v != nullptr ? *v : -1;
}

std::vector<std::string> finish_reasons(const tracing::SpanData& s) {
  const auto* v = tracing::find_attribute_as<std::vector<std::string>>(s.attributes, schema::attr::response_finish_reasons);
  return v != nullptr ? *v : std::vector<std::string>{"<missing>"};
}

// The first reply calls add(2, 3); the second answers.
std::vector<FakeEntry> add_then_answer(FakeApi api) {
  FakeReply call;
  call.text = "Let me add.";
  call.tool_calls = {FakeToolCall{api == FakeApi::openai ? "call_1" : "toolu_1", "add", R"({"a": 2, "b": 3})"}};
  call.usage = FakeUsage{30, 10, 0};
  call.model = api == FakeApi::openai ? "gpt-fake-0125" : "claude-fake-20250101";
  call.id = api == FakeApi::openai ? "chatcmpl-step1" : "msg_step1";
  FakeReply answer;
  answer.text = "The sum is 5.";
  answer.usage = FakeUsage{50, 6, 20};
  answer.model = call.model;
  answer.id = api == FakeApi::openai ? "chatcmpl-step2" : "msg_step2";
  return {FakeEntry::make_reply(call), FakeEntry::make_reply(answer)};
}

// Checks a run of add_then_answer: the result, the chat spans, and the requests' trace headers.
void check_add_run(const agent::RunResult& result, const SpanTree& tree, const FakeLlmServer& fake,
                   const std::string& provider, const std::string& model, const tracing::Baggage& baggage) {
  REQUIRE(result.ok());
  CHECK(result.output == "The sum is 5.");
  CHECK(result.steps == 2);
  CHECK(result.usage.input_tokens == 80);
  CHECK(result.usage.output_tokens == 16);
  const auto steps = result.memory.action_steps();
  REQUIRE(steps.size() == 2);
  REQUIRE(steps[0]->observations.size() == 1);
  CHECK(steps[0]->observations[0].content == "5");

  REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());
  const bool openai = provider == "openai";
  const auto& chat1 = tree.one("invoke_agent worker/step 1/chat " + model);
  const auto& chat2 = tree.one("invoke_agent worker/step 2/chat " + model);
  CHECK(chat1.kind == tracing::SpanKind::client);
  for (const auto* chat : {&chat1, &chat2}) {
    CHECK(str(*chat, schema::attr::provider_name) == provider);
    CHECK(str(*chat, schema::attr::request_model) == model);
    CHECK(str(*chat, schema::attr::response_model) == (openai ? "gpt-fake-0125" : "claude-fake-20250101"));
    CHECK(str(*chat, schema::attr::server_address) == "127.0.0.1");
    CHECK(num(*chat, schema::attr::server_port) == fake.port());
    CHECK(num(*chat, schema::attr::llm_attempts) == 1);
    CHECK(chat->status.code == StatusCode::unset);
  }
  CHECK(num(chat1, schema::attr::usage_input_tokens) == 30);
  CHECK(num(chat1, schema::attr::usage_output_tokens) == 10);
  CHECK(num(chat2, schema::attr::usage_input_tokens) == 50);
  CHECK(num(chat2, schema::attr::usage_output_tokens) == 6);
  CHECK(num(chat2, schema::attr::usage_cache_read_input_tokens) == 20);
  CHECK(finish_reasons(chat1) == std::vector<std::string>{openai ? "tool_calls" : "tool_use"});
  CHECK(finish_reasons(chat2) == std::vector<std::string>{openai ? "stop" : "end_turn"});
  CHECK(str(chat1, schema::attr::response_id) == (openai ? "chatcmpl-step1" : "msg_step1"));
  CHECK(str(chat2, schema::attr::response_id) == (openai ? "chatcmpl-step2" : "msg_step2"));

  // Each HTTP request names its chat span as the parent, and carries the run's baggage.
  const auto requests = fake.requests();
  REQUIRE(requests.size() == 2);
  const tracing::SpanData* chats[] = {&chat1, &chat2};
  for (std::size_t i = 0; i < 2; ++i) {
    INFO("request " << i + 1);
    const auto parent = tracing::parse_traceparent(requests[i].header("traceparent"));
    REQUIRE(parent.has_value());
    CHECK(parent->trace_id == chats[i]->trace_id);
    CHECK(parent->span_id == chats[i]->span_id);
    CHECK(requests[i].header("traceparent") == tracing::format_traceparent(chats[i]->context()));
    CHECK(requests[i].header("baggage") == baggage.format());
  }
}

}  // namespace

TEST_CASE("http model run: a tool call then the answer, against the OpenAI fake", "[agent][http_model]") {
  FakeLlmServer fake(FakeApi::openai, add_then_answer(FakeApi::openai));
  Harness h;
  agent::RunConfig config;
  auto baggage = std::make_shared<tracing::Baggage>();
  baggage->set("tenant", "acme");
  config.baggage = baggage;
  const auto result = h.runner.run(make_agent(openai_client(fake)), "What is 2+3?", config);
  check_add_run(result, h.tree(), fake, "openai", "gpt-fake", *baggage);

  // What the model saw: the system prompt, the tools, then the tool result.
  const auto requests = fake.requests();
  REQUIRE(requests.size() == 2);
  const auto& first = requests[0].json;
  CHECK(first.at("model") == "gpt-fake");
  CHECK(first.at("messages").at(0).at("role") == "system");
  CHECK(first.at("messages").at(0).at("content") == "You add numbers.");
  std::vector<std::string> tool_names;
  for (const auto& t : first.at("tools")) tool_names.push_back(t.at("function").at("name"));
  CHECK_THAT(tool_names, Catch::Matchers::VectorContains(std::string("add")));
  const auto& last = requests[1].json.at("messages").back();
  CHECK(last.at("role") == "tool");
  CHECK(last.at("tool_call_id") == "call_1");
  CHECK(last.at("content") == "5");
}

TEST_CASE("http model run: a tool call then the answer, against the Anthropic fake", "[agent][http_model]") {
  FakeLlmServer fake(FakeApi::anthropic, add_then_answer(FakeApi::anthropic));
  Harness h;
  agent::RunConfig config;
  auto baggage = std::make_shared<tracing::Baggage>();
  baggage->set("tenant", "acme");
  config.baggage = baggage;
  const auto result = h.runner.run(make_agent(anthropic_client(fake)), "What is 2+3?", config);
  check_add_run(result, h.tree(), fake, "anthropic", "claude-fake", *baggage);

  const auto requests = fake.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].json.at("system") == "You add numbers.");
  // The tool result goes back as a tool_result block in a user message.
  const auto& last = requests[1].json.at("messages").back();
  CHECK(last.at("role") == "user");
  bool found = false;
  for (const auto& block : last.at("content")) {
    if (block.at("type") == "tool_result" && block.at("tool_use_id") == "toolu_1") found = true;
  }
  CHECK(found);
}

TEST_CASE("http model run: a 429 with Retry-After is retried and the run completes", "[agent][http_model]") {
  const FakeApi api = GENERATE(FakeApi::openai, FakeApi::anthropic);
  const bool openai = api == FakeApi::openai;
  INFO((openai ? "openai" : "anthropic"));
  FakeReply fine;
  fine.text = "fine";
  FakeLlmServer fake(api, {FakeEntry::error(429, "Rate limit reached", "0"), FakeEntry::make_reply(fine)});
  Harness h;
  Agent a = make_agent(openai ? openai_client(fake) : anthropic_client(fake));
  const auto result = h.runner.run(a, "hello");
  REQUIRE(result.ok());
  CHECK(result.output == "fine");
  CHECK(fake.request_count() == 2);

  const SpanTree tree = h.tree();
  REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());
  const auto& chat = tree.one(std::string("invoke_agent worker/step 1/chat ") + (openai ? "gpt-fake" : "claude-fake"));
  CHECK(num(chat, schema::attr::llm_attempts) == 2);
  REQUIRE(chat.events.size() == 1);
  CHECK(chat.events[0].name == "llm.attempt_failed");
  CHECK(*tracing::find_attribute_as<std::int64_t>(chat.events[0].attributes, "http.response.status_code") == 429);
  CHECK(*tracing::find_attribute_as<std::string>(chat.events[0].attributes, "error.type") == "rate_limited");
  CHECK(chat.status.code == StatusCode::unset);
  // Both attempts were sent as children of the one chat span.
  for (const auto& r : fake.requests()) {
    const auto parent = tracing::parse_traceparent(r.header("traceparent"));
    REQUIRE(parent.has_value());
    CHECK(parent->span_id == chat.span_id);
  }
}

TEST_CASE("http model run: a 400 is not retried and the run fails with a typed error", "[agent][http_model]") {
  FakeReply unused;
  unused.text = "unused";
  FakeLlmServer fake(FakeApi::openai,
                     {FakeEntry::error(400, "Invalid schema for function 'add'"), FakeEntry::make_reply(unused)});
  Harness h;
  const auto result = h.runner.run(make_agent(openai_client(fake)), "hello");
  CHECK(result.status == RunStatus::failed);
  CHECK_THAT(result.error, Catch::Matchers::Contains("Invalid schema for function 'add'"));
  CHECK(fake.request_count() == 1);

  const SpanTree tree = h.tree();
  REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());
  const auto& chat = tree.one("invoke_agent worker/step 1/chat gpt-fake");
  CHECK(num(chat, schema::attr::llm_attempts) == 1);
  CHECK(str(chat, schema::attr::error_type) == "bad_request");
  CHECK(chat.status.code == StatusCode::error);
  REQUIRE(chat.events.size() >= 1);
  CHECK(chat.events[0].name == "llm.attempt_failed");
  CHECK(*tracing::find_attribute_as<std::int64_t>(chat.events[0].attributes, "http.response.status_code") == 400);
  CHECK(tree.one("invoke_agent worker").status.code == StatusCode::error);
}

TEST_CASE("http model run: streamed text reaches on_llm_text", "[agent][http_model]") {
  const FakeApi api = GENERATE(FakeApi::openai, FakeApi::anthropic);
  const bool openai = api == FakeApi::openai;
  INFO((openai ? "openai" : "anthropic"));
  FakeReply reply;
  reply.text_deltas = {"The ", "sum ", "is ", "5."};
  reply.usage = FakeUsage{20, 4, 0};
  FakeLlmServer fake(api, {FakeEntry::make_reply(reply)});
  Harness h;
  Agent a = make_agent(openai ? openai_client(fake, true) : anthropic_client(fake, true));

  std::mutex mutex;
  std::vector<std::string> pieces;
  std::vector<int> steps;
  std::vector<std::string> agents;
  agent::RunConfig config;
  config.hooks.on_llm_text = [&](const Agent& who, int step, std::string_view text) {
    std::lock_guard lock(mutex);
    if (text.empty()) return;
    pieces.emplace_back(text);
    steps.push_back(step);
    agents.push_back(who.name);
  };
  const auto result = h.runner.run(a, "2+3?", config);
  REQUIRE(result.ok());
  CHECK(result.output == "The sum is 5.");
  std::lock_guard lock(mutex);
  CHECK(pieces == std::vector<std::string>{"The ", "sum ", "is ", "5."});
  CHECK(steps == std::vector<int>(4, 1));
  CHECK(agents == std::vector<std::string>(4, "worker"));
  REQUIRE(fake.request_count() == 1);
  CHECK(fake.requests()[0].stream());
  const SpanTree tree = h.tree();
  const auto& chat = tree.one(std::string("invoke_agent worker/step 1/chat ") + (openai ? "gpt-fake" : "claude-fake"));
  CHECK(num(chat, schema::attr::usage_input_tokens) == 20);
  CHECK(num(chat, schema::attr::usage_output_tokens) == 4);
}
