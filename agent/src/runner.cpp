// The Runner: the loop of runner.hpp's header comment, think -> decide -> act -> observe, one
// iteration per step. Each part lives in a file of its own behind a small interface:
//   model_call      think: the model call with retries, backoff, deadline and hooks (chat span)
//   tool_calls      act: tool calls inline, in parallel or on the pool, timeouts, cancellation,
//                   managed agents as nested runs (execute_tool spans)
//   managed_agents  a managed agent as a tool, and its run as the manager's observation
//   code_actions    decide and act for a code agent: the reply's program in the run's sandbox
//                   (execute_code span), its calls through tool_calls
//   registries      each agent's validated tool registry, cached
//   recording       the cassette of a top-level run
//   default_tracing where spans and cassettes go
// Spans are written only through the span schema (agentrace/schema/writers.hpp).
#include "agentrace/agent/runner.hpp"

#include "agentrace/tracing/log.hpp"

#include "agentrace/schema/writers.hpp"
#include "agentrace/tools/builtin.hpp"
#include "code_actions.hpp"
#include "default_tracing.hpp"
#include "model_call.hpp"
#include "registries.hpp"
#include "run_context.hpp"
#include "tool_calls.hpp"
#include "traced_store.hpp"
#include "waiter.hpp"

namespace agentrace::agent {

namespace tr = agentrace::tracing;
using Clock = std::chrono::steady_clock;

namespace {

// The stable identifier of an agent definition, for gen_ai.agent.id.
std::string agent_id(const Agent& agent) {
  const std::size_t h = std::hash<std::string>{}(agent.name + '\x1f' + agent.instructions + '\x1f' + agent.model_name);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016zx", h);
  return agent.name + "-" + buf;
}

std::string random_conversation_id() { return tr::TraceId::random().hex(); }

// RunResult::errors gets a step's errors as the step enters memory.
void collect_errors(const memory::ActionStep& step, std::vector<RunError>& errors) {
  if (step.error) errors.push_back(RunError{step.number, {}, tools::ToolErrorKind::none, *step.error});
  for (const auto& o : step.observations) {
    if (o.is_error) errors.push_back(RunError{step.number, o.tool_name, o.error_kind, o.content});
  }
}

}  // namespace

struct Runner::Impl {
  RunnerOptions options;
  detail::RunnerTracing tracing;
  detail::Registries registries;
  detail::ToolPool pool;  // declared after tracing: joined before the default tracing shuts down
  detail::ModelCaller model_caller;
  detail::ToolCaller tool_caller;
  detail::CodeActions code_actions;

  explicit Impl(RunnerOptions o)
      : options(std::move(o)),
        tracing(options),
        pool(options.tool_threads),
        model_caller(tracing.tracer(), options.content, options.retry),
        tool_caller(tracing.tracer(), options.content, pool,
                    [this](detail::AgentRun child, std::string task, tr::SpanContext parent) {
                      return run_agent(std::move(child), std::move(task), std::move(parent));
                    }),
        code_actions(tracing.tracer(), options.content, tool_caller) {}

  [[nodiscard]] const tr::Tracer& tracer() const noexcept { return tracing.tracer(); }

  // The agent and every managed agent below it, tools included, before anything runs: a
  // managed agent with a duplicate or invalid tool name is the same AgentError up front, whether
  // it would have been called alone or in parallel.
  void validate(const Agent& agent, int depth) {
    if (depth > 16) throw AgentError("managed agents nest deeper than 16 levels (a cycle?)");
    if (agent.name.empty()) throw AgentError("an agent needs a name");
    if (!agent.model) throw AgentError("agent '" + agent.name + "' has no model");
    if (agent.max_steps < 1) throw AgentError("agent '" + agent.name + "': max_steps must be at least 1");
    (void)registries.registry_for(agent);  // cached: the run looks the same registry up again
    for (const auto& m : agent.managed_agents) validate(m, depth + 1);
  }

  // run_async's body: takes its arguments by value (the public overloads copy or move them) and
  // is not a coroutine, so nothing the caller passed is needed once it returns.
  asio::awaitable<RunResult> start(const Agent& agent, std::string task, RunConfig config);

