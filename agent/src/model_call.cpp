#include "model_call.hpp"

#include <random>

#include "agentrace/base/saturating.hpp"
#include "agentrace/tracing/log.hpp"
#include "waiter.hpp"

namespace agentrace::agent::detail {

namespace tr = agentrace::tracing;

asio::awaitable<llm::ChatResponse> ModelCaller::attempt(const AgentRun& run, const llm::ChatRequest& request,
                                                        const llm::CallOptions& options) {
  const Agent& agent = *run.agent;
  const std::stop_token& stop = run.stop;
  if (!stop.stop_possible() && !run.deadline.bounded()) {
    co_return co_await agent.model->complete(request, options);  // nothing can cut it short
  }
  // Run the call beside this coroutine so a deadline or a stop request can end the wait.
  auto executor = co_await asio::this_coro::executor;
  auto waiter = std::make_shared<Waiter>(executor);
  struct Slot {
    llm::ChatRequest request;  // the call may outlive this coroutine (deadline): it owns a copy
    bool done = false;
    std::exception_ptr error;
    llm::ChatResponse response;
  };
  auto slot = std::make_shared<Slot>();
  slot->request = request;
  std::stop_callback on_stop(stop, [waiter] { waiter->notify(); });
  auto call = agent.model->complete(slot->request, options);
  asio::co_spawn(executor, std::move(call),
                 [slot, weak_waiter = std::weak_ptr<Waiter>(waiter), model = agent.model](std::exception_ptr e,
                                                                                         llm::ChatResponse r) {
                   slot->done = true;  // on the strand, like every reader of the slot
                   slot->error = e;
                   slot->response = std::move(r);
                   if (auto w = weak_waiter.lock()) w->notify();
                 });
  while (!slot->done) {
    if (stop.stop_requested()) throw llm::LlmError(llm::LlmErrorKind::cancelled, "the run was cancelled");
    if (run.deadline.passed()) throw llm::LlmError(llm::LlmErrorKind::timeout, "the run timed out waiting for the model");
    co_await waiter->wait_until(run.deadline);
  }
  if (slot->error) std::rethrow_exception(slot->error);
  co_return std::move(slot->response);
}

asio::awaitable<ModelReply> ModelCaller::call(const AgentRun& run, const StepContext& step_context,
                                              const llm::ChatRequest& request, schema::MessagesJson* history) const {
  const Agent& agent = *run.agent;
  const RunConfig& config = run.config();
  const int step = step_context.number;
  ModelReply reply;
  tr::Span span = schema::start_chat_span(tracer_, step_context.span, request, *agent.model, content_, history);
  if (config.hooks.on_llm_start) {
    if (auto action = config.hooks.on_llm_start(agent, request); action.stop) {
      reply.error = "stopped by on_llm_start hook: " + action.reason;
      reply.failure = RunStatus::cancelled;
      span.set_status(tr::StatusCode::error, reply.error);
      co_return reply;
    }
  }

  const RetryPolicy& retry = retry_;
  auto backoff = retry.initial_backoff;
  thread_local std::minstd_rand jitter_rng{std::random_device{}()};
  // Streamed text goes to the hook with a copy of the agent, made once for all attempts: a call cut
  // short by the run's deadline may still stream after this coroutine has gone.
  std::function<void(std::string_view)> on_text;
  if (config.hooks.on_llm_text) {
    on_text = [hook = config.hooks.on_llm_text, self = std::make_shared<const Agent>(agent), step](std::string_view text) {
      hook(*self, step, text);
    };
  }
  for (int attempt = 1;; ++attempt) {
    llm::CallOptions call_options;
    call_options.parent = span.context();
    call_options.baggage = config.baggage;
    call_options.on_text = on_text;
    std::chrono::milliseconds wait{0};  // set when the attempt failed and another one follows
    try {
      llm::ChatResponse response = co_await ModelCaller::attempt(run, request, call_options);
      if (run.scope->recording) run.scope->recording->add(agent, step, request, response);
      schema::record_chat_response(span, response, attempt, content_);
      reply.usage = response.usage;
      if (config.hooks.on_llm_end) {
        if (auto action = config.hooks.on_llm_end(agent, response); action.stop) {
          reply.error = "stopped by on_llm_end hook: " + action.reason;
          reply.failure = RunStatus::cancelled;
          co_return reply;
        }
      }
      reply.response = std::move(response);
      co_return reply;
    } catch (const llm::LlmError& e) {
      if (run.scope->recording && e.kind() != llm::LlmErrorKind::cancelled) run.scope->recording->add(agent, step, request, e);
      schema::record_chat_attempt_failed(span, attempt, e);
      const bool cancelled = e.kind() == llm::LlmErrorKind::cancelled;
      const bool timed_out = e.kind() == llm::LlmErrorKind::timeout && run.deadline.passed();
      if (cancelled || timed_out || !e.retryable() || attempt >= retry.max_attempts) {
        schema::record_chat_failed(span, attempt, e);
        reply.failure = cancelled ? RunStatus::cancelled : timed_out ? RunStatus::timed_out : RunStatus::failed;
        reply.error = "model call failed after " + std::to_string(attempt) + " attempt(s): " + e.what();
        co_return reply;
      }
      wait = e.retry_after().value_or(std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(
          backoff.count() / 2, std::max<std::int64_t>(backoff.count() / 2, backoff.count()))(jitter_rng)));
      // A slow or silent server is not silent to the person waiting: each retry is a log line.
      tr::logger()->info("agentrace: agent '{}' step {}: model call attempt {} of {} failed ({}); retrying in {} ms",
                         agent.name, step, attempt, retry.max_attempts, e.what(), wait.count());
      // Saturating: a multiplier of 1e300 must not make the cast undefined.
      backoff = std::min(retry.max_backoff, std::chrono::milliseconds(base::saturating_int64(
                                                static_cast<double>(backoff.count()) * retry.multiplier)));
    } catch (const std::exception& e) {
      // Not a model error: a bug in the client. Not retried; the run fails with a clear message.
      span.record_exception(e, true).set_status(tr::StatusCode::error, e.what());
      reply.failure = RunStatus::failed;
      reply.error = std::string("model client failed: ") + e.what();
      co_return reply;
    }
    // Backing off before the next attempt (C++ forbids co_await inside a catch block).
    auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    std::stop_callback on_stop(run.stop, [waiter] { waiter->notify(); });
    co_await waiter->wait_until(run.deadline.min(Deadline::after(wait)));
  }
}

}  // namespace agentrace::agent::detail
