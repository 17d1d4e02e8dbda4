// Managed agents, memory spans, default tracing, content policy, planning, and concurrency.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "agentrace/schema/names.hpp"
#include "agentrace/schema/render_hints.hpp"
#include "agentrace/agent/runner.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/memory/store.hpp"
#include "agentrace/otlp/otlp_exporter.hpp"
#include "agentrace/testkit/catch2.hpp"
#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/console_exporter.hpp"
#include "support/loopback_http_server.hpp"
#include "support/otlp_receiver.hpp"
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

namespace {

agent::RunnerOptions options_for(const testing::InMemoryTracing& t) {
  agent::RunnerOptions o;
  o.tracer = t.tracer;
  o.default_tracing.enabled = false;
  o.retry.initial_backoff = 1ms;
  return o;
}

std::int64_t num(const tracing::SpanData& s, std::string_view key) {
  const auto* v = tracing::find_attribute_as<std::int64_t>(s.attributes, key);
  return v != nullptr ? *v : -1;
}

tools::ToolPtr multiply_tool() {
  return tools::make_tool("multiply", "Multiply two numbers")
      .param<double>("a", "a")
      .param<double>("b", "b")
      .handler([](double a, double b) { return a * b; });
}

// A manager that delegates to a researcher and an analyst (each scripted), in one reply.
// The default tracing (JSON Lines files, plus the collector OTEL_* asks for) into `dir`, quietly.
agent::RunnerOptions default_tracing_into(const std::filesystem::path& dir) {
  agent::RunnerOptions o;
  o.default_tracing.trace_dir = dir;
  o.default_tracing.also_export = otlp::collector_exporter_from_env;
  o.log_trace_location = false;
  return o;
}

// One agent that answers "hi" in one step: four spans.
Agent solo_agent() {
  Agent a;
  a.name = "solo";
  a.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::text("hi")});
  return a;
}

struct Team {
  Agent manager;
  std::shared_ptr<ScriptedLlmClient> manager_model, researcher_model, analyst_model;

  // `delay`: each managed agent's model waits that long per call (asynchronously), so runs that
  // are really concurrent overlap in time.
  explicit Team(bool parallel, std::chrono::milliseconds delay = {}) {
    std::vector researcher_replies{ScriptedLlmClient::text("Growth was 2.8%.", llm::Usage{100, 10, 110})};
    std::vector analyst_replies{
        ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "multiply", .arguments = {{"a", 6}, {"b", 7}}}}, "", llm::Usage{50, 5, 55}),
        ScriptedLlmClient::text("The product is 42.", llm::Usage{60, 6, 66})};
    for (auto& r : researcher_replies) r.delay = delay;
    for (auto& r : analyst_replies) r.delay = delay;
    researcher_model = std::make_shared<ScriptedLlmClient>(std::move(researcher_replies), "r-model");
    analyst_model = std::make_shared<ScriptedLlmClient>(std::move(analyst_replies), "a-model");
    manager_model = std::make_shared<ScriptedLlmClient>(
        std::vector{ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "researcher", .arguments = {{"task", "find the growth rate"}}},
                                                   llm::ToolCall{.name = "analyst", .arguments = {{"task", "multiply 6 by 7"}}}},
                                                  "", llm::Usage{20, 2, 22}),
                    ScriptedLlmClient::text("Both done: 2.8% and 42.", llm::Usage{30, 3, 33})},
        "m-model");
    Agent researcher;
    researcher.name = "researcher";
    researcher.description = "Finds facts";
    researcher.model = researcher_model;
    Agent analyst;
    analyst.name = "analyst";
    analyst.description = "Computes";
    analyst.model = analyst_model;
    analyst.tools = {multiply_tool()};
    manager.name = "manager";
    manager.model = manager_model;
    manager.managed_agents = {researcher, analyst};
    manager.parallel_tool_calls = parallel;
  }
};

}  // namespace

