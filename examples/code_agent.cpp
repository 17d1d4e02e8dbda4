// code_agent: an agent that acts by writing Lua instead of one JSON tool call per step.
//
// With `actions = code`, each reply of the model carries a ```lua block. The Runner runs it in a
// sandboxed interpreter of the run's own (kept across steps: step 2 uses what step 1 defined),
// with the agent's tools as Lua functions taking a table of named arguments. What the program
// prints, and the value of its last line, is what the model reads next step; final_answer(value)
// ends the run. A failed call is a Lua error the program can catch with pcall.
//
// The model is scripted (offline). The trace shows the program as an execute_code span with an
// execute_tool span for every call it made.
//
//   cmake --preset release && cmake --build --preset release --target code_agent
//   ./build/release/examples/code_agent
#include <cstdio>
#include <map>
#include <string>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/in_memory_exporter.hpp"
#include "agentrace/tracing/render.hpp"

namespace ag = agentrace::agent;
namespace llm = agentrace::llm;
namespace tools = agentrace::tools;
namespace tr = agentrace::tracing;
using llm::ScriptedLlmClient;

namespace {

// Daily closing prices, by ticker.
const std::map<std::string, std::vector<double>> prices = {
    {"ACME", {101.0, 103.5, 102.0, 106.25, 108.0}},
    {"GLOBEX", {55.0, 54.0, 56.5, 55.5, 57.0}},
};

tools::ToolPtr make_prices_tool() {
  return tools::make_tool("prices", "Daily closing prices of a stock, oldest first")
      .param<std::string>("ticker", "the stock's ticker, e.g. ACME")
      .handler([](const std::string& ticker) -> tools::ToolResult {
        const auto it = prices.find(ticker);
        if (it == prices.end()) return tools::ToolResult::error("no prices for '" + ticker + "'");
        return tools::ToolResult::json(it->second);
      });
}

llm::ScriptedReply code(const std::string& thought, const std::string& program) {
  return ScriptedLlmClient::text(thought + "\n```lua\n" + program + "```");
}

}  // namespace

int main() {
  ag::Agent agent;
  agent.name = "quant";
  agent.instructions = "You analyse stock prices.";
  agent.actions = ag::Actions::code;
  agent.tools = {make_prices_tool()};
  agent.model = std::make_shared<ScriptedLlmClient>(std::vector{
      code("Fetch both series and compute each one's total return; one ticker may be missing.",
           "returns = {}\n"
           "for _, ticker in ipairs({'ACME', 'GLOBEX', 'INITECH'}) do\n"
           "  local ok, p = pcall(prices, {ticker = ticker})\n"
           "  if ok then\n"
           "    returns[ticker] = (p[#p] - p[1]) / p[1] * 100\n"
           "    print(string.format('%s: %d days, %.2f%%', ticker, #p, returns[ticker]))\n"
           "  else\n"
           "    print('skipped: ' .. p)\n"
           "  end\n"
           "end\n"),
      code("`returns` is still defined: pick the best.",
           "local best, best_return = nil, -math.huge\n"
           "for ticker, r in pairs(returns) do\n"
           "  if r > best_return then best, best_return = ticker, r end\n"
           "end\n"
           "final_answer(string.format('%s returned most: %.2f%%', best, best_return))\n")});

  auto exporter = std::make_unique<tr::InMemoryExporter>();
  const auto spans = exporter->storage();
  tr::TracerProvider provider(tr::TracerProviderOptions{.processor = tr::make_simple_processor(std::move(exporter))});
  ag::RunnerOptions options;
  options.tracer = provider.tracer("examples.code_agent");
  ag::Runner runner(std::move(options));

  const ag::RunResult result = runner.run(agent, "Which stock returned most over the period?");
  if (!result.ok()) {
    std::fprintf(stderr, "the run did not complete (%s): %s\n", std::string(ag::to_string(result.status)).c_str(),
                 result.error.c_str());
    return 1;
  }
  // What the model read after its first program: the output, the failed call caught by pcall.
  const auto* first = result.memory.action_steps().front();
  std::printf("step 1 observation:\n%s\n\n", first->code ? first->code->observation.c_str() : "(none)");
  std::printf("answer: %s\n\n", result.output.c_str());

  tr::RenderOptions names_only;
  names_only.show_attributes = false;
  std::printf("%s", tr::render_tree(spans->spans(), names_only).c_str());
  return 0;
}
