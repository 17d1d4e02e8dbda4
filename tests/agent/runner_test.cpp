// The Runner with scripted models: every outcome asserted on the RunResult and on the span tree.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <tuple>

#include "agentrace/schema/names.hpp"
#include "agentrace/schema/render_hints.hpp"
#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/testkit/catch2.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using namespace std::chrono_literals;
using agent::Agent;
using agent::RunStatus;
using llm::ScriptedLlmClient;
using testkit::AllSpansEnded;
using testkit::HasSpans;
using testkit::NoOrphans;
using testkit::SingleTrace;
using testkit::SpanTree;
using tracing::StatusCode;

namespace {

llm::ToolCall bad_json_call(std::string name, std::string raw) {
  llm::ToolCall c;
  c.name = std::move(name);
  c.arguments = nullptr;
  c.raw_arguments = std::move(raw);
  return c;
}

tools::ToolPtr add_tool() {
  return tools::make_tool("add", "Add two integers")
      .param<std::int64_t>("a", "first addend")
      .param<std::int64_t>("b", "second addend")
      .handler([](std::int64_t a, std::int64_t b) { return a + b; });
}

// Runs with a Runner whose spans land in memory (synchronously), fast retries, default JSONL off.
struct Harness {
  testing::InMemoryTracing tracing;
  agent::Runner runner;

  explicit Harness(int max_attempts = 3)
      : runner([&] {
          agent::RunnerOptions o;
          o.tracer = tracing.tracer;
          o.default_tracing.enabled = false;
          o.retry.max_attempts = max_attempts;
          o.retry.initial_backoff = 1ms;
          o.content.mode = agent::ContentCapture::full;
          return o;
        }()) {}

  SpanTree tree() const { return SpanTree(tracing.spans(), schema::render_options()); }
};

Agent make_agent(std::shared_ptr<ScriptedLlmClient> model, std::vector<tools::ToolPtr> tools = {}) {
  Agent a;
  a.name = "worker";
  a.instructions = "You add numbers.";
  a.model = std::move(model);
  a.tools = std::move(tools);
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

void require_well_formed(const SpanTree& tree) {
  REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());
}

}  // namespace

TEST_CASE("runner: a text reply is the final answer", "[agent][runner]") {
  Harness h;
  auto model = std::make_shared<ScriptedLlmClient>(
      std::vector{ScriptedLlmClient::text("42", llm::Usage{10, 2, 12})}, "test-model");
  auto result = h.runner.run(make_agent(model), "What is six times seven?");
  CHECK(result.ok());
  CHECK(result.output == "42");
  CHECK(result.steps == 1);
  CHECK(result.usage == llm::Usage{10, 2, 12});
  CHECK(result.total_usage == result.usage);

  const SpanTree tree = h.tree();
  require_well_formed(tree);
  CHECK(tree.size() == 4);
  const auto& root = tree.one("invoke_agent worker");
  CHECK(result.trace_id == root.trace_id.hex());
  CHECK(str(root, schema::attr::operation_name) == "invoke_agent");
  CHECK(str(root, schema::attr::agent_name) == "worker");
  CHECK(str(root, schema::attr::span_kind) == "AGENT");
  CHECK(str(root, schema::attr::input_value) == "What is six times seven?");
  CHECK(str(root, schema::attr::output_value) == "42");
  CHECK(str(root, schema::attr::run_status) == "completed");
  CHECK(num(root, schema::attr::total_input_tokens) == 10);
  CHECK(root.attribute(schema::attr::usage_input_tokens) == nullptr);  // only chat spans: no double count
  const auto& step = tree.one("invoke_agent worker/step 1");
  CHECK(num(step, schema::attr::step_number) == 1);
  CHECK(str(step, schema::attr::step_action) == "final_answer");
  const auto& chat = tree.one("invoke_agent worker/step 1/chat test-model");
  CHECK(chat.kind == tracing::SpanKind::client);
  CHECK(str(chat, schema::attr::provider_name) == "scripted");
  CHECK(str(chat, schema::attr::span_kind) == "LLM");
  CHECK(num(chat, schema::attr::usage_input_tokens) == 10);
  CHECK(num(chat, schema::attr::usage_output_tokens) == 2);
  CHECK(*tracing::find_attribute_as<std::vector<std::string>>(chat.attributes, schema::attr::response_finish_reasons) ==
        std::vector<std::string>{"stop"});
  CHECK(str(chat, schema::attr::input_messages).find("What is six times seven?") != std::string::npos);
  const auto& decide = tree.one("invoke_agent worker/step 1/decide");
  CHECK(str(decide, schema::attr::decision_action) == "final_answer");
  CHECK(root.status.code == StatusCode::unset);
}