TEST_CASE("managed agents nest under the manager's execute_tool span, in one trace", "[agent][managed]") {
  const bool parallel = GENERATE(false, true);
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  Team team(parallel, parallel ? 30ms : 0ms);
  auto result = runner.run(team.manager, "report");
  REQUIRE(result.ok());
  CHECK(result.output == "Both done: 2.8% and 42.");
  const auto& obs = result.memory.action_steps()[0]->observations;
  REQUIRE(obs.size() == 2);
  CHECK(obs[0].content == "Growth was 2.8%.");
  CHECK(obs[1].content == "The product is 42.");

  // Usage: own is the manager's two calls; total adds each managed agent's once.
  CHECK(result.usage == llm::Usage{50, 5, 55});
  CHECK(result.total_usage == llm::Usage{50 + 100 + 110, 5 + 10 + 11, 55 + 110 + 121});

  const SpanTree tree(t.spans(), schema::render_options());
  REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());
  const auto& r = tree.one("invoke_agent manager/step 1/execute_tool researcher/invoke_agent researcher");
  CHECK(num(r, schema::attr::agent_depth) == 1);
  CHECK_THAT(tree, HasSpans("invoke_agent manager/step 1/execute_tool researcher/invoke_agent researcher/step 1/chat r-model", 1));
  CHECK_THAT(tree, HasSpans("invoke_agent manager/step 1/execute_tool analyst/invoke_agent analyst/step 1/execute_tool multiply", 1));
  CHECK_THAT(tree, HasSpans("invoke_agent manager/step 1/execute_tool analyst/invoke_agent analyst/step 2/chat a-model", 1));
  CHECK_THAT(tree, HasSpans("**/chat m-model", 2));
  CHECK(*tracing::find_attribute_as<std::string>(tree.one("**/execute_tool analyst").attributes, schema::attr::tool_type) == "agent");

  // Subtree totals on agent and step spans; only chat spans carry gen_ai.usage.*, so a backend
  // summing those counts every token once.
  const auto& root = tree.one("invoke_agent manager");
  CHECK(num(root, schema::attr::own_input_tokens) == 50);
  CHECK(num(root, schema::attr::total_input_tokens) == 260);
  CHECK(num(tree.one("invoke_agent manager/step 1"), schema::attr::total_input_tokens) == 20 + 100 + 110);
  std::int64_t summed = 0;
  for (const auto& s : tree.spans()) {
    if (const auto* v = tracing::find_attribute_as<std::int64_t>(s.attributes, schema::attr::usage_input_tokens)) summed += *v;
  }
  CHECK(summed == 260);
  // In parallel the two managed runs overlap in time; one after the other they do not.
  const auto& a = tree.one("**/invoke_agent researcher");
  const auto& b = tree.one("**/invoke_agent analyst");
  const bool overlapped = a.start_unix_ns < b.end_unix_ns && b.start_unix_ns < a.end_unix_ns;
  CHECK(overlapped == parallel);
}

TEST_CASE("a managed agent that does not finish is an error observation for its manager", "[agent][managed]") {
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  Agent worker;
  worker.name = "worker";
  worker.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "multiply", .arguments = {{"a", 1}, {"b", 1}}}}, "trying")});
  worker.tools = {multiply_tool()};
  worker.max_steps = 1;
  Agent boss;
  boss.name = "boss";
  boss.model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "worker", .arguments = {{"task", "do it"}}}}), ScriptedLlmClient::text("worker failed")});
  boss.managed_agents = {worker};
  auto result = runner.run(boss, "go");
  REQUIRE(result.ok());
  const auto& o = result.memory.action_steps()[0]->observations.at(0);
  CHECK(o.is_error);
  CHECK(o.content.find("did not finish (max_steps)") != std::string::npos);
  const SpanTree tree(t.spans(), schema::render_options());
  CHECK(tree.one("**/invoke_agent worker").status.code == tracing::StatusCode::error);
  CHECK(tree.one("invoke_agent boss/step 1/execute_tool worker").status.code == tracing::StatusCode::error);
}

