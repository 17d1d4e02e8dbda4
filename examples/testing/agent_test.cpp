// Tests of an agent, as a user writes them (docs/testing.md): scripted models, the Runner's spans
// kept in memory, and the test kit's matchers over them. Built by the project beside it (from an
// installed agentrace) and, in agentrace's own build, into agent_tests.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/testkit/catch2.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/in_memory_exporter.hpp"

using namespace agentrace;
using namespace agentrace::testkit;
using llm::ScriptedLlmClient;
using tracing::StatusCode;

namespace {

// A Runner whose spans are kept in memory. The simple processor exports each span as it ends,
// so every span of a run is in `storage` when run() returns.
struct TracedRunner {
  std::shared_ptr<tracing::InMemoryExporter::Storage> storage;
  std::shared_ptr<tracing::TracerProvider> provider;
  std::unique_ptr<agent::Runner> runner;

  TracedRunner() {
    auto exporter = std::make_unique<tracing::InMemoryExporter>();
    storage = exporter->storage();
    tracing::TracerProviderOptions tracing_options;
    tracing_options.processor = tracing::make_simple_processor(std::move(exporter));
    provider = std::make_shared<tracing::TracerProvider>(std::move(tracing_options));

    agent::RunnerOptions options;
    options.tracer = provider->tracer("my_agent_tests");
    options.content.mode = agent::ContentCapture::full;  // arguments and results on the spans
    options.cassettes.enabled = false;                   // no files from tests
    runner = std::make_unique<agent::Runner>(std::move(options));
  }

  // The spans so far, as a tree. force_flush matters with a batch processor; with the simple
  // one it returns at once.
  SpanTree tree() const {
    provider->force_flush();
    return SpanTree(storage->spans());
  }
};

tools::ToolPtr add_tool() {
  return tools::make_tool("add", "Add two integers")
      .param<std::int64_t>("a", "first addend")
      .param<std::int64_t>("b", "second addend")
      .handler([](std::int64_t a, std::int64_t b) { return a + b; });
}

}  // namespace

TEST_CASE("the adder recovers from a call without all its arguments", "[guide]") {
  TracedRunner traced;
  agent::Agent adder;
  adder.name = "adder";
  adder.instructions = "Add numbers with the add tool.";
  adder.tools = {add_tool()};
  adder.model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "add", .arguments = {{"a", 2}}}}),  // no "b"
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "add", .arguments = {{"a", 2}, {"b", 3}}}}),
      ScriptedLlmClient::text("2 + 3 = 5")});

  const agent::RunResult result = traced.runner->run(adder, "What is 2 + 3?");

  REQUIRE(result.ok());
  CHECK(result.output == "2 + 3 = 5");
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].step == 1);
  CHECK(result.errors[0].tool == "add");
  CHECK(result.errors[0].kind == tools::ToolErrorKind::invalid_arguments);

  const SpanTree tree = traced.tree();
  REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());
  REQUIRE_THAT(tree, HasSpans("invoke_agent adder/step 1/execute_tool add", 1));
  CHECK_THAT(tree.one("invoke_agent adder/step 1/execute_tool add"),
             HasStatus(StatusCode::error) && HasAttribute("agentrace.tool.error_kind", "invalid_arguments"));
  CHECK_THAT(tree.one("invoke_agent adder/step 2/execute_tool add"),
             HasStatus(StatusCode::unset) && HasAttribute("gen_ai.tool.call.result", "5"));
  CHECK_THAT(tree.one("invoke_agent adder"), HasAttribute("agentrace.run.steps", 3));
}

TEST_CASE("the manager's answer comes from its researcher", "[guide]") {
  TracedRunner traced;
  auto lookup = tools::make_tool("lookup", "Look a figure up")
                    .param<std::string>("topic", "what to look up")
                    .handler([](const std::string&) { return std::string("US real GDP growth, 2024: 2.8%"); });

  // Each agent gets a scripted model of its own: a model hands out its replies in order to
  // whichever agent calls it, so one shared model would give the researcher the manager's reply.
  agent::Agent researcher;
  researcher.name = "researcher";
  researcher.description = "Finds figures";
  researcher.tools = {lookup};
  researcher.model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "lookup", .arguments = {{"topic", "US GDP 2024"}}}}),
      ScriptedLlmClient::text("US real GDP grew 2.8% in 2024.")});

  agent::Agent manager;
  manager.name = "manager";
  manager.managed_agents = {researcher};
  manager.model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "researcher", .arguments = {{"task", "US GDP growth in 2024?"}}}}),
      ScriptedLlmClient::text("It grew 2.8%.")});

  const agent::RunResult result = traced.runner->run(manager, "How fast did the US economy grow in 2024?");

  REQUIRE(result.ok());
  CHECK(result.errors.empty());
  const SpanTree tree = traced.tree();
  REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());
  REQUIRE_THAT(tree, HasSpans("invoke_agent manager/step 1/execute_tool researcher/invoke_agent researcher", 1));
  REQUIRE_THAT(tree, HasSpans("**/invoke_agent researcher/step 1/execute_tool lookup", 1));
  CHECK_THAT(tree.one("**/invoke_agent researcher"),
             HasAttribute("agentrace.agent.depth", 1) && HasAttribute("agentrace.run.status", "completed"));
}
