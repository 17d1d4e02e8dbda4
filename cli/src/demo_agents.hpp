// The demo's agents: a manager that answers by delegating to a researcher (search and read over
// the corpus in examples/data, and remember in a SQLite store) and an analyst (the calculator).
// `agentrace demo` runs them; `agentrace replay` rebuilds them to re-run a recorded demo.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "agentrace/agent/agent.hpp"
#include "agentrace/memory/store.hpp"

namespace agentrace::cli {

inline constexpr std::string_view demo_question =
    "If the US keeps its 2024 growth rate, how many years will it take for the GDP to double?";

// Where the demo's files are: examples/ of the source tree, or the installed copy.
struct DemoFiles {
  std::filesystem::path examples_dir;  // holds data/ and demo_script.json
  [[nodiscard]] std::filesystem::path corpus() const { return examples_dir / "data"; }
  [[nodiscard]] std::filesystem::path script() const { return examples_dir / "demo_script.json"; }
  // --data-dir when given, else $AGENTRACE_DEMO_DIR, else the installed copy, else the source
  // tree this binary was built from. Throws std::runtime_error naming what is missing.
  static DemoFiles locate(const std::filesystem::path& given = {});
};

// The scripted models of the demo, one per agent, from demo_script.json ({"model": ...,
// "agents": {"manager": [replies...], ...}}; replies as ScriptedLlmClient reads them). Throws
// std::invalid_argument naming the file and the problem.
std::map<std::string, std::shared_ptr<llm::LlmClient>> load_demo_script(const std::filesystem::path& script);

// search(query, limit?): BM25 keyword ranking over the corpus's documents (README.md excluded);
// one line per hit with its score, title and best-matching line.
tools::ToolPtr make_corpus_search_tool(std::filesystem::path corpus);

// The manager with its two managed agents. `models` maps agent name to model; a missing entry
// is an error. The researcher remembers what it found in `store`.
// With `manager_actions` code (`agentrace demo --code`), the manager is a code agent (model
// "code_manager"): it calls the researcher as a Lua function and computes the doubling time
// itself, so it has no analyst; the researcher still acts by tool calls.
agent::Agent make_demo_agents(const DemoFiles& files, std::map<std::string, std::shared_ptr<llm::LlmClient>> models,
                              std::shared_ptr<memory::MemoryStore> store,
                              agent::Actions manager_actions = agent::Actions::tool_calls);

}  // namespace agentrace::cli