TEST_CASE("a managed agent's tools are validated before the run starts, called alone or in parallel", "[agent][managed]") {
  // A duplicate tool name two levels down used to throw mid-run when the agent was called alone
  // and become an error observation when it was called in parallel with another.
  for (const bool parallel : {false, true}) {
    INFO("parallel: " << parallel);
    testing::InMemoryTracing t;
    agent::Runner runner(options_for(t));
    Agent worker;
    worker.name = "worker";
    worker.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::text("done")});
    worker.tools = {multiply_tool(), multiply_tool()};  // the same name twice
    Agent middle;
    middle.name = "middle";
    middle.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::text("done")});
    middle.managed_agents = {worker};
    Agent helper;
    helper.name = "helper";
    helper.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::text("done")});
    std::vector<llm::ToolCall> calls{llm::ToolCall{.name = "middle", .arguments = {{"task", "go"}}}};
    if (parallel) calls.push_back(llm::ToolCall{.name = "helper", .arguments = {{"task", "go"}}});
    Agent manager;
    manager.name = "manager";
    manager.model = std::make_shared<ScriptedLlmClient>(
        std::vector{ScriptedLlmClient::tool_calls(calls), ScriptedLlmClient::text("finished")});
    manager.managed_agents = {middle, helper};
    manager.parallel_tool_calls = parallel;

    try {
      (void)runner.run(manager, "delegate");
      FAIL("run() accepted an agent whose managed agent has a duplicate tool");
    } catch (const agent::AgentError& e) {
      CHECK_THAT(e.what(), Catch::Matchers::Contains("agent 'worker'"));
      CHECK_THAT(e.what(), Catch::Matchers::Contains("multiply"));
    }
    CHECK(t.spans().empty());  // nothing ran
  }
}

TEST_CASE("memory store operations are memory spans under the tool that made them", "[agent][memory]") {
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  Agent a;
  a.name = "rememberer";
  a.memory_store = std::make_shared<memory::InMemoryStore>();
  a.tools = {tools::make_remember_tool(), tools::make_recall_tool()};
  a.model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "remember", .arguments = {{"key", "gdp"}, {"text", "US GDP grew 2.8 percent in 2024"}}}}),
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "recall", .arguments = {{"query", "GDP growth"}}}}), ScriptedLlmClient::text("ok")});
  auto result = runner.run(a, "remember and recall");
  REQUIRE(result.ok());
  CHECK(result.memory.action_steps()[1]->observations.at(0).content.find("2.8 percent") != std::string::npos);
  CHECK(a.memory_store->get("gdp").has_value());
  const SpanTree tree(t.spans(), schema::render_options());
  REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());
  const auto& put = tree.one("invoke_agent rememberer/step 1/execute_tool remember/memory put");
  CHECK(*tracing::find_attribute_as<std::string>(put.attributes, schema::attr::memory_store) == "in_memory");
  CHECK(*tracing::find_attribute_as<std::string>(put.attributes, schema::attr::memory_key) == "gdp");
  const auto& search = tree.one("invoke_agent rememberer/step 2/execute_tool recall/memory search");
  CHECK(num(search, schema::attr::memory_result_count) == 1);
  CHECK(*tracing::find_attribute_as<bool>(search.attributes, schema::attr::memory_hit));
}

