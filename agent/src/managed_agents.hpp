// Managed agents as their manager's model sees them: a tool taking one `task`, run by the Runner
// as a nested run (never through the registry), whose answer becomes the call's result.
// Internal to the Runner.
#pragma once

#include <memory>
#include <string_view>

#include "agentrace/agent/runner.hpp"
#include "agentrace/tools/tool.hpp"

namespace agentrace::agent::detail {

// The tool the manager's model is offered for `agent`; the registry uses only its schema.
std::shared_ptr<tools::Tool> make_managed_agent_tool(const Agent& agent);
[[nodiscard]] bool is_managed_agent_tool(const tools::Tool* tool) noexcept;

// The managed agent of `manager` called `name`; null when there is none.
[[nodiscard]] const Agent* find_managed_agent(const Agent& manager, std::string_view name) noexcept;

// What the manager reads for a managed agent's run: its answer (with a summary of its steps when
// the agent asks for one), or an execution error saying why it did not finish.
[[nodiscard]] tools::ToolResult managed_agent_result(const Agent& managed, const RunResult& run);

}  // namespace agentrace::agent::detail
