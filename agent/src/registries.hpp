// The tool registry of each agent: its tools, its managed agents as tools, and final_answer,
// validated and with their schemas compiled once per distinct set rather than once per run.
// Internal to the Runner.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agentrace/agent/agent.hpp"
#include "agentrace/tools/registry.hpp"

namespace agentrace::agent::detail {

class Registries {
 public:
  // Throws AgentError for an invalid set (a null tool, a duplicate or invalid name).
  std::shared_ptr<const tools::ToolRegistry> registry_for(const Agent& agent);

 private:
  struct Entry {
    std::vector<tools::ToolPtr> tools;  // kept alive, so no other tool can take their addresses
    std::shared_ptr<const tools::ToolRegistry> registry;
  };
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace agentrace::agent::detail