TEST_CASE("runner: one tool call, then the answer", "[agent][runner]") {
  Harness h;
  auto model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.id = "c1", .name = "add", .arguments = {{"a", 2}, {"b", 3}}}}, "Let me add."),
      ScriptedLlmClient::text("The sum is 5.")});
  auto result = h.runner.run(make_agent(model, {add_tool()}), "2+3?");
  REQUIRE(result.ok());
  CHECK(result.output == "The sum is 5.");
  CHECK(result.steps == 2);
  const auto steps = result.memory.action_steps();
  REQUIRE(steps.size() == 2);
  REQUIRE(steps[0]->observations.size() == 1);
  CHECK(steps[0]->observations[0].content == "5");
  CHECK_FALSE(steps[0]->observations[0].is_error);
  // The second request carried the tool result back to the model.
  const auto requests = model->requests();
  REQUIRE(requests.size() == 2);
  const auto& last = requests[1].messages.back();
  CHECK(last.role == llm::Role::tool);
  CHECK(last.tool_call_id == "c1");
  CHECK(last.content == "5");
  CHECK(requests[0].tools.size() == 2);  // add + final_answer
  CHECK(result.errors.empty());

  const SpanTree tree = h.tree();
  require_well_formed(tree);
  const auto& tool = tree.one("invoke_agent worker/step 1/execute_tool add");
  CHECK(str(tool, schema::attr::tool_name) == "add");
  CHECK(str(tool, schema::attr::tool_call_id) == "c1");
  CHECK(str(tool, schema::attr::span_kind) == "TOOL");
  CHECK(str(tool, schema::attr::output_value) == "5");
  CHECK(str(tool, schema::attr::input_value) == R"({"a":2,"b":3})");
  CHECK(tool.kind == tracing::SpanKind::internal);
  CHECK(tool.status.code == StatusCode::unset);
  CHECK(str(tree.one("invoke_agent worker/step 1"), schema::attr::step_action) == "tool_calls");
  CHECK_THAT(tree, HasSpans("invoke_agent worker/step 2/chat scripted", 1));
}

TEST_CASE("runner: several tool calls in one reply keep call order (sequential and parallel)", "[agent][runner]") {
  const bool parallel = GENERATE(false, true);
  Harness h;
  auto slow_add = tools::make_tool("slow_add", "Add slowly")
                      .param<std::int64_t>("a", "a")
                      .param<std::int64_t>("b", "b")
                      .handler([](std::int64_t a, std::int64_t b) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(a == 1 ? 30 : 1));  // first finishes last
                        return a + b;
                      });
  auto model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "slow_add", .arguments = {{"a", 1}, {"b", 1}}}, llm::ToolCall{.name = "slow_add", .arguments = {{"a", 2}, {"b", 2}}},
                                     llm::ToolCall{.name = "add", .arguments = {{"a", 3}, {"b", 3}}}}),
      ScriptedLlmClient::text("done")});
  Agent a = make_agent(model, {add_tool(), slow_add});
  a.parallel_tool_calls = parallel;
  auto result = h.runner.run(a, "add them");
  REQUIRE(result.ok());
  const auto& obs = result.memory.action_steps()[0]->observations;
  REQUIRE(obs.size() == 3);
  CHECK(obs[0].content == "2");
  CHECK(obs[1].content == "4");
  CHECK(obs[2].content == "6");
  const SpanTree tree = h.tree();
  require_well_formed(tree);
  CHECK_THAT(tree, HasSpans("invoke_agent worker/step 1/execute_tool slow_add", 2));
  CHECK_THAT(tree, HasSpans("invoke_agent worker/step 1/execute_tool add", 1));
  if (parallel) {
    // Siblings that overlapped in time: the two slow calls ran concurrently.
    const auto calls = tree.at("invoke_agent worker/step 1/execute_tool slow_add");
    CHECK(calls[0]->start_unix_ns < calls[1]->end_unix_ns);
    CHECK(calls[1]->start_unix_ns < calls[0]->end_unix_ns);
  }
}

