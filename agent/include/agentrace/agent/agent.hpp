// Agent: a value describing an agent. It does not run itself; a Runner runs it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agentrace/code/executor.hpp"
#include "agentrace/llm/client.hpp"
#include "agentrace/memory/store.hpp"
#include "agentrace/tools/tool.hpp"

namespace agentrace::agent {

// How an agent acts. tool_calls: one JSON tool call (or several) per reply. code: each reply
// carries a Lua program that calls the tools and managed agents as functions, loops and computes;
// the Runner runs it in a sandbox (docs/code-actions.md) and the model reads what it printed.
enum class Actions : std::uint8_t { tool_calls, code };

struct Agent {
  std::string name;         // also the tool name when it is a managed agent: [A-Za-z0-9_-]{1,64}
  std::string description;  // what a manager's model reads about it as a tool
  std::string instructions; // the system prompt
  std::shared_ptr<llm::LlmClient> model;
  std::string model_name;   // empty: the client's default_model()
  std::vector<tools::ToolPtr> tools;
  // Agents this agent may call as tools (argument: task). Each runs with its own memory; its
  // spans nest under the manager's execute_tool span in the same trace.
  std::vector<Agent> managed_agents;
  // A managed agent returns its final answer; with this, also a summary of its steps.
  bool return_step_summary = false;
  std::shared_ptr<memory::MemoryStore> memory_store;  // for remember/recall; may be null

  Actions actions = Actions::tool_calls;
  code::Limits code_limits{};  // per program, when actions is code

  int max_steps = 20;
  std::optional<int> planning_interval;  // plan before step 1 and every N steps
  bool parallel_tool_calls = true;       // several calls in one reply run concurrently
  std::optional<std::chrono::milliseconds> run_timeout;
  std::optional<std::chrono::milliseconds> tool_timeout;  // per call; a Tool may override
  std::optional<double> temperature;
  std::optional<std::int64_t> max_tokens;
};

}  // namespace agentrace::agent
