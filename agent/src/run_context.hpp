// What the parts of the Runner's loop share about the run in progress. Internal to the Runner.
#pragma once

#include <memory>
#include <stop_token>
#include <string>

#include "agentrace/agent/runner.hpp"
#include "agentrace/tools/registry.hpp"
#include "deadline.hpp"
#include "recording.hpp"

namespace agentrace::agent::detail {

// One top-level run, shared by its managed agents' nested runs.
struct RunScope {
  std::shared_ptr<const Agent> root;  // keeps the Agent (and its managed agents) alive
  std::shared_ptr<const RunConfig> config;
  std::string conversation_id;
  std::shared_ptr<Recording> recording;  // null: no cassette
};

// One agent's run, top-level (depth 0) or managed.
struct AgentRun {
  std::shared_ptr<RunScope> scope{};
  const Agent* agent = nullptr;  // owned by scope->root
  int depth = 0;
  std::stop_token stop{};
  Deadline deadline{};
  // Set when the run starts: the agent's tools, and its memory store, traced (may be null).
  std::shared_ptr<const tools::ToolRegistry> registry{};
  std::shared_ptr<memory::MemoryStore> store{};

  [[nodiscard]] const RunConfig& config() const noexcept { return *scope->config; }
};

// The step in progress: its span (parent of the step's chat, decide and tool spans) and number.
struct StepContext {
  tracing::Span& span;
  int number = 0;
};

}  // namespace agentrace::agent::detail