TEST_CASE("runner: model mistakes become observations and the run continues", "[agent][runner]") {
  Harness h;
  auto thrower = tools::make_tool("explode", "Always fails").handler([]() -> std::string {
    throw std::runtime_error("kaboom");
  });
  // unknown tool, invalid JSON arguments, schema violation, extra argument, tool exception,
  // an empty (malformed) reply, then a recovery
  auto model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "nope", .arguments = {{"x", 1}}}}),
      ScriptedLlmClient::tool_calls({bad_json_call("add", "{\"a\": 1,")}),
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "add", .arguments = {{"a", "one"}, {"b", 2}}}}),
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "add", .arguments = {{"a", 1}, {"b", 2}, {"c", 3}}}}),
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "explode", .arguments = llm::Json::object()}}),
      ScriptedLlmClient::text(""),
      ScriptedLlmClient::text("recovered")});
  auto result = h.runner.run(make_agent(model, {add_tool(), thrower}), "try things");
  REQUIRE(result.ok());
  CHECK(result.output == "recovered");
  const auto steps = result.memory.action_steps();
  REQUIRE(steps.size() == 7);
  auto obs = [&](int i) { return steps[static_cast<std::size_t>(i)]->observations.at(0); };
  CHECK(obs(0).error_kind == tools::ToolErrorKind::unknown_tool);
  CHECK(obs(0).content.find("unknown tool 'nope'") != std::string::npos);
  CHECK(obs(1).error_kind == tools::ToolErrorKind::invalid_arguments);
  CHECK(obs(1).content.find("not valid JSON") != std::string::npos);
  CHECK(obs(2).error_kind == tools::ToolErrorKind::invalid_arguments);
  CHECK(obs(2).content.find("'a'") != std::string::npos);
  CHECK(obs(3).error_kind == tools::ToolErrorKind::invalid_arguments);
  CHECK(obs(3).content.find("'c'") != std::string::npos);
  CHECK(obs(4).error_kind == tools::ToolErrorKind::execution);
  CHECK(obs(4).content == "tool 'explode' failed: kaboom");  // no C++ type name for the model
  REQUIRE(steps[5]->error);
  CHECK(steps[5]->observations.empty());
  // The same errors as a list: step, tool, kind and what the model was told.
  using tools::ToolErrorKind;
  REQUIRE(result.errors.size() == 6);
  const std::vector<std::tuple<int, std::string, ToolErrorKind>> expected{
      {1, "nope", ToolErrorKind::unknown_tool}, {2, "add", ToolErrorKind::invalid_arguments},
      {3, "add", ToolErrorKind::invalid_arguments}, {4, "add", ToolErrorKind::invalid_arguments},
      {5, "explode", ToolErrorKind::execution}, {6, "", ToolErrorKind::none}};  // 6: the step's own error
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const agent::RunError& e = result.errors[i];
    CHECK(std::tuple{e.step, e.tool, e.kind} == expected[i]);
    CHECK(e.message == (i < 5 ? obs(static_cast<int>(i)).content : *steps[5]->error));
  }
  // The model saw each error on its next request.
  const auto requests = model->requests();
  CHECK(requests[1].messages.back().content.find("unknown tool 'nope'") != std::string::npos);
  CHECK(requests[6].messages.back().role == llm::Role::user);
  CHECK(requests[6].messages.back().content.find(*steps[5]->error) != std::string::npos);

  const SpanTree tree = h.tree();
  require_well_formed(tree);
  auto tool_span = [&](int step, std::string_view tool) -> const tracing::SpanData& {
    return tree.one("invoke_agent worker/step " + std::to_string(step) + "/execute_tool " + std::string(tool));
  };
  for (auto [step, tool, type] : {std::tuple{1, "nope", "agentrace.ToolCallError"}, std::tuple{2, "add", "agentrace.ToolCallError"},
                                  std::tuple{3, "add", "agentrace.ToolCallError"}, std::tuple{4, "add", "agentrace.ToolCallError"},
                                  std::tuple{5, "explode", "std::runtime_error"}}) {  // what the tool threw
    const auto& s = tool_span(step, tool);
    CHECK(s.status.code == StatusCode::error);
    REQUIRE(s.events.size() == 1);
    CHECK(s.events[0].name == "exception");
    CHECK(*tracing::find_attribute_as<std::string>(s.events[0].attributes, "exception.type") == type);
  }
  CHECK(str(tool_span(5, "explode"), schema::attr::error_type) == "agentrace.ToolExecutionError");
  const auto& decide6 = tree.one("invoke_agent worker/step 6/decide");
  CHECK(str(decide6, schema::attr::decision_action) == "malformed");
  CHECK(decide6.status.code == StatusCode::error);
  CHECK(str(tree.one("invoke_agent worker/step 2/decide"), schema::attr::decision_error).find("not valid JSON") !=
        std::string::npos);
  CHECK(tree.one("invoke_agent worker").status.code == StatusCode::unset);  // the run itself succeeded
}