TEST_CASE("traced by default: a run writes its trace as JSONL named by its trace id", "[agent][default-tracing]") {
  const auto dir = std::filesystem::temp_directory_path() / ("agentrace-default-" + tracing::TraceId::random().hex());
  agent::RunnerOptions o;
  o.default_tracing.trace_dir = dir;
  o.log_trace_location = false;
  std::string trace_id;
  {
    agent::Runner runner(o);
    Agent a;
    a.name = "solo";
    a.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::text("hi")});
    auto result = runner.run(a, "hello");
    REQUIRE(result.ok());
    trace_id = result.trace_id;
    REQUIRE(trace_id.size() == 32);
    // The file is complete when run() returns.
    const auto read = formats::read_jsonl_file(dir / (trace_id + ".jsonl"));
    CHECK(read.errors.empty());
    CHECK(read.spans.size() == 4);
    const SpanTree tree(read.spans, schema::render_options());
    CHECK_THAT(tree, HasSpans("invoke_agent solo/step 1/chat scripted", 1));
  }
  std::filesystem::remove_all(dir);

  agent::RunnerOptions off;
  off.default_tracing.enabled = false;
  agent::Runner quiet(off);
  Agent a;
  a.name = "solo";
  a.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::text("hi")});
  auto r = quiet.run(a, "hello");
  CHECK(r.ok());
  CHECK(r.trace_id.empty());  // tracing off: no ids at all
}

TEST_CASE("traced by default: an OTLP endpoint alone also exports over OTLP", "[agent][default-tracing][otlp]") {
  // OTEL_TRACES_EXPORTER unset: the OpenTelemetry SDKs' default exporter is otlp, and most
  // backends' guides set only the endpoint. Both endpoint variables count; the files stay.
  for (const char* variable : {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"}) {
    INFO(variable);
    testing::OtlpReceiver receiver;
    testing::ScopedEnv unset_exporter("OTEL_TRACES_EXPORTER", nullptr);
    // The general endpoint gets /v1/traces appended; the traces endpoint is used as given.
    const std::string url = std::string(variable) == "OTEL_EXPORTER_OTLP_ENDPOINT"
                                ? "http://127.0.0.1:" + std::to_string(receiver.port())
                                : receiver.url();
    testing::ScopedEnv endpoint(variable, url.c_str());
    testing::TempDir dir;
    agent::Runner runner(default_tracing_into(dir.path()));
    const auto result = runner.run(solo_agent(), "hello");
    REQUIRE(result.ok());
    CHECK(formats::read_jsonl_file(dir.path() / (result.trace_id + ".jsonl")).spans.size() == 4);
    REQUIRE(runner.flush(20s));
    CHECK(receiver.spans().size() == 4);
  }
}

TEST_CASE("traced by default: also_export is given the agent trace's render options for a console",
          "[agent][default-tracing]") {
  // A console exporter made with what the Runner passes draws the run's tree with the schema's
  // hints: outcome and tokens first, classification and identifiers left out.
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  std::size_t given_first_keys = 0;
  testing::TempDir dir;
  {
    auto o = default_tracing_into(dir.path());
    o.default_tracing.also_export = [&](const tracing::RenderOptions& console) -> std::unique_ptr<tracing::SpanExporter> {
      given_first_keys = console.first_keys.size();
      return std::make_unique<tracing::ConsoleExporter>(out, console);
    };
    agent::Runner runner(std::move(o));
    REQUIRE(runner.run(solo_agent(), "hello").ok());
    REQUIRE(runner.flush(20s));
  }
  CHECK(given_first_keys == schema::summary_keys().size());
  std::fflush(out);
  std::rewind(out);
  std::string printed;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, out)) > 0;) printed.append(buf, n);
  std::fclose(out);
  INFO(printed);
  // The root's line in the tree (the timeline comes after it): the run's status is its first
  // attribute.
  std::istringstream lines(printed);
  std::string root;
  for (std::string line; root.empty() && std::getline(lines, line);) {
    if (line.starts_with("invoke_agent solo  ")) root = line;
  }
  const std::string status = std::string(schema::attr::run_status) + "=completed";
  REQUIRE(root.find(status) != std::string::npos);
  CHECK(root.find('=') == root.find(status) + schema::attr::run_status.size());
  CHECK(printed.find(std::string(schema::attr::conversation_id)) == std::string::npos);
  CHECK(printed.find(std::string(schema::attr::span_kind)) == std::string::npos);
  CHECK(printed.find(std::string(schema::attr::step_number)) == std::string::npos);
}

