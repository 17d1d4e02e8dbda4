// think: one model call of a step, as a `chat {model}` span, with retries and backoff per the
// RetryPolicy (a server's Retry-After wins), cut short by the run's deadline or a stop request,
// and recorded for the cassette. Hooks on_llm_start, on_llm_end and on_llm_text run here.
// Internal to the Runner.
#pragma once

#include <optional>
#include <string>

#include "agentrace/agent/runner.hpp"
#include "agentrace/schema/writers.hpp"
#include "run_context.hpp"

namespace agentrace::agent::detail {

// The reply, or why there is none: the status the run ends with and its error.
struct ModelReply {
  std::optional<llm::ChatResponse> response;
  // What the call cost: the reply's usage, also when a hook stopped the run after the reply came
  // (the tokens were spent all the same).
  llm::Usage usage;
  RunStatus failure = RunStatus::failed;
  std::string error;
};

class ModelCaller {
 public:
  // Borrows all three: the Runner that owns them outlives every call.
  ModelCaller(const tracing::Tracer& tracer, const ContentPolicy& content, const RetryPolicy& retry)
      : tracer_(tracer), content_(content), retry_(retry) {}

  // `history`: the run's cache of a request that grows step by step; null for a one-off request.
  asio::awaitable<ModelReply> call(const AgentRun& run, const StepContext& step, const llm::ChatRequest& request,
                                   schema::MessagesJson* history) const;

 private:
  // One attempt, abandoned (not cancelled: the client may still finish it) at the deadline or a
  // stop request.
  static asio::awaitable<llm::ChatResponse> attempt(const AgentRun& run, const llm::ChatRequest& request,
                                                    const llm::CallOptions& options);

  const tracing::Tracer& tracer_;
  const ContentPolicy& content_;
  const RetryPolicy& retry_;
};

}  // namespace agentrace::agent::detail
