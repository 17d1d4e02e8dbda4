#include "tool_calls.hpp"

#include <algorithm>
#include <thread>

#include "agentrace/schema/writers.hpp"
#include "managed_agents.hpp"
#include "waiter.hpp"

namespace agentrace::agent::detail {

namespace tr = agentrace::tracing;
using Clock = std::chrono::steady_clock;

namespace {

std::uint64_t elapsed_ns(Clock::time_point since) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count());
}

// One call's outcome, shared with whatever computes it off the run's coroutine (a pool thread,
// a managed agent's run). `abandoned` is set when the run stops waiting (timeout, cancellation):
// a late result is then dropped instead of touching a run that has moved on.
struct CallState {
  std::mutex mutex;
  bool done = false;
  bool abandoned = false;
  tools::ToolResult result;
  std::optional<RunResult> agent_result;
  std::stop_source stop;
};

}  // namespace

ToolPool::~ToolPool() {
  std::lock_guard lock(mutex_);
  if (pool_) pool_->join();
}

asio::thread_pool& ToolPool::get() {
  std::lock_guard lock(mutex_);
  if (!pool_) {
    const std::size_t n = threads_ != 0 ? threads_ : std::max(2u, std::thread::hardware_concurrency());
    pool_ = std::make_unique<asio::thread_pool>(n);
  }
  return *pool_;
}