TEST_CASE("traced by default with a slow collector: run() waits for its trace file and not for the collector",
          "[agent][default-tracing][otlp]") {
  // The collector takes 3 s to answer each request. run() returns with the file complete; the
  // spans reach the collector on the batch worker, and flush() waits for them.
  testing::OtlpReceiver receiver;
  testing::ServerResponse slow = testing::ServerResponse::text("");
  slow.header_delay = 3s;
  receiver.set_default(slow);
  testing::ScopedEnv exporter("OTEL_TRACES_EXPORTER", "otlp");
  testing::ScopedEnv endpoint("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.url().c_str());
  testing::TempDir dir;
  agent::Runner runner(default_tracing_into(dir.path()));
  const auto start = std::chrono::steady_clock::now();
  const auto result = runner.run(solo_agent(), "hello");
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(result.ok());
  CHECK(took < 2s);  // against the collector's 3 s: only a wait on the collector fails this
  CHECK(formats::read_jsonl_file(dir.path() / (result.trace_id + ".jsonl")).spans.size() == 4);
  REQUIRE(runner.flush(20s));
  CHECK(receiver.spans().size() == 4);
}

TEST_CASE("content policy: off records no content, truncated cuts with a marker", "[agent][content]") {
  const std::string long_task(100, 'x');
  for (auto mode : {agent::ContentCapture::off, agent::ContentCapture::truncated}) {
    testing::InMemoryTracing t;
    auto o = options_for(t);
    o.content.mode = mode;
    o.content.max_bytes = 10;
    agent::Runner runner(o);
    Agent a;
    a.name = "p";
    a.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::text("short")});
    REQUIRE(runner.run(a, long_task).ok());
    const SpanTree tree(t.spans(), schema::render_options());
    const auto* input = tracing::find_attribute_as<std::string>(tree.one("invoke_agent p").attributes, schema::attr::input_value);
    if (mode == agent::ContentCapture::off) {
      CHECK(input == nullptr);
      CHECK(tracing::find_attribute(tree.one("**/chat scripted").attributes, schema::attr::input_messages) == nullptr);
    } else {
      REQUIRE(input != nullptr);
      CHECK(*input == "xxxxxxxxxx...[truncated 90 bytes]");
    }
  }
  agent::ContentPolicy p{agent::ContentCapture::truncated, 4};
  CHECK(*p.apply("h\xC3\xA9llo") == "h\xC3\xA9l...[truncated 2 bytes]");  // never splits a UTF-8 character
  CHECK(*agent::ContentPolicy{agent::ContentCapture::truncated, 2}.apply("h\xC3\xA9") == "h...[truncated 2 bytes]");
}

namespace {

// An agent that plans every 2 steps, and its script: a plan, two multiplications over steps 1
// and 2, a second plan before step 3, then the answer "6".
Agent planner(std::shared_ptr<ScriptedLlmClient>& model) {
  Agent a;
  a.name = "planner";
  a.planning_interval = 2;
  a.tools = {multiply_tool()};
  model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::text("Plan: multiply."), ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "multiply", .arguments = {{"a", 2}, {"b", 3}}}}),
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "multiply", .arguments = {{"a", 6}, {"b", 1}}}}), ScriptedLlmClient::text("Plan: answer."),
      ScriptedLlmClient::text("6")});
  a.model = model;
  return a;
}

}  // namespace

