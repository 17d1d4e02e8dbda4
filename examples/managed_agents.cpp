// managed_agents: a manager that delegates to two agents, called in parallel, in one trace.
//
// The manager's model splits the question in two and calls both managed agents in one reply:
// a researcher (with a lookup tool over a small table) and an analyst (with the built-in
// calculator). They run concurrently; each runs its own loop with its own memory, and its spans
// nest under the manager's execute_tool span. Spans are kept in memory (an InMemoryExporter
// behind a simple processor) and printed as a tree and a timeline, where the two agents overlap.
// The result reports usage twice: the manager's own model calls, and the total with both agents.
//
//   cmake --preset release && cmake --build --preset release --target managed_agents
//   ./build/release/examples/managed_agents
#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/in_memory_exporter.hpp"
#include "agentrace/tracing/render.hpp"

namespace ag = agentrace::agent;
namespace llm = agentrace::llm;
namespace tools = agentrace::tools;
namespace tr = agentrace::tracing;
using llm::ScriptedLlmClient;
using namespace std::chrono_literals;

namespace {

const std::map<std::string, std::string> facts = {
    {"us gdp growth 2024", "US real GDP grew 2.8 percent in 2024 (BEA, advance estimate)."},
    {"us inflation 2024", "US consumer prices rose 2.9 percent over 2024 (BLS)."},
};

tools::ToolPtr make_lookup_tool() {
  return tools::make_tool("lookup", "Look up a fact by topic")
      .param<std::string>("topic", "one of: us gdp growth 2024, us inflation 2024")
      .handler([](const std::string& topic) {
        const auto it = facts.find(topic);
        return it != facts.end() ? tools::ToolResult::text(it->second)
                                 : tools::ToolResult::error("no fact about '" + topic + "'");
      });
}

// A model that takes a while to answer (an asynchronous wait), so that the parallel calls overlap.
llm::ScriptedReply slow(llm::ScriptedReply reply) {
  reply.delay = 30ms;
  return reply;
}

}  // namespace

int main() {
  ag::Agent researcher;
  researcher.name = "researcher";
  researcher.description = "Finds economic facts. Give it a topic to research.";
  researcher.tools = {make_lookup_tool()};
  researcher.model = std::make_shared<ScriptedLlmClient>(
      std::vector{slow(ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "lookup", .arguments = {{"topic", "us gdp growth 2024"}}}})),
                  slow(ScriptedLlmClient::text("US real GDP grew 2.8 percent in 2024."))},
      "researcher-model");

  ag::Agent analyst;
  analyst.name = "analyst";
  analyst.description = "Does arithmetic. Give it a calculation to carry out.";
  analyst.tools = {tools::make_calculator_tool()};
  analyst.model = std::make_shared<ScriptedLlmClient>(
      std::vector{slow(ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "calculator", .arguments = {{"expression", "ln(2) / ln(1.028)"}}}})),
                  slow(ScriptedLlmClient::text("At 2.8 percent a year it doubles in about 25.1 years."))},
      "analyst-model");

  ag::Agent manager;
  manager.name = "manager";
  manager.instructions = "Split the question; delegate the research and the arithmetic.";
  manager.managed_agents = {researcher, analyst};
  manager.model = std::make_shared<ScriptedLlmClient>(
      std::vector{
          ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "researcher", .arguments = {{"task", "Find US real GDP growth in 2024."}}},
                                         llm::ToolCall{.name = "analyst", .arguments = {{"task", "Years to double at 2.8 percent growth a year?"}}}},
                                        "Asking both at once."),
          ScriptedLlmClient::text("US GDP grew 2.8% in 2024; at that rate the economy doubles in about 25 years.")},
      "manager-model");

  auto exporter = std::make_unique<tr::InMemoryExporter>();
  const auto spans = exporter->storage();
  tr::TracerProvider provider(tr::TracerProviderOptions{.processor = tr::make_simple_processor(std::move(exporter))});
  ag::RunnerOptions options;
  options.tracer = provider.tracer("examples.managed_agents");
  ag::Runner runner(std::move(options));

  const ag::RunResult result = runner.run(
      manager, "How fast did the US economy grow in 2024? How long does growth of 2.8% a year take to double it?");
  if (!result.ok()) {
    std::fprintf(stderr, "the run did not complete (%s): %s\n", std::string(ag::to_string(result.status)).c_str(),
                 result.error.c_str());
    return 1;
  }
  std::printf("answer: %s\n", result.output.c_str());
  std::printf("usage, manager's own calls: %lld in / %lld out tokens\n",
              static_cast<long long>(result.usage.input_tokens), static_cast<long long>(result.usage.output_tokens));
  std::printf("usage, with managed agents: %lld in / %lld out tokens\n\n",
              static_cast<long long>(result.total_usage.input_tokens),
              static_cast<long long>(result.total_usage.output_tokens));

  const auto finished = spans->spans();
  tr::RenderOptions names_only;  // the shape of the run; the timeline shows the overlap
  names_only.show_attributes = false;
  std::printf("%s\n%s", tr::render_tree(finished, names_only).c_str(),
              tr::render_timeline(finished, names_only).c_str());
  return 0;
}