  // One agent's run, top-level or managed: the loop.
  asio::awaitable<RunResult> run_agent(detail::AgentRun run, std::string task, tr::SpanContext parent);
  // The top-level run's cassette, on the run's strand, once its trace file is complete.
  asio::awaitable<void> record_cassette(const detail::RunScope& scope, const std::string& task, RunResult& result);
};

// ---------------------------------------------------------------------------------------------
// The loop.

asio::awaitable<RunResult> Runner::Impl::run_agent(detail::AgentRun run, std::string task, tr::SpanContext parent) {
  const Agent& agent = *run.agent;
  const RunConfig& config = run.config();
  const auto started = Clock::now();
  RunResult result;
  run.registry = registries.registry_for(agent);
  // A code agent's tools are functions of its interpreter (kept for the whole run), described in
  // its system prompt rather than offered to the model as tools.
  std::optional<detail::CodeRun> code_run;
  if (agent.actions == Actions::code) code_run = code_actions.start(agent, *run.registry);
  result.memory = memory::RunMemory(code_run ? code_run->system_prompt : agent.instructions);
  result.memory.add(memory::TaskStep{task});
  if (agent.memory_store) run.store = std::make_shared<detail::TracedMemoryStore>(agent.memory_store, tracer(), options.content);
  const tools::ToolRegistry& registry = *run.registry;

  // What the agent span says of the agent (computed only when tracing is on: it costs a hash).
  const bool traced = tracer().enabled();
  const std::string id = traced ? agent_id(agent) : std::string();
  const std::string model = agent.model_name.empty() ? agent.model->default_model() : agent.model_name;
  const std::string provider = traced ? agent.model->provider() : std::string();
  tr::Span span = schema::start_agent_span(tracer(), parent,
                                           {.name = agent.name,
                                            .id = id,
                                            .description = agent.description,
                                            .instructions = agent.instructions,
                                            .provider = provider,
                                            .model = model,
                                            .conversation_id = run.scope->conversation_id,
                                            .depth = run.depth},
                                           task, options.content);
  if (span.context().valid()) result.trace_id = span.context().trace_id.hex();

  const int max_steps = run.depth == 0 && config.max_steps ? *config.max_steps : agent.max_steps;
  llm::Usage managed_total;  // managed agents' usage, each counted once
  result.status = RunStatus::max_steps;
  std::string last_text;

  llm::ChatRequest request;
  request.model = model;
  if (!code_run) request.tools = registry.schemas();
  request.temperature = agent.temperature;
  request.max_tokens = agent.max_tokens;
  std::size_t converted = 0;  // memory steps already in request.messages
  schema::MessagesJson input_json;  // gen_ai.input.messages of `request`, grown with it

  for (int n = 1;; ++n) {
    if (n > max_steps) {
      result.status = RunStatus::max_steps;
      result.error = "reached max_steps (" + std::to_string(max_steps) + ") without a final answer";
      break;
    }
    if (run.stop.stop_requested()) {
      result.status = RunStatus::cancelled;
      result.error = "the run was cancelled";
      break;
    }
    if (run.deadline.passed()) {
      result.status = RunStatus::timed_out;
      result.error = "the run timed out";
      break;
    }
    if (config.hooks.on_step_start) {
      if (auto action = config.hooks.on_step_start(StepInfo{&agent, n, nullptr}); action.stop) {
        result.status = RunStatus::cancelled;
        result.error = "stopped by on_step_start hook: " + action.reason;
        break;
      }
    }

    memory::ActionStep step;
    step.number = n;
    step.start_unix_ns = tr::now_unix_ns();
    tr::Span step_span = schema::start_step_span(tracer(), span, n);
    const detail::StepContext step_context{step_span, n};
    llm::Usage step_managed;

    // Planning: a model call without tools, before step 1 and every planning_interval steps.
    if (agent.planning_interval && *agent.planning_interval > 0 && (n - 1) % *agent.planning_interval == 0) {
      llm::ChatRequest plan_request;
      plan_request.model = agent.model_name.empty() ? agent.model->default_model() : agent.model_name;
      plan_request.messages = result.memory.to_messages();
      plan_request.messages.push_back(llm::Message::user(
          "Before acting, write a short plan: the facts you have, the facts you need, and the steps to take."));
      memory::PlanningStep plan;
      plan.start_unix_ns = tr::now_unix_ns();
      auto planned = co_await model_caller.call(run, step_context, plan_request, nullptr);
      result.usage += planned.usage;
      step.usage += planned.usage;
      if (!planned.response) {
        result.status = planned.failure;
        result.error = planned.error;
        schema::end_step_span(step_span, "error", step.usage, step.usage, planned.error);
        break;
      }
      plan.plan = planned.response->message.content;
      plan.usage = planned.usage;
      plan.end_unix_ns = tr::now_unix_ns();
      result.memory.add(std::move(plan));
    }

    // 1. think (the request grows by the new steps' messages only)
    converted = result.memory.append_messages(request.messages, converted);
    auto thought = co_await model_caller.call(run, step_context, request, &input_json);
    step.usage += thought.usage;  // also when a hook stopped the run after the reply
    result.usage += thought.usage;
    if (!thought.response) {
      result.status = thought.failure;
      result.error = thought.error;
      step.error = thought.error;
      step.end_unix_ns = tr::now_unix_ns();
      schema::end_step_span(step_span, "error", step.usage, step.usage, thought.error);
      collect_errors(step, result.errors);
      result.memory.add(std::move(step));
      break;
    }
    const auto& reply = thought.response;
    step.model_output = reply->message;
    if (!reply->message.content.empty()) last_text = reply->message.content;

    std::optional<std::string> final_answer;
    if (code_run) {
      // 2. decide and 3. act, for a code agent: the reply's program, run
      auto acted = code_actions.act(run, step_context, *code_run, reply->message.content);
      step.code = std::move(acted.code);
      step.observations = std::move(acted.observations);
      step.error = std::move(acted.error);
      final_answer = std::move(acted.final_answer);
      step_managed = acted.managed_usage;
      managed_total += step_managed;
      if (acted.halted) {
        result.status = RunStatus::cancelled;
        result.error = *acted.halted;
      }
    } else {
      // 2. decide
      {
        tr::Span decide = schema::start_decide_span(tracer(), step_span, registry.names());
        const auto& calls = reply->message.tool_calls;
        if (!calls.empty()) {
          schema::record_tool_calls(decide, calls);
        } else if (!reply->message.content.empty()) {
          final_answer = reply->message.content;
          schema::record_final_answer(decide);
        } else {
          step.error = "the reply has neither text nor tool calls; answer with a tool call, or with text for the final answer";
          schema::record_malformed_reply(decide, *step.error);
        }
      }

      // 3. act
      if (!reply->message.tool_calls.empty()) {
        auto acted = co_await tool_caller.call(run, step_context, reply->message.tool_calls);
        step.observations = std::move(acted.observations);
        step_managed = acted.managed_usage;
        const auto& halted = acted.halted;
        for (std::size_t i = 0; i < step.observations.size(); ++i) {
          const auto& call = reply->message.tool_calls[i];
          const auto& o = step.observations[i];
          if (call.name == tools::final_answer_name && !o.is_error && !final_answer) final_answer = o.content;
        }
        if (halted) {
          result.status = RunStatus::cancelled;
          result.error = *halted;
        }
        managed_total += step_managed;
      }
    }

    // 4. observe
    step.end_unix_ns = tr::now_unix_ns();
    if (final_answer) step.final_answer = final_answer;
    schema::end_step_span(step_span, final_answer ? "final_answer" : step.error ? "error" : code_run ? "code" : "tool_calls",
                          step.usage, step.usage + step_managed);
    const bool halted_now = result.status == RunStatus::cancelled && !result.error.empty();
    collect_errors(step, result.errors);
    result.memory.add(std::move(step));
    const auto& added = std::get<memory::ActionStep>(result.memory.steps().back());  // the hook sees it in memory
    if (config.hooks.on_step_end && !halted_now) {
      if (auto action = config.hooks.on_step_end(StepInfo{&agent, n, &added}); action.stop) {
        result.status = RunStatus::cancelled;
        result.error = "stopped by on_step_end hook: " + action.reason;
      }
    }
    if (final_answer) {
      result.output = *final_answer;
      result.status = RunStatus::completed;
      result.error.clear();
      result.memory.add(memory::FinalAnswerStep{*final_answer});
      break;
    }
    if (result.status == RunStatus::cancelled && !result.error.empty()) break;
  }

  if (result.status != RunStatus::completed && result.output.empty()) result.output = last_text;
  result.total_usage = result.usage + managed_total;
  result.steps = static_cast<int>(result.memory.action_steps().size());
  result.duration = Clock::now() - started;
  schema::end_agent_span(span,
                         {.status = to_string(result.status),
                          .steps = result.steps,
                          .own = result.usage,
                          .total = result.total_usage,
                          .output = result.output,
                          .error = result.error},
                         options.content);
  co_return result;
}

Runner::Runner(RunnerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Runner::~Runner() = default;  // the tool pool joins, then the default tracing shuts down

const tr::Tracer& Runner::tracer() const noexcept { return impl_->tracer(); }

bool Runner::flush(std::chrono::milliseconds timeout) { return impl_->tracing.flush(timeout); }

TraceStats Runner::trace_stats() const { return impl_->tracing.stats(); }

asio::awaitable<RunResult> Runner::run_async(const Agent& agent, std::string_view task) {
  return impl_->start(agent, std::string(task), RunConfig());
}

asio::awaitable<RunResult> Runner::run_async(const Agent& agent, std::string_view task, const RunConfig& config) {
  return impl_->start(agent, std::string(task), RunConfig(config));
}

asio::awaitable<RunResult> Runner::run_async(const Agent& agent, std::string_view task, RunConfig&& config) {
  return impl_->start(agent, std::string(task), std::move(config));
}

asio::awaitable<RunResult> Runner::Impl::start(const Agent& agent, std::string task, RunConfig config) {
  // Copies taken here, before the first suspension: the caller's Agent and config may be gone by
  // the time the run resumes.
  validate(agent, 0);
  auto scope = std::make_shared<detail::RunScope>();
  scope->root = std::make_shared<const Agent>(agent);
  scope->conversation_id = config.conversation_id.empty() ? random_conversation_id() : config.conversation_id;
  detail::AgentRun run{.scope = scope,
                       .agent = scope->root.get(),
                       .depth = 0,
                       .stop = config.stop,
                       .deadline = detail::Deadline::after(config.run_timeout ? config.run_timeout : agent.run_timeout)};
  tr::SpanContext parent = config.parent;
  scope->config = std::make_shared<const RunConfig>(std::move(config));
  if (!tracing.cassette_dir().empty()) scope->recording = std::make_shared<detail::Recording>();
  // Every run's coroutine executes on a strand of the caller's executor: its nested runs and the
  // completions posted from the tool pool are then serialised with it, also on a multi-threaded
  // io_context.
  return [](Impl* impl, detail::AgentRun run, std::string task, tr::SpanContext parent) -> asio::awaitable<RunResult> {
    auto strand = asio::make_strand(co_await asio::this_coro::executor);
    const auto scope = run.scope;
    std::string recorded_task = scope->recording ? task : std::string();
    RunResult result =
        co_await asio::co_spawn(strand, impl->run_agent(std::move(run), std::move(task), parent), asio::use_awaitable);
    if (scope->recording) {
      auto recording = asio::co_spawn(strand, impl->record_cassette(*scope, recorded_task, result), asio::use_awaitable);
      co_await std::move(recording);
    }
    impl->tracing.apply_retention_soon(impl->pool.get());
    co_return result;
  }(this, std::move(run), std::move(task), std::move(parent));
}

asio::awaitable<void> Runner::Impl::record_cassette(const detail::RunScope& scope, const std::string& task,
                                                    RunResult& result) {
  if (!tracing.writes_trace_files() || result.trace_id.empty()) {
    scope.recording->write(tracing.cassette_dir(), *scope.root, task, scope.conversation_id, result);
    co_return;
  }
  // A cassette never stands without its trace: its trace file is flushed first, and only then is
  // the cassette written (whole, by a rename), so a process that dies in between leaves a trace
  // without its cassette, not a cassette that points at nothing. Both block, so they run on the
  // pool while the run's strand waits.
  struct Pending {
    std::mutex mutex;
    bool done = false;
    bool flushed = false;
    std::filesystem::path cassette;
  };
  auto pending = std::make_shared<Pending>();
  auto waiter = std::make_shared<detail::Waiter>(co_await asio::this_coro::executor);
  RunResult described;  // what the cassette records of the result
  described.trace_id = result.trace_id;
  described.status = result.status;
  described.output = result.output;
  asio::post(pool.get(), [this, pending, weak_waiter = std::weak_ptr<detail::Waiter>(waiter), recording = scope.recording,
                          root = scope.root, task, conversation_id = scope.conversation_id,
                          described = std::move(described)]() mutable {
    const bool flushed = tracing.flush_trace_files(std::chrono::seconds(5));
    recording->write(tracing.cassette_dir(), *root, task, conversation_id, described);
    std::lock_guard lock(pending->mutex);
    pending->flushed = flushed;
    pending->cassette = described.cassette;
    pending->done = true;
    if (auto w = weak_waiter.lock()) w->notify();  // the run waits for this: its context is alive
  });
  for (;;) {
    {
      std::lock_guard lock(pending->mutex);
      if (pending->done) break;
    }
    co_await waiter->wait_until(detail::Deadline{});
  }
  result.cassette = pending->cassette;
  tracing.describe_trace_file(result, pending->flushed);
}

RunResult Runner::run(const Agent& agent, std::string task, RunConfig config) {
  // One io_context per thread, reused from run to run: making one costs an epoll instance, an
  // eventfd and a timerfd, a third of a short untraced run (bench/agent_loop: 33 to 22 us). A run started from inside a run on
  // this thread (a tool that runs an agent synchronously) gets a fresh one, so the outer run's
  // handlers never execute inside the inner run() call.
  thread_local std::optional<asio::io_context> reused;
  thread_local int depth = 0;
  std::optional<asio::io_context> fresh;
  if (depth > 0) fresh.emplace();
  if (!fresh && !reused) reused.emplace();
  asio::io_context& io = fresh ? *fresh : *reused;
  io.restart();
  ++depth;
  struct Leave {
    int& depth;
    ~Leave() { --depth; }
  } leave{depth};
  std::optional<RunResult> result;
  std::exception_ptr error;
  asio::co_spawn(io, impl_->start(agent, std::move(task), std::move(config)), [&](std::exception_ptr e, RunResult r) {
    error = e;
    result = std::move(r);
  });
  try {
    io.run();
  } catch (...) {
    if (!fresh) reused.reset();  // handlers may be left in it: the next run starts on a new one
    throw;
  }
  if (error) std::rethrow_exception(error);
  // The trace file is complete when run() returns; a collector (OTEL_TRACES_EXPORTER) is left to
  // its batch worker: the agent's thread never waits on export (flush() or the Runner's
  // destruction waits for it).
  if (impl_->tracing.writes_trace_files() && !result->trace_id.empty()) {
    // A cassette is written only once the trace file is flushed (record_cassette): then the file
    // is complete already, and a second wait for the worker would only cost a wake-up.
    if (result->cassette.empty()) impl_->tracing.describe_trace_file(*result, impl_->tracing.flush_trace_files(std::chrono::seconds(5)));
    if (impl_->options.log_trace_location) {
      if (result->trace_error.empty()) {
        tracing::logger()->info("agentrace: trace {} written to {}", result->trace_id, result->trace_file.string());
      } else {  // the failure itself was logged as a warning when it happened
        tracing::logger()->info("agentrace: trace {} is incomplete in {}: {}", result->trace_id,
                                result->trace_file.string(), result->trace_error);
      }
    }
  }
  return std::move(*result);
}

}  // namespace agentrace::agent