asio::awaitable<ToolCallsOutcome> ToolCaller::call(const AgentRun& run, const StepContext& step_context,
                                                   const std::vector<llm::ToolCall>& calls) const {
  const RunConfig& config = run.config();
  const Agent& agent = *run.agent;
  const auto& registry = run.registry;
  const auto& store = run.store;
  const std::stop_token& stop = run.stop;
  const int step = step_context.number;
  const std::size_t n = calls.size();
  ToolCallsOutcome outcome;
  std::vector<memory::Observation>& observations = outcome.observations;
  std::optional<std::string>& halted = outcome.halted;
  observations.resize(n);
  outcome.results.resize(n);
  std::vector<tr::Span> spans(n);
  std::vector<std::shared_ptr<CallState>> states(n);
  std::vector<Deadline> call_deadlines(n, run.deadline);
  std::vector<Clock::time_point> started(n, Clock::now());
  std::vector<bool> finished(n, false);
  const bool concurrent = agent.parallel_tool_calls && n > 1;
  auto executor = co_await asio::this_coro::executor;
  auto waiter = std::make_shared<Waiter>(executor);

  auto finish = [&](std::size_t i, tools::ToolResult result) {
    memory::Observation& o = observations[i];
    o.content = result.to_text();
    o.is_error = result.is_error;
    o.error_kind = result.is_error ? result.error_kind : tools::ToolErrorKind::none;
    o.duration_ns = elapsed_ns(started[i]);
    tr::Span& span = spans[i];
    schema::record_tool_result(span, result, o.content, content_);
    span.end();
    finished[i] = true;
    if (config.hooks.on_tool_end) {
      ToolCallInfo info{&agent, step, &calls[i], &result};
      if (auto action = config.hooks.on_tool_end(info); action.stop && !halted) {
        halted = "stopped by on_tool_end hook: " + action.reason;
      }
    }
    outcome.results[i] = std::move(result.content);
  };

  // Start every call (or run it, when it is cheap to run right here).
  for (std::size_t i = 0; i < n; ++i) {
    const llm::ToolCall& call = calls[i];
    memory::Observation& o = observations[i];
    o.call_id = call.id;
    o.tool_name = call.name;
    o.arguments = call.arguments;
    started[i] = Clock::now();
    const tools::Tool* tool = registry->find(call.name);
    const bool is_agent = is_managed_agent_tool(tool);
    tr::Span& span = spans[i];
    span = schema::start_tool_span(tracer_, step_context.span, call, tool, is_agent, content_);
    if (halted) {
      finish(i, tools::ToolResult::error("not run: " + *halted, tools::ToolErrorKind::cancelled));
      continue;
    }
    if (config.hooks.on_tool_start) {
      ToolCallInfo info{&agent, step, &call, nullptr};
      if (auto action = config.hooks.on_tool_start(info); action.stop) {
        halted = "stopped by on_tool_start hook: " + action.reason;
        finish(i, tools::ToolResult::error("not run: " + *halted, tools::ToolErrorKind::cancelled));
        continue;
      }
    }
    if (call.raw_arguments) {
      finish(i, tools::ToolResult::error("invalid arguments for tool '" + call.name + "': " +
                                             llm::raw_arguments_problem(*call.raw_arguments) + ": " + *call.raw_arguments,
                                         tools::ToolErrorKind::invalid_arguments));
      continue;
    }
    if (auto problem = registry->check(call.name, call.arguments)) {
      finish(i, std::move(*problem));
      continue;
    }

    std::optional<std::chrono::milliseconds> timeout = agent.tool_timeout;
    if (tool->timeout()) timeout = tool->timeout();
    if (timeout) call_deadlines[i] = run.deadline.min(Deadline::after(*timeout));

    if (is_agent) {
      // A managed agent: a nested run on this strand, its spans under this execute_tool span.
      auto state = std::make_shared<CallState>();
      states[i] = state;
      std::stop_callback forward(stop, [state] { state->stop.request_stop(); });
      AgentRun child{.scope = run.scope,
                     .agent = find_managed_agent(agent, call.name),
                     .depth = run.depth + 1,
                     .stop = state->stop.get_token(),
                     .deadline = call_deadlines[i]};
      auto sub = run_managed_(std::move(child), call.arguments.at("task").get<std::string>(), span.context());
      if (!concurrent) {
        RunResult r = co_await std::move(sub);
        state->agent_result = std::move(r);
        state->done = true;
      } else {
        asio::co_spawn(executor, std::move(sub), [state, weak_waiter = std::weak_ptr<Waiter>(waiter)](std::exception_ptr e, RunResult r) {
          std::lock_guard lock(state->mutex);
          if (state->abandoned) return;
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              r.status = RunStatus::failed;
              r.error = ex.what();
            }
          }
          state->agent_result = std::move(r);
          state->done = true;
          if (auto w = weak_waiter.lock()) w->notify();
        });
      }
      continue;
    }

    tools::ToolContext context;
    context.call_id = call.id;
    context.agent_name = agent.name;
    context.span = span.context();
    context.user_data = &config.user_data;
    context.memory = store.get();
    if (!concurrent && !timeout) {
      // Cheap path: run here, with the span current so the tool's own spans nest under it.
      tools::ToolResult result;
      {
        tr::Scope current(context.span);
        result = registry->execute(call.name, call.arguments, context);  // checked above
      }
      finish(i, std::move(result));
      continue;
    }
    // On the pool: concurrently with the other calls, and abandonable at its deadline.
    auto state = std::make_shared<CallState>();
    states[i] = state;
    context.stop = state->stop.get_token();
    asio::post(pool_.get(), [state, weak_waiter = std::weak_ptr<Waiter>(waiter), registry, scope = run.scope, store,
                             name = call.name, args = call.arguments, context = std::move(context)]() mutable {
      tools::ToolResult result;
      {
        tr::Scope current(context.span);
        result = registry->execute(name, args, context);  // checked above
      }
      std::lock_guard lock(state->mutex);
      if (state->abandoned) return;  // the run stopped waiting; its io_context may be gone
      state->result = std::move(result);
      state->done = true;
      if (auto w = weak_waiter.lock()) w->notify();  // the run still waits: its context is alive
    });
  }

  // Wait for what runs elsewhere; whatever passes its deadline (or a stop request) is abandoned.
  std::stop_callback on_stop(stop, [waiter] { waiter->notify(); });
  for (;;) {
    bool pending = false;
    Deadline earliest = run.deadline;
    for (std::size_t i = 0; i < n; ++i) {
      if (finished[i] || !states[i]) continue;
      CallState& s = *states[i];
      std::unique_lock lock(s.mutex);
      if (s.done) {
        lock.unlock();
        if (s.agent_result) {
          RunResult& r = *s.agent_result;
          outcome.managed_usage += r.total_usage;
          finish(i, managed_agent_result(*find_managed_agent(agent, calls[i].name), r));
        } else {
          finish(i, std::move(s.result));
        }
        continue;
      }
      const bool cancelled = stop.stop_requested();
      if (cancelled || call_deadlines[i].passed()) {
        s.abandoned = true;
        s.stop.request_stop();
        lock.unlock();
        const bool run_over = run.deadline.passed();
        finish(i, cancelled ? tools::ToolResult::error("cancelled: the run was cancelled", tools::ToolErrorKind::cancelled)
                            : tools::ToolResult::error(run_over ? "timed out: the run's time ran out"
                                                                : "timed out: the tool did not answer in time",
                                                       tools::ToolErrorKind::timeout));
        continue;
      }
      pending = true;
      earliest = earliest.min(call_deadlines[i]);
    }
    if (!pending) break;
    co_await waiter->wait_until(earliest);
  }
  co_return outcome;
}

}  // namespace agentrace::agent::detail
