#include "registries.hpp"

#include <cstdint>
#include <stdexcept>

#include "agentrace/agent/runner.hpp"
#include "agentrace/tools/builtin.hpp"
#include "managed_agents.hpp"

namespace agentrace::agent::detail {

std::shared_ptr<const tools::ToolRegistry> Registries::registry_for(const Agent& agent) {
  // Tools by identity (the entry holds them, so an address names one tool for as long as it is
  // cached); managed agents by what the registry takes from them (each run copies its Agent, so
  // their addresses change).
  std::string key;
  for (const auto& t : agent.tools) {
    key += std::to_string(reinterpret_cast<std::uintptr_t>(t.get()));
    key += '\x1f';
  }
  for (const auto& m : agent.managed_agents) {
    key += m.name;
    key += '\x1e';
    key += m.description;
    key += '\x1f';
  }
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) return it->second.registry;
  }
  auto registry = std::make_shared<tools::ToolRegistry>();
  try {
    bool has_final_answer = false;
    for (const auto& t : agent.tools) {
      if (!t) throw std::invalid_argument("a tool is null");
      has_final_answer = has_final_answer || t->name() == tools::final_answer_name;
      registry->add(t);
    }
    for (const auto& m : agent.managed_agents) registry->add(make_managed_agent_tool(m));
    if (!has_final_answer) registry->add(tools::make_final_answer_tool());
  } catch (const std::invalid_argument& e) {
    throw AgentError("agent '" + agent.name + "': " + e.what());
  }
  std::lock_guard lock(mutex_);
  if (entries_.size() > 256) entries_.clear();  // runs of ad-hoc agents must not grow this forever
  return entries_.emplace(std::move(key), Entry{agent.tools, std::move(registry)}).first->second.registry;
}

}  // namespace agentrace::agent::detail