TEST_CASE("runner: a tool that outlives its timeout becomes a timeout observation", "[agent][runner]") {
  Harness h;
  std::atomic<bool> saw_stop{false};
  auto sleepy = tools::make_tool("sleepy", "Sleeps until stopped").handler([&](tools::ToolContext& ctx) {
    for (int i = 0; i < 500 && !ctx.stop.stop_requested(); ++i) std::this_thread::sleep_for(2ms);
    saw_stop = ctx.stop.stop_requested();
    return std::string("woke");
  });
  auto model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "sleepy", .arguments = llm::Json::object()}}), ScriptedLlmClient::text("gave up")});
  Agent a = make_agent(model, {sleepy});
  a.tool_timeout = 50ms;
  auto result = h.runner.run(a, "sleep");
  REQUIRE(result.ok());
  const auto& o = result.memory.action_steps()[0]->observations.at(0);
  CHECK(o.is_error);
  CHECK(o.error_kind == tools::ToolErrorKind::timeout);
  for (int i = 0; i < 200 && !saw_stop; ++i) std::this_thread::sleep_for(5ms);
  CHECK(saw_stop);  // the tool was asked to stop
  const SpanTree tree = h.tree();
  require_well_formed(tree);
  const auto& s = tree.one("invoke_agent worker/step 1/execute_tool sleepy");
  CHECK(s.status.code == StatusCode::error);
  CHECK(str(s, schema::attr::tool_error_kind) == "timeout");
}

TEST_CASE("runner: max_steps ends the run with a status and a partial result", "[agent][runner]") {
  Harness h;
  std::vector<llm::ScriptedReply> replies;
  for (int i = 0; i < 3; ++i) replies.push_back(ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "add", .arguments = {{"a", i}, {"b", 1}}}}, "thinking " + std::to_string(i)));
  auto model = std::make_shared<ScriptedLlmClient>(std::move(replies));
  Agent a = make_agent(model, {add_tool()});
  a.max_steps = 3;
  auto result = h.runner.run(a, "loop");
  CHECK(result.status == RunStatus::max_steps);
  CHECK(result.steps == 3);
  CHECK(result.output == "thinking 2");
  CHECK(result.error.find("max_steps") != std::string::npos);
  const SpanTree tree = h.tree();
  require_well_formed(tree);
  CHECK_THAT(tree, HasSpans("invoke_agent worker/step 3", 1));
  CHECK_THAT(tree, HasSpans("invoke_agent worker/step 4", 0));
  const auto& root = tree.one("invoke_agent worker");
  CHECK(root.status.code == StatusCode::error);
  CHECK(str(root, schema::attr::run_status) == "max_steps");
}

TEST_CASE("runner: cancellation ends the run promptly", "[agent][runner]") {
  Harness h;
  std::stop_source stop;
  auto model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "add", .arguments = {{"a", 1}, {"b", 1}}}}),
      llm::ScriptedReply{ScriptedLlmClient::text("too late").response, std::nullopt, 10s}});
  agent::RunConfig config;
  config.stop = stop.get_token();
  config.hooks.on_step_end = [&](const agent::StepInfo& info) {
    if (info.step == 1) stop.request_stop();  // cancel while step 2's model call is pending
    return agent::HookAction::proceed();
  };
  const auto t0 = std::chrono::steady_clock::now();
  auto result = h.runner.run(make_agent(model, {add_tool()}), "go", std::move(config));
  CHECK(result.status == RunStatus::cancelled);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);  // not the scripted 10 s
  const SpanTree tree = h.tree();
  require_well_formed(tree);
  CHECK(tree.one("invoke_agent worker").status.code == StatusCode::error);
}