TEST_CASE("planning: a plan before step 1 and every N steps", "[agent][planning]") {
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  std::shared_ptr<ScriptedLlmClient> model;
  const Agent a = planner(model);
  auto result = runner.run(a, "compute");
  REQUIRE(result.ok());
  CHECK(result.output == "6");
  int plans = 0;
  for (const auto& s : result.memory.steps()) plans += std::holds_alternative<memory::PlanningStep>(s) ? 1 : 0;
  CHECK(plans == 2);
  CHECK(model->requests()[0].tools.empty());  // the planning call offers no tools
  const SpanTree tree(t.spans(), schema::render_options());
  CHECK_THAT(tree, HasSpans("invoke_agent planner/step 1/chat scripted", 2));
  CHECK_THAT(tree, HasSpans("invoke_agent planner/step 2/chat scripted", 1));
  CHECK_THAT(tree, HasSpans("invoke_agent planner/step 3/chat scripted", 2));
}

TEST_CASE("content: every chat span records its own request's whole history, planning calls included", "[agent][content]") {
  // The main request's history is serialized incrementally between steps; a planning request is
  // a different history. Each chat span must still hold exactly the messages its call was sent.
  testing::InMemoryTracing t;
  agent::RunnerOptions o = options_for(t);
  o.content.mode = agent::ContentCapture::full;
  agent::Runner runner(o);
  std::shared_ptr<ScriptedLlmClient> model;
  Agent a = planner(model);
  a.instructions = "Multiply \"carefully\".";
  REQUIRE(runner.run(a, "compute\nnow").ok());

  std::vector<tracing::SpanData> chats;
  for (const auto& s : t.spans()) {
    if (s.name.starts_with("chat ")) chats.push_back(s);
  }
  std::sort(chats.begin(), chats.end(), [](const auto& x, const auto& y) { return x.start_unix_ns < y.start_unix_ns; });
  const auto requests = model->requests();
  REQUIRE(chats.size() == requests.size());
  REQUIRE(requests.size() == 5);
  for (std::size_t i = 0; i < chats.size(); ++i) {
    INFO("chat call " << i);
    const auto* recorded = tracing::find_attribute_as<std::string>(chats[i].attributes, schema::attr::input_messages);
    REQUIRE(recorded != nullptr);
    CHECK(*tracing::find_attribute_as<std::string>(chats[i].attributes, schema::attr::input_value) == *recorded);
    const auto history = nlohmann::json::parse(*recorded);
    const auto& sent = requests[i].messages;
    REQUIRE(history.size() == sent.size());
    for (std::size_t m = 0; m < sent.size(); ++m) {
      CHECK(history[m]["role"] == std::string(llm::to_string(sent[m].role)));
      if (sent[m].role == llm::Role::tool) {
        CHECK(history[m]["parts"][0]["response"] == sent[m].content);
      } else if (!sent[m].content.empty()) {
        CHECK(history[m]["parts"][0]["content"] == sent[m].content);
      }
    }
  }
  // The main history (system, task, the plan, then each step's call and result) grew across
  // steps 1..3, with planning calls between.
  CHECK(requests[1].messages.size() == 3);
  CHECK(requests[2].messages.size() == 5);
  CHECK(requests[4].messages.size() > requests[2].messages.size());
}

