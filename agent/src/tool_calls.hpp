// act: a step's tool calls, each an `execute_tool {tool}` span. A call the model got wrong
// (unknown tool, unusable or invalid arguments) becomes an error observation without running; a
// cheap single call runs inline; parallel calls and calls with a timeout run on the tool pool,
// where a call past its deadline (or a stop request) is abandoned with its stop token requested;
// a managed agent runs as a nested run. Observations keep the calls' order whatever finishes
// first. Hooks on_tool_start and on_tool_end run here. Internal to the Runner.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agentrace/agent/runner.hpp"
#include "run_context.hpp"

namespace agentrace::agent::detail {

// The threads tools that need them run on, made at the first such call.
class ToolPool {
 public:
  explicit ToolPool(std::size_t threads) : threads_(threads) {}
  ~ToolPool();  // waits for every call still running (abandoned ones included)
  ToolPool(const ToolPool&) = delete;
  ToolPool& operator=(const ToolPool&) = delete;

  asio::thread_pool& get();

 private:
  std::size_t threads_;  // 0: the hardware's count, at least 2
  std::mutex mutex_;
  std::unique_ptr<asio::thread_pool> pool_;
};

struct ToolCallsOutcome {
  std::vector<memory::Observation> observations;  // one per call, in call order
  std::vector<tools::Json> results;               // each call's result as a value (a code action's program reads it)
  llm::Usage managed_usage;                       // what managed agents run here spent in all
  std::optional<std::string> halted;              // a hook stopped the run: why
};

// Runs `managed` for `task` as a nested run of `child` (depth, stop token and deadline set),
// its spans under `parent` (the manager's execute_tool span): the Runner's loop.
using RunManagedAgent =
    std::function<asio::awaitable<RunResult>(AgentRun child, std::string task, tracing::SpanContext parent)>;

class ToolCaller {
 public:
  // Borrows everything: the Runner that owns it outlives every call.
  ToolCaller(const tracing::Tracer& tracer, const ContentPolicy& content, ToolPool& pool, RunManagedAgent run_managed)
      : tracer_(tracer), content_(content), pool_(pool), run_managed_(std::move(run_managed)) {}

  asio::awaitable<ToolCallsOutcome> call(const AgentRun& run, const StepContext& step,
                                         const std::vector<llm::ToolCall>& calls) const;

 private:
  const tracing::Tracer& tracer_;
  const ContentPolicy& content_;
  ToolPool& pool_;
  RunManagedAgent run_managed_;
};

}  // namespace agentrace::agent::detail