TEST_CASE("runner: the run timeout ends a run waiting on a slow model", "[agent][runner]") {
  Harness h;
  auto model = std::make_shared<ScriptedLlmClient>(std::vector{
      llm::ScriptedReply{ScriptedLlmClient::text("slow").response, std::nullopt, 10s}});
  Agent a = make_agent(model);
  a.run_timeout = 50ms;
  auto result = h.runner.run(a, "wait");
  CHECK(result.status == RunStatus::timed_out);
  const SpanTree tree = h.tree();
  require_well_formed(tree);
  CHECK(tree.one("invoke_agent worker/step 1/chat scripted").status.code == StatusCode::error);
}

TEST_CASE("runner: an LLM error is retried, then succeeds", "[agent][runner]") {
  Harness h;
  auto model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::failure(llm::LlmErrorKind::rate_limited, "slow down", 429),
      ScriptedLlmClient::failure(llm::LlmErrorKind::server, "oops", 503), ScriptedLlmClient::text("fine")});
  auto result = h.runner.run(make_agent(model), "hello");
  REQUIRE(result.ok());
  CHECK(result.output == "fine");
  CHECK(model->calls() == 3);
  const SpanTree tree = h.tree();
  require_well_formed(tree);
  const auto& chat = tree.one("invoke_agent worker/step 1/chat scripted");
  CHECK(num(chat, schema::attr::llm_attempts) == 3);
  REQUIRE(chat.events.size() == 2);
  CHECK(chat.events[0].name == "llm.attempt_failed");
  CHECK(*tracing::find_attribute_as<std::int64_t>(chat.events[0].attributes, "http.response.status_code") == 429);
  CHECK(chat.status.code == StatusCode::unset);
}

TEST_CASE("runner: LLM errors exhausting retries end the run failed, with a finished error trace", "[agent][runner]") {
  Harness h(2);
  auto model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::failure(llm::LlmErrorKind::server, "down", 500),
      ScriptedLlmClient::failure(llm::LlmErrorKind::server, "still down", 500)});
  auto result = h.runner.run(make_agent(model), "hello");
  CHECK(result.status == RunStatus::failed);
  CHECK(result.error.find("still down") != std::string::npos);
  CHECK(model->calls() == 2);
  // The failed model call is step 1's own error, listed with the run's errors.
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0] == agent::RunError{1, "", tools::ToolErrorKind::none, result.error});
  const SpanTree tree = h.tree();
  require_well_formed(tree);
  const auto& chat = tree.one("invoke_agent worker/step 1/chat scripted");
  CHECK(chat.status.code == StatusCode::error);
  CHECK(num(chat, schema::attr::llm_attempts) == 2);
  CHECK(tree.one("invoke_agent worker/step 1").status.code == StatusCode::error);
  CHECK(tree.one("invoke_agent worker").status.code == StatusCode::error);
}

TEST_CASE("runner: a non-retryable LLM error is not retried", "[agent][runner]") {
  Harness h;
  auto model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::failure(llm::LlmErrorKind::authentication, "bad key", 401), ScriptedLlmClient::text("unused")});
  auto result = h.runner.run(make_agent(model), "hello");
  CHECK(result.status == RunStatus::failed);
  CHECK(model->calls() == 1);
}

TEST_CASE("runner: final_answer tool ends the run", "[agent][runner]") {
  Harness h;
  auto model = std::make_shared<ScriptedLlmClient>(
      std::vector{ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "final_answer", .arguments = {{"answer", "forty-two"}}}})});
  auto result = h.runner.run(make_agent(model), "answer");
  REQUIRE(result.ok());
  CHECK(result.output == "forty-two");
  CHECK_THAT(h.tree(), HasSpans("invoke_agent worker/step 1/execute_tool final_answer", 1));
}