TEST_CASE("stress: many concurrent runs with parallel tools and managed agents stay well-formed", "[agent][stress]") {
#if defined(__SANITIZE_THREAD__)
  constexpr int runs = 60;
#else
  constexpr int runs = 1000;
#endif
  testing::InMemoryTracing t(tracing::TracerProviderOptions{});
  agent::RunnerOptions o = options_for(t);
  o.tool_threads = 4;
  agent::Runner runner(o);
  std::vector<Team> teams;
  teams.reserve(runs);
  for (int i = 0; i < runs; ++i) teams.emplace_back(true);

  asio::io_context io;
  std::vector<agent::RunResult> results(runs);
  for (int i = 0; i < runs; ++i) {
    asio::co_spawn(io, runner.run_async(teams[static_cast<std::size_t>(i)].manager, "report " + std::to_string(i)),
                   [&results, i](std::exception_ptr e, agent::RunResult r) {
                     if (!e) results[static_cast<std::size_t>(i)] = std::move(r);
                   });
  }
  std::thread second([&] { io.run(); });
  io.run();
  second.join();

  std::set<std::string> trace_ids;
  for (const auto& r : results) {
    REQUIRE(r.ok());
    trace_ids.insert(r.trace_id);
  }
  CHECK(trace_ids.size() == static_cast<std::size_t>(runs));  // one trace per run
  const SpanTree tree(t.spans(), schema::render_options());
  CHECK(tree.trace_count() == static_cast<std::size_t>(runs));
  CHECK(tree.unended().empty());
  CHECK(tree.orphans().empty());
  // Every run has the full shape. Under the manager: step 1 {chat, decide, execute_tool researcher
  // {invoke_agent {step 1 {chat, decide}}}, execute_tool analyst {invoke_agent {step 1 {chat,
  // decide, execute_tool multiply}, step 2 {chat, decide}}}} and step 2 {chat, decide}: 20 spans.
  CHECK(tree.named("invoke_agent manager").size() == static_cast<std::size_t>(runs));
  CHECK(tree.at("invoke_agent manager/step 1/execute_tool analyst/invoke_agent analyst/step 1/execute_tool multiply").size() ==
        static_cast<std::size_t>(runs));
  for (const auto* root : tree.named("invoke_agent manager")) {
    CHECK(tree.descendants(*root).size() == 20);
  }
}

TEST_CASE("a managed agent can return a summary of its steps with its answer", "[agent][managed]") {
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  Agent worker;
  worker.name = "worker";
  worker.return_step_summary = true;
  worker.tools = {multiply_tool()};
  worker.model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "multiply", .arguments = {{"a", 2}, {"b", 4}}}}), ScriptedLlmClient::text("8")});
  Agent boss;
  boss.name = "boss";
  boss.managed_agents = {worker};
  boss.model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "worker", .arguments = {{"task", "2*4"}}}}), ScriptedLlmClient::text("8")});
  auto result = runner.run(boss, "go");
  REQUIRE(result.ok());
  const std::string& seen = result.memory.action_steps()[0]->observations.at(0).content;
  CHECK(seen.rfind("8", 0) == 0);
  CHECK(seen.find("step 1: multiply") != std::string::npos);
  CHECK(seen.find("step 2: final answer") != std::string::npos);
}

TEST_CASE("the runner's settings read the environment, bad values keep the defaults", "[agent][config]") {
  using testing::ScopedEnv;
  {
    ScopedEnv a("AGENTRACE_CAPTURE_CONTENT", "off");
    ScopedEnv b("AGENTRACE_CAPTURE_CONTENT_BYTES", "100");
    ScopedEnv c("AGENTRACE_TRACES", "off");
    ScopedEnv d("AGENTRACE_TRACE_DIR", "/tmp/elsewhere");
    const auto p = agent::ContentPolicy::from_env();
    CHECK(p.mode == agent::ContentCapture::off);
    CHECK(p.max_bytes == 100);
    const auto t = agent::DefaultTracing::from_env();
    CHECK_FALSE(t.enabled);
    CHECK(t.trace_dir == "/tmp/elsewhere");
  }
  {
    ScopedEnv a("AGENTRACE_CAPTURE_CONTENT", "sometimes");
    ScopedEnv b("AGENTRACE_CAPTURE_CONTENT_BYTES", "lots");
    ScopedEnv c("AGENTRACE_TRACES", "");
    ScopedEnv d("AGENTRACE_TRACE_DIR", nullptr);
    const auto p = agent::ContentPolicy::from_env();
    CHECK(p.mode == agent::ContentCapture::truncated);
    CHECK(p.max_bytes == 16 * 1024);
    const auto t = agent::DefaultTracing::from_env();
    CHECK(t.enabled);  // empty counts as unset
    CHECK(t.trace_dir == ".agentrace/traces");
  }
  ScopedEnv zero("AGENTRACE_CAPTURE_CONTENT_BYTES", "0");
  CHECK(agent::ContentPolicy::from_env().max_bytes == 16 * 1024);
}
