// decide and act, for an agent whose actions are code: the reply's fenced code block is the step's
// action (decide records its language and length, or the missing block as the step's error), and
// the program runs in the run's CodeExecutor as an `execute_code` span. Every call the program
// makes goes through the ToolCaller, exactly as a JSON tool call (validation, hooks, timeouts,
// managed agents as nested runs), its `execute_tool` span a child of `execute_code`.
// Internal to the Runner.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agentrace/code/executor.hpp"
#include "run_context.hpp"
#include "tool_calls.hpp"

namespace agentrace::agent::detail {

// One run's code actions: its interpreter, kept from step to step, and the I/O context the
// program's calls run on (made at the first call).
struct CodeRun {
  std::unique_ptr<code::CodeExecutor> executor;
  std::string system_prompt;  // the agent's instructions, then how to act by writing code
  std::unique_ptr<asio::io_context> io;
};

struct CodeStepOutcome {
  std::optional<memory::CodeAction> code;         // none when the reply had no code block
  std::vector<memory::Observation> observations;  // the calls the program made, in order
  std::optional<std::string> error;               // the step's error: no code, or the program's error
  std::optional<std::string> final_answer;
  llm::Usage managed_usage;
  std::optional<std::string> halted;  // a hook stopped the run: why
};

class CodeActions {
 public:
  // Borrows everything: the Runner that owns it outlives every call.
  CodeActions(const tracing::Tracer& tracer, const ContentPolicy& content, const ToolCaller& tool_caller)
      : tracer_(tracer), content_(content), tool_caller_(tool_caller) {}

  // The run's interpreter, with the registry's tools and managed agents as its functions.
  [[nodiscard]] CodeRun start(const Agent& agent, const tools::ToolRegistry& registry) const;

  // Decides and acts on `reply` (the model's text) in the step's span.
  [[nodiscard]] CodeStepOutcome act(const AgentRun& run, const StepContext& step, CodeRun& code_run,
                                    const std::string& reply) const;

 private:
  const tracing::Tracer& tracer_;
  const ContentPolicy& content_;
  const ToolCaller& tool_caller_;
};

}  // namespace agentrace::agent::detail