TEST_CASE("runner: hooks see every step and call, and can stop the run", "[agent][runner]") {
  Harness h;
  auto model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "add", .arguments = {{"a", 1}, {"b", 2}}}}),
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "add", .arguments = {{"a", 666}, {"b", 0}}}}), ScriptedLlmClient::text("unreached")});
  std::vector<std::string> seen;
  agent::RunConfig config;
  config.hooks.on_step_start = [&](const agent::StepInfo& i) {
    seen.push_back("step " + std::to_string(i.step));
    return agent::HookAction::proceed();
  };
  config.hooks.on_llm_start = [&](const Agent&, const llm::ChatRequest&) {
    seen.push_back("llm");
    return agent::HookAction::proceed();
  };
  config.hooks.on_tool_start = [&](const agent::ToolCallInfo& i) {
    seen.push_back("tool " + i.call->arguments.dump());
    if (i.call->arguments.at("a") == 666) return agent::HookAction::halt("forbidden number");
    return agent::HookAction::proceed();
  };
  config.hooks.on_tool_end = [&](const agent::ToolCallInfo& i) {
    seen.push_back("result " + i.result->to_text());
    return agent::HookAction::proceed();
  };
  auto result = h.runner.run(make_agent(model, {add_tool()}), "go", std::move(config));
  CHECK(result.status == RunStatus::cancelled);
  CHECK(result.error.find("forbidden number") != std::string::npos);
  CHECK(model->calls() == 2);
  CHECK(seen == std::vector<std::string>{"step 1", "llm", R"(tool {"a":1,"b":2})", "result 3", "step 2", "llm",
                                         R"(tool {"a":666,"b":0})", R"(result not run: stopped by on_tool_start hook: forbidden number)"});
  require_well_formed(h.tree());
}

TEST_CASE("runner: a hook that stops the run after a model call still counts that call's tokens", "[agent][runner]") {
  // on_llm_end halting after call 2 used to leave RunResult.usage, the step span and the agent
  // span without call 2's tokens while its chat span had them (view: own 700, total 1200).
  for (const bool planning : {false, true}) {
    INFO("planning: " << planning);
    Harness h;
    auto model = std::make_shared<ScriptedLlmClient>(std::vector{
        ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "add", .arguments = {{"a", 1}, {"b", 2}}}}, "",
                                      llm::Usage{.input_tokens = 500, .output_tokens = 50, .total_tokens = 550}),
        ScriptedLlmClient::text("done", llm::Usage{.input_tokens = 700, .output_tokens = 70, .total_tokens = 770})});
    Agent a = make_agent(model, {add_tool()});
    // With planning, the plan is call 1 and the hook stops the run right after it.
    if (planning) a.planning_interval = 1;
    const int halt_at = planning ? 1 : 2;
    const std::int64_t spent = planning ? 500 : 1200;
    int calls = 0;
    agent::RunConfig config;
    config.hooks.on_llm_end = [&](const Agent&, const llm::ChatResponse&) {
      return ++calls == halt_at ? agent::HookAction::halt("budget") : agent::HookAction::proceed();
    };
    const auto result = h.runner.run(a, "go", std::move(config));
    CHECK(result.status == RunStatus::cancelled);
    CHECK(model->calls() == static_cast<std::size_t>(halt_at));
    CHECK(result.usage.input_tokens == spent);
    CHECK(result.usage.output_tokens == spent / 10);
    CHECK(result.total_usage.input_tokens == spent);
    const SpanTree tree = h.tree();
    require_well_formed(tree);
    const auto& root = tree.one("invoke_agent worker");
    CHECK(num(root, schema::attr::own_input_tokens) == spent);
    CHECK(num(root, schema::attr::total_input_tokens) == spent);
    std::int64_t steps_own = 0;
    for (const auto* step : tree.children(root)) steps_own += num(*step, schema::attr::own_input_tokens);
    CHECK(steps_own == spent);
  }
}

TEST_CASE("runner: an invalid agent is a typed error before anything runs", "[agent][runner]") {
  Harness h;
  Agent no_model;
  no_model.name = "x";
  CHECK_THROWS_AS(h.runner.run(no_model, "t"), agent::AgentError);
  Agent dup = make_agent(std::make_shared<ScriptedLlmClient>(std::vector<llm::ScriptedReply>{}), {add_tool(), add_tool()});
  CHECK_THROWS_WITH(h.runner.run(dup, "t"), Catch::Contains("add"));
  CHECK(h.tracing.spans().empty());
}

