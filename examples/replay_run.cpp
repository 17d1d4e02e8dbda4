// replay_run: record a run, then reproduce it offline from its cassette.
//
// Every top-level run the Runner traces to files also writes a cassette beside the trace:
// `<trace id>.cassette.json`, every model request and reply in order. agent::replay() re-runs the
// same agents with a model that answers from the cassette while the tools run for real, and
// reports whether the answer and the span tree match the original, or which request first
// differed. Here the second replay runs with a changed exchange rate: the tool's new result makes
// the next request differ, and the report shows where, as a diff of the messages.
//
//   cmake --preset release && cmake --build --preset release --target replay_run
//   ./build/release/examples/replay_run
//   (`agentrace replay <trace>` does the same for the demo's agents)
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "agentrace/agent/replay.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/tools/typed_tool.hpp"

namespace ag = agentrace::agent;
namespace formats = agentrace::formats;
namespace llm = agentrace::llm;
namespace tools = agentrace::tools;

namespace {

ag::Agent make_converter(double usd_to_eur, std::shared_ptr<llm::LlmClient> model) {
  ag::Agent agent;
  agent.name = "converter";
  agent.instructions = "Convert amounts between currencies with the convert tool.";
  agent.model = std::move(model);
  agent.tools = {tools::make_tool("convert", "Convert US dollars to euros")
                     .param<double>("usd", "the amount in US dollars")
                     .handler([usd_to_eur](double usd) { return std::round(usd * usd_to_eur * 100) / 100; })};
  return agent;
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() / ("agentrace-replay-example-" + std::to_string(::getpid()));

  // 1. The original run: traced to `dir`, which also gets its cassette.
  auto model = std::make_shared<llm::ScriptedLlmClient>(std::vector{
      llm::ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "convert", .arguments = {{"usd", 250}}}}, "Converting."),
      llm::ScriptedLlmClient::text("250 USD is {{last_tool_result}} EUR.")});
  ag::RunnerOptions options;
  options.default_tracing.trace_dir = dir;
  options.cassettes.enabled = true;  // asked for: written whatever the content capture
  options.log_trace_location = false;
  ag::RunResult original;
  {
    ag::Runner runner(options);
    original = runner.run(make_converter(0.92, model), "How many euros are 250 US dollars?");
  }
  std::printf("original: %s\ncassette: %s\n\n", original.output.c_str(), original.cassette.c_str());

  const ag::Cassette cassette = ag::Cassette::load(original.cassette);
  const auto spans = formats::read_jsonl_file(ag::trace_path_for_cassette(original.cassette)).spans;

  // 2. The same agent again: any model will do, replay() swaps in the recording.
  const auto same = ag::replay(make_converter(0.92, model), cassette, spans);
  std::printf("%s\n", same.describe(cassette).c_str());

  // 3. A changed tool: the recorded reply no longer matches what the tool now returns.
  const auto changed = ag::replay(make_converter(0.95, model), cassette, spans);
  std::printf("with a new exchange rate:\n%s", changed.describe(cassette).c_str());

  std::filesystem::remove_all(dir);
  return same.matches() && !changed.matches() ? 0 : 1;
}
