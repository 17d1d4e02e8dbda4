#include "managed_agents.hpp"

namespace agentrace::agent::detail {
namespace {

class ManagedAgentTool final : public tools::Tool {
 public:
  explicit ManagedAgentTool(const Agent& agent)
      : Tool(agent.name,
             (agent.description.empty() ? "An agent" : agent.description) +
                 " (a managed agent: give it a complete, self-contained task)",
             tools::Json{{"type", "object"},
                         {"properties",
                          {{"task", {{"type", "string"}, {"description", "The task for the agent, with all the context it needs"}}}}},
                         {"required", {"task"}},
                         {"additionalProperties", false}}) {}

  tools::ToolResult invoke(const tools::Json&, tools::ToolContext&) override {
    return tools::ToolResult::error("a managed agent is run by the Runner, not invoked directly");
  }
};

std::string step_summary(const RunResult& run) {
  std::string text = "\n\nSummary of my steps:";
  for (const auto* a : run.memory.action_steps()) {
    text += "\n- step " + std::to_string(a->number) + ": ";
    if (a->final_answer) {
      text += "final answer";
    } else if (a->error) {
      text += "error: " + *a->error;
    } else {
      for (const auto& c : a->model_output.tool_calls) text += c.name + " ";
    }
  }
  return text;
}

}  // namespace

std::shared_ptr<tools::Tool> make_managed_agent_tool(const Agent& agent) { return std::make_shared<ManagedAgentTool>(agent); }

bool is_managed_agent_tool(const tools::Tool* tool) noexcept {
  return tool != nullptr && dynamic_cast<const ManagedAgentTool*>(tool) != nullptr;
}

const Agent* find_managed_agent(const Agent& manager, std::string_view name) noexcept {
  for (const auto& m : manager.managed_agents) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

tools::ToolResult managed_agent_result(const Agent& managed, const RunResult& run) {
  if (run.status != RunStatus::completed) {
    return tools::ToolResult::error("managed agent '" + managed.name + "' did not finish (" +
                                        std::string(to_string(run.status)) + "): " + run.error +
                                        (run.output.empty() ? "" : "; last output: " + run.output),
                                    tools::ToolErrorKind::execution);
  }
  return tools::ToolResult::text(managed.return_step_summary ? run.output + step_summary(run) : run.output);
}

}  // namespace agentrace::agent::detail