TEST_CASE("runner: runs one after another on a thread, and a run started inside a tool, all complete", "[agent][runner]") {
  // Runner::run reuses one io_context per thread; a run started from inside a run (a tool that
  // runs an agent synchronously) must get its own and leave the outer run's handlers alone.
  Harness h;
  Agent inner;
  inner.name = "inner";
  inner.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::text("inner says 42")});
  auto ask_inner = tools::make_tool("ask_inner", "Run the inner agent")
                       .param<std::string>("task", "its task")
                       .handler([&](const std::string& task) { return h.runner.run(inner, task).output; });
  for (int round = 1; round <= 3; ++round) {
    inner.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::text("inner says 42")});
    Agent outer;
    outer.name = "outer";
    outer.tools = {ask_inner};
    outer.model = std::make_shared<ScriptedLlmClient>(
        std::vector{ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "ask_inner", .arguments = {{"task", "answer"}}}}),
                    ScriptedLlmClient::text("the inner agent said: {{last_tool_result}}")});
    const agent::RunResult r = h.runner.run(outer, "ask the inner agent");
    INFO("round " << round);
    REQUIRE(r.status == RunStatus::completed);
    CHECK(r.output == "the inner agent said: inner says 42");
  }
  CHECK_THAT(h.tree(), AllSpansEnded());
}

TEST_CASE("runner: tool arguments are recorded as the JSON the model sent, in the tool span and the history", "[agent][runner][content]") {
  Harness h;
  const llm::Json arguments = {{"text", "quote \" slash \\ tab \t nul \x01 \xC3\xA9"},
                               {"int", -42},
                               {"big", 18446744073709551615ull},
                               {"real", 2.5},
                               {"whole", 1.0},
                               {"tiny", 1e-7},
                               {"none", nullptr},
                               {"list", llm::Json::array({true, false, llm::Json::object()})},
                               {"nested", {{"b", 1}, {"a", llm::Json::array()}}}};
  auto model = std::make_shared<ScriptedLlmClient>(
      std::vector{ScriptedLlmClient::tool_calls({llm::ToolCall{.id = "c1", .name = "mystery", .arguments = arguments}}),
                  ScriptedLlmClient::text("done")},
      "test-model");
  REQUIRE(h.runner.run(make_agent(model, {add_tool()}), "go").ok());
  const SpanTree tree = h.tree();
  const auto& tool = tree.one("invoke_agent worker/step 1/execute_tool mystery");
  const std::string expected = arguments.dump(-1, ' ', false, llm::Json::error_handler_t::replace);
  CHECK(str(tool, schema::attr::input_value) == expected);
  CHECK(str(tool, schema::attr::tool_call_arguments) == expected);
  // The second call's history holds the assistant's tool call with the same arguments text.
  const auto& chat2 = tree.one("invoke_agent worker/step 2/chat test-model");
  const auto history = llm::Json::parse(str(chat2, schema::attr::input_messages));
  CHECK(history[2]["parts"][0]["arguments"] == arguments);
  CHECK(str(chat2, schema::attr::input_messages).find(expected) != std::string::npos);
}

TEST_CASE("runner: tool arguments nested 10,000 levels deep are an error observation, not a crash", "[agent][runner]") {
  // {"task": [[[[...]]]]}: 20 KB that used to overflow the stack of the content writer (and of
  // every recursive walk after it), killing the process and its trace.
  Harness h;
  const std::string deep = R"({"task": )" + std::string(10'000, '[') + std::string(10'000, ']') + "}";
  llm::ToolCall call{.id = "c1", .name = "add"};
  llm::set_arguments_from_text(call, deep);
  REQUIRE(call.raw_arguments);  // never parsed into a value that deep
  auto model = std::make_shared<ScriptedLlmClient>(
      std::vector{ScriptedLlmClient::tool_calls({call}), ScriptedLlmClient::text("recovered")});
  auto result = h.runner.run(make_agent(model, {add_tool()}), "go");
  REQUIRE(result.ok());
  CHECK(result.output == "recovered");
  const auto& observation = result.memory.action_steps().at(0)->observations.at(0);
  CHECK(observation.error_kind == tools::ToolErrorKind::invalid_arguments);
  CHECK(observation.content.find("they nest deeper than 64 levels") != std::string::npos);
  CHECK(model->requests().at(1).messages.back().content.find("nest deeper than 64 levels") != std::string::npos);

  const SpanTree tree = h.tree();
  require_well_formed(tree);
  const auto& tool = tree.one("invoke_agent worker/step 1/execute_tool add");
  CHECK(tool.status.code == StatusCode::error);
  CHECK(str(tool, schema::attr::tool_call_arguments) == deep);  // recorded as sent
}
