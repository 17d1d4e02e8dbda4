#include "agentrace/agent/runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "agentrace/agent/cassette.hpp"
#include "agentrace/agent/conventions.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/otlp/otlp_exporter.hpp"
#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/registry.hpp"
#include "agentrace/tracing/env.hpp"
#include "content_json.hpp"
#include "traced_store.hpp"
#include "waiter.hpp"

namespace agentrace::agent {

namespace tr = agentrace::tracing;
using Clock = std::chrono::steady_clock;
using detail::Waiter;

namespace {

// Far enough to mean "no deadline" without overflowing the timer's arithmetic.
Clock::time_point no_deadline() { return Clock::now() + std::chrono::hours(24 * 365); }

std::uint64_t elapsed_ns(Clock::time_point since) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count());
}

// A managed agent, as its manager's model sees it. The Runner runs it itself (asynchronously, as
// a nested run); the registry only uses its schema to validate the call.
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

// The stable identifier of an agent definition, for gen_ai.agent.id.
std::string agent_id(const Agent& agent) {
  const std::size_t h = std::hash<std::string>{}(agent.name + '\x1f' + agent.instructions + '\x1f' + agent.model_name);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016zx", h);
  return agent.name + "-" + buf;
}

std::string random_conversation_id() {
  return tr::TraceId::random().hex();
}

void set_usage(tr::Span& span, const llm::Usage& own, const llm::Usage& total) {
  span.set_attribute(attr::own_input_tokens, own.input_tokens)
      .set_attribute(attr::own_output_tokens, own.output_tokens)
      .set_attribute(attr::total_input_tokens, total.input_tokens)
      .set_attribute(attr::total_output_tokens, total.output_tokens);
}

std::string exception_type_for(tools::ToolErrorKind kind) {
  switch (kind) {
    case tools::ToolErrorKind::unknown_tool:
    case tools::ToolErrorKind::invalid_arguments: return "agentrace.ToolCallError";
    case tools::ToolErrorKind::timeout: return "agentrace.ToolTimeoutError";
    case tools::ToolErrorKind::cancelled: return "agentrace.ToolCancelledError";
    case tools::ToolErrorKind::execution:
    case tools::ToolErrorKind::none: break;
  }
  return "agentrace.ToolExecutionError";
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

// ---------------------------------------------------------------------------------------------

struct Runner::Impl {
  RunnerOptions options;
  tr::Tracer tracer;
  std::shared_ptr<tr::TracerProvider> default_provider;  // set when the default JSONL tracing is used
  tr::SpanProcessor* trace_files = nullptr;  // default_provider's processor for the trace files
  std::filesystem::path cassette_dir;  // empty: no cassettes
  std::mutex pool_mutex;
  std::unique_ptr<asio::thread_pool> pool;
  std::mutex registry_mutex;
  std::map<std::string, std::shared_ptr<const tools::ToolRegistry>> registries;

  explicit Impl(RunnerOptions o) : options(std::move(o)) {
    if (options.tracer) {
      tracer = *options.tracer;
    } else if (auto global = tr::global_provider(); global->enabled()) {
      tracer = global->tracer("agentrace.agent", AGENTRACE_VERSION);
    } else if (options.default_tracing.enabled) {
      std::vector<std::unique_ptr<tr::SpanProcessor>> processors;
      processors.push_back(tr::make_batch_processor(std::make_unique<formats::TraceDirectoryExporter>(options.default_tracing.trace_dir)));
      trace_files = processors.back().get();  // owned by default_provider from here on
      // OTEL_TRACES_EXPORTER=otlp|console sends the same spans there too, on a batch worker of
      // its own (jsonl and none: the files alone). With OTEL_TRACES_EXPORTER unset, an OTLP
      // endpoint alone asks for OTLP, as in the OpenTelemetry SDKs, whose default exporter is
      // otlp, and as backends' guides say. The files stay: view, list and replay read them.
      const auto name = tr::env_string("OTEL_TRACES_EXPORTER");
      const bool endpoint_set = tr::env_string("OTEL_EXPORTER_OTLP_ENDPOINT") || tr::env_string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
      if (name ? *name != "jsonl" && *name != "none" : endpoint_set) {
        if (auto exporter = otlp::make_exporter_from_env()) processors.push_back(tr::make_batch_processor(std::move(exporter)));
      }
      default_provider = tr::TracerProvider::from_env(processors.size() == 1 ? std::move(processors.front())
                                                                                : tr::make_multi_processor(std::move(processors)));
      tracer = default_provider->tracer("agentrace.agent", AGENTRACE_VERSION);
    }
    if (options.cassettes.enabled) {
      if (!options.cassettes.dir.empty()) {
        cassette_dir = options.cassettes.dir;
      } else if (default_provider && options.content.mode != ContentCapture::off) {
        cassette_dir = options.default_tracing.trace_dir;
      }
    }
  }

  asio::thread_pool& tool_pool() {
    std::lock_guard lock(pool_mutex);
    if (!pool) {
      std::size_t n = options.tool_threads != 0 ? options.tool_threads : std::max(2u, std::thread::hardware_concurrency());
      pool = std::make_unique<asio::thread_pool>(n);
    }
    return *pool;
  }

  // The agent's tools plus final_answer and its managed agents, validated once per distinct set.
  std::shared_ptr<const tools::ToolRegistry> registry_for(const Agent& agent) {
    // Tools by identity (they are shared_ptrs the user keeps); managed agents by what the
    // registry takes from them (each run copies its Agent, so their addresses change).
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
      std::lock_guard lock(registry_mutex);
      if (auto it = registries.find(key); it != registries.end()) return it->second;
    }
    auto registry = std::make_shared<tools::ToolRegistry>();
    try {
      bool has_final_answer = false;
      for (const auto& t : agent.tools) {
        if (!t) throw std::invalid_argument("a tool is null");
        has_final_answer = has_final_answer || t->name() == tools::final_answer_name;
        registry->add(t);
      }
      for (const auto& m : agent.managed_agents) registry->add(std::make_shared<ManagedAgentTool>(m));
      if (!has_final_answer) registry->add(tools::make_final_answer_tool());
    } catch (const std::invalid_argument& e) {
      throw AgentError("agent '" + agent.name + "': " + e.what());
    }
    std::lock_guard lock(registry_mutex);
    if (registries.size() > 256) registries.clear();  // runs of ad-hoc agents must not grow this forever
    return registries.emplace(std::move(key), std::move(registry)).first->second;
  }

  // The agent and every managed agent below it, tools included, before anything runs: a
  // managed agent with a duplicate or invalid tool name is the same AgentError up front, whether
  // it would have been called alone or in parallel.
  void validate(const Agent& agent, int depth) {
    if (depth > 16) throw AgentError("managed agents nest deeper than 16 levels (a cycle?)");
    if (agent.name.empty()) throw AgentError("an agent needs a name");
    if (!agent.model) throw AgentError("agent '" + agent.name + "' has no model");
    if (agent.max_steps < 1) throw AgentError("agent '" + agent.name + "': max_steps must be at least 1");
    (void)registry_for(agent);  // cached: the run looks the same registry up again
    for (const auto& m : agent.managed_agents) validate(m, depth + 1);
  }

  // Every model call of a top-level run, in order, for its cassette.
  struct Recording {
    std::mutex mutex;
    std::vector<CassetteCall> calls;
    void add(const Agent& agent, int step, const llm::ChatRequest& request, const llm::ChatResponse* response,
             const llm::LlmError* error) {
      CassetteCall c;
      c.agent = agent.name;
      c.step = step;
      c.call.request = request;
      if (response != nullptr) c.call.response = *response;
      if (error != nullptr) c.call.error = *error;
      std::lock_guard lock(mutex);
      calls.push_back(std::move(c));
    }
  };

  struct RunScope {
    std::shared_ptr<const Agent> root;  // keeps the Agent (and its managed agents) alive
    std::shared_ptr<const RunConfig> config;
    std::string conversation_id;
    std::shared_ptr<Recording> recording;  // null: no cassette
  };

  // run_async's body: takes its arguments by value (the public overloads copy or move them) and
  // is not a coroutine, so nothing the caller passed is needed once it returns.
  asio::awaitable<RunResult> start(const Agent& agent, std::string task, RunConfig config);

  // Writes the run's cassette beside its trace; a failure is logged, never thrown.
  void write_cassette(const RunScope& scope, const std::string& task, RunResult& result) const;

  asio::awaitable<RunResult> run_agent(std::shared_ptr<RunScope> scope, const Agent& agent, std::string task,
                                       tr::SpanContext parent, int depth, std::stop_token stop,
                                       Clock::time_point deadline);

  asio::awaitable<std::optional<llm::ChatResponse>> think(const Agent& agent, const llm::ChatRequest& request,
                                                          tr::Span& step_span, int step, RunScope& scope,
                                                          std::stop_token stop, Clock::time_point deadline,
                                                          RunStatus& failure, std::string& error,
                                                          detail::GrowingMessagesJson* input_json = nullptr);

  asio::awaitable<llm::ChatResponse> call_model(const Agent& agent, const llm::ChatRequest& request, llm::CallOptions options,
                                                std::stop_token stop, Clock::time_point deadline);

  asio::awaitable<std::vector<memory::Observation>> act(std::shared_ptr<RunScope> scope, const Agent& agent,
                                                        const std::vector<llm::ToolCall>& calls,
                                                        std::shared_ptr<const tools::ToolRegistry> registry,
                                                        tr::Span& step_span, int step, int depth,
                                                        std::shared_ptr<memory::MemoryStore> store, std::stop_token stop,
                                                        Clock::time_point deadline, llm::Usage& managed_usage,
                                                        std::optional<std::string>& halted);
};

// ---------------------------------------------------------------------------------------------
// think: one model call, with retries, as a `chat {model}` span.

asio::awaitable<llm::ChatResponse> Runner::Impl::call_model(const Agent& agent, const llm::ChatRequest& request,
                                                            llm::CallOptions options, std::stop_token stop,
                                                            Clock::time_point deadline) {
  if (!stop.stop_possible() && deadline >= Clock::now() + std::chrono::hours(24 * 300)) {
    co_return co_await agent.model->complete(request, std::move(options));  // nothing can cut it short
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
  auto call = agent.model->complete(slot->request, std::move(options));
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
    if (Clock::now() >= deadline) throw llm::LlmError(llm::LlmErrorKind::timeout, "the run timed out waiting for the model");
    co_await waiter->wait_until(deadline);
  }
  if (slot->error) std::rethrow_exception(slot->error);
  co_return std::move(slot->response);
}

asio::awaitable<std::optional<llm::ChatResponse>> Runner::Impl::think(const Agent& agent, const llm::ChatRequest& request,
                                                                      tr::Span& step_span, int step, RunScope& scope,
                                                                      std::stop_token stop, Clock::time_point deadline,
                                                                      RunStatus& failure, std::string& error,
                                                                      detail::GrowingMessagesJson* input_json) {
  const RunConfig& config = *scope.config;
  tr::Span span = tracer.start_span("chat " + request.model, {.parent = step_span, .kind = tr::SpanKind::client});
  if (span.is_recording()) {
    span.set_attribute(attr::operation_name, "chat")
        .set_attribute(attr::provider_name, agent.model->provider())
        .set_attribute(attr::request_model, request.model)
        .set_attribute(attr::span_kind, span_kind::llm)
        .set_attribute(attr::llm_model_name, request.model)
        .set_attribute(attr::llm_provider, agent.model->provider());
    if (request.temperature) span.set_attribute(attr::request_temperature, *request.temperature);
    if (request.max_tokens) span.set_attribute(attr::request_max_tokens, *request.max_tokens);
    if (request.seed) span.set_attribute(attr::request_seed, *request.seed);
    if (!request.stop.empty()) span.set_attribute(attr::request_stop_sequences, request.stop);
    if (auto server = agent.model->server()) {
      span.set_attribute(attr::server_address, server->address).set_attribute(attr::server_port, server->port);
    }
    if (options.content.mode != ContentCapture::off) {
      // The history under both conventions' names. A growing request's JSON is kept between
      // calls (input_json), a one-off request's (planning) written whole.
      std::string whole;
      const std::string& messages = input_json != nullptr ? input_json->update(request.messages)
                                                          : (whole = detail::messages_json(request.messages));
      options.content.record(span, {attr::input_messages, attr::input_value}, messages);
      span.set_attribute(attr::input_mime_type, "application/json");
    }
  }
  if (config.hooks.on_llm_start) {
    if (auto action = config.hooks.on_llm_start(agent, request); action.stop) {
      error = "stopped by on_llm_start hook: " + action.reason;
      failure = RunStatus::cancelled;
      span.set_status(tr::StatusCode::error, error);
      co_return std::nullopt;
    }
  }

  const RetryPolicy& retry = options.retry;
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
      llm::ChatResponse response = co_await call_model(agent, request, std::move(call_options), stop, deadline);
      if (scope.recording) scope.recording->add(agent, step, request, &response, nullptr);
      span.set_attribute(attr::llm_attempts, attempt)
          .set_attribute(attr::response_model, response.model)
          .set_attribute(attr::usage_input_tokens, response.usage.input_tokens)
          .set_attribute(attr::usage_output_tokens, response.usage.output_tokens)
          .set_attribute(attr::llm_token_prompt, response.usage.input_tokens)
          .set_attribute(attr::llm_token_completion, response.usage.output_tokens)
          .set_attribute(attr::llm_token_total, response.usage.total_tokens)
          .set_attribute(attr::response_finish_reasons, std::vector<std::string>{response.finish_reason});
      if (response.usage.cached_input_tokens != 0) {
        span.set_attribute(attr::usage_cache_read_input_tokens, response.usage.cached_input_tokens);
      }
      if (!response.id.empty()) span.set_attribute(attr::response_id, response.id);
      if (span.is_recording() && options.content.mode != ContentCapture::off) {
        options.content.record(span, {attr::output_messages}, detail::message_json(response.message));
        options.content.record(span, {attr::output_value}, response.message.content);
      }
      if (config.hooks.on_llm_end) {
        if (auto action = config.hooks.on_llm_end(agent, response); action.stop) {
          error = "stopped by on_llm_end hook: " + action.reason;
          failure = RunStatus::cancelled;
          co_return std::nullopt;
        }
      }
      co_return response;
    } catch (const llm::LlmError& e) {
      if (scope.recording && e.kind() != llm::LlmErrorKind::cancelled) scope.recording->add(agent, step, request, nullptr, &e);
      span.add_event("llm.attempt_failed", {{"attempt", attempt},
                                            {"error.type", std::string(llm::to_string(e.kind()))},
                                            {"http.response.status_code", e.http_status()},
                                            {"message", e.what()}});
      const bool cancelled = e.kind() == llm::LlmErrorKind::cancelled;
      const bool timed_out = e.kind() == llm::LlmErrorKind::timeout && Clock::now() >= deadline;
      if (cancelled || timed_out || !e.retryable() || attempt >= retry.max_attempts) {
        span.set_attribute(attr::llm_attempts, attempt)
            .set_attribute(attr::error_type, std::string(llm::to_string(e.kind())))
            .record_exception("agentrace.LlmError." + std::string(llm::to_string(e.kind())), e.what())
            .set_status(tr::StatusCode::error, e.what());
        failure = cancelled ? RunStatus::cancelled : timed_out ? RunStatus::timed_out : RunStatus::failed;
        error = "model call failed after " + std::to_string(attempt) + " attempt(s): " + e.what();
        co_return std::nullopt;
      }
      wait = e.retry_after().value_or(std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(
          backoff.count() / 2, std::max<std::int64_t>(backoff.count() / 2, backoff.count()))(jitter_rng)));
      backoff = std::min(retry.max_backoff, std::chrono::milliseconds(static_cast<std::int64_t>(
                                                static_cast<double>(backoff.count()) * retry.multiplier)));
    } catch (const std::exception& e) {
      // Not a model error: a bug in the client. Not retried; the run fails with a clear message.
      span.record_exception(e, true).set_status(tr::StatusCode::error, e.what());
      failure = RunStatus::failed;
      error = std::string("model client failed: ") + e.what();
      co_return std::nullopt;
    }
    // Backing off before the next attempt (C++ forbids co_await inside a catch block).
    auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    std::stop_callback on_stop(stop, [waiter] { waiter->notify(); });
    co_await waiter->wait_until(std::min(deadline, Clock::now() + wait));
  }
}

// ---------------------------------------------------------------------------------------------
// act: the step's tool calls, each an `execute_tool {tool}` span.

asio::awaitable<std::vector<memory::Observation>> Runner::Impl::act(
    std::shared_ptr<RunScope> scope, const Agent& agent, const std::vector<llm::ToolCall>& calls,
    std::shared_ptr<const tools::ToolRegistry> registry, tr::Span& step_span, int step, int depth,
    std::shared_ptr<memory::MemoryStore> store, std::stop_token stop, Clock::time_point deadline,
    llm::Usage& managed_usage, std::optional<std::string>& halted) {
  const RunConfig& config = *scope->config;
  const std::size_t n = calls.size();
  std::vector<memory::Observation> observations(n);
  std::vector<tr::Span> spans(n);
  std::vector<std::shared_ptr<CallState>> states(n);
  std::vector<Clock::time_point> call_deadlines(n, deadline);
  std::vector<Clock::time_point> started(n, Clock::now());
  std::vector<bool> finished(n, false);
  const bool concurrent = agent.parallel_tool_calls && n > 1;
  auto executor = co_await asio::this_coro::executor;
  auto waiter = std::make_shared<Waiter>(executor);

  auto finish = [&](std::size_t i, tools::ToolResult result) {
    memory::Observation& o = observations[i];
    o.content = result.to_text();
    o.is_error = result.is_error;
    o.error_kind = result.is_error ? std::string(tools::to_string(result.error_kind)) : std::string();
    o.duration_ns = elapsed_ns(started[i]);
    tr::Span& span = spans[i];
    if (span.is_recording()) {
      options.content.record(span, {attr::output_value, attr::tool_call_result}, o.content);
      if (result.is_error) {
        span.set_attribute(attr::tool_error_kind, o.error_kind)
            .set_attribute(attr::error_type, exception_type_for(result.error_kind))
            .record_exception(exception_type_for(result.error_kind), o.content)
            .set_status(tr::StatusCode::error, o.content);
      }
    }
    span.end();
    finished[i] = true;
    if (config.hooks.on_tool_end) {
      ToolCallInfo info{&agent, step, &calls[i], &result};
      if (auto action = config.hooks.on_tool_end(info); action.stop && !halted) {
        halted = "stopped by on_tool_end hook: " + action.reason;
      }
    }
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
    const bool is_agent = tool != nullptr && dynamic_cast<const ManagedAgentTool*>(tool) != nullptr;
    tr::Span& span = spans[i];
    span = tracer.start_span("execute_tool " + call.name, {.parent = step_span});
    if (span.is_recording()) {
      span.set_attribute(attr::operation_name, "execute_tool")
          .set_attribute(attr::tool_name, call.name)
          .set_attribute(attr::tool_call_id, call.id)
          .set_attribute(attr::tool_type, is_agent ? "agent" : "function")
          .set_attribute(attr::span_kind, span_kind::tool)
          .set_attribute(attr::oi_tool_name, call.name);
      if (tool != nullptr) span.set_attribute(attr::tool_description, tool->description());
      if (options.content.mode != ContentCapture::off) {
        const std::string arguments = call.raw_arguments ? *call.raw_arguments : detail::json_text(call.arguments);
        options.content.record(span, {attr::input_value, attr::tool_call_arguments}, arguments);
      }
    }
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
    if (timeout) call_deadlines[i] = std::min(deadline, Clock::now() + *timeout);

    if (is_agent) {
      // A managed agent: a nested run on this strand, its spans under this execute_tool span.
      const Agent* managed = nullptr;
      for (const auto& m : agent.managed_agents) {
        if (m.name == call.name) managed = &m;
      }
      auto state = std::make_shared<CallState>();
      states[i] = state;
      std::stop_callback forward(stop, [state] { state->stop.request_stop(); });
      auto sub = run_agent(scope, *managed, call.arguments.at("task").get<std::string>(), span.context(), depth + 1,
                           state->stop.get_token(), call_deadlines[i]);
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
    asio::post(tool_pool(), [state, weak_waiter = std::weak_ptr<Waiter>(waiter), registry, scope, store,
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
    Clock::time_point earliest = deadline;
    for (std::size_t i = 0; i < n; ++i) {
      if (finished[i] || !states[i]) continue;
      CallState& s = *states[i];
      std::unique_lock lock(s.mutex);
      if (s.done) {
        lock.unlock();
        if (s.agent_result) {
          RunResult& r = *s.agent_result;
          managed_usage += r.total_usage;
          std::string text = r.output;
          {
            for (const auto& m : agent.managed_agents) {
              if (m.name == calls[i].name && m.return_step_summary) {
                text += "\n\nSummary of my steps:";
                for (const auto* a : r.memory.action_steps()) {
                  text += "\n- step " + std::to_string(a->number) + ": ";
                  if (a->final_answer) {
                    text += "final answer";
                  } else if (a->error) {
                    text += "error: " + *a->error;
                  } else {
                    for (const auto& c : a->model_output.tool_calls) text += c.name + " ";
                  }
                }
              }
            }
          }
          if (r.status == RunStatus::completed) {
            finish(i, tools::ToolResult::text(std::move(text)));
          } else {
            finish(i, tools::ToolResult::error("managed agent '" + calls[i].name + "' did not finish (" +
                                                   std::string(to_string(r.status)) + "): " + r.error +
                                                   (r.output.empty() ? "" : "; last output: " + r.output),
                                               tools::ToolErrorKind::execution));
          }
        } else {
          finish(i, std::move(s.result));
        }
        continue;
      }
      const bool cancelled = stop.stop_requested();
      if (cancelled || Clock::now() >= call_deadlines[i]) {
        s.abandoned = true;
        s.stop.request_stop();
        lock.unlock();
        const bool run_over = Clock::now() >= deadline;
        finish(i, cancelled ? tools::ToolResult::error("cancelled: the run was cancelled", tools::ToolErrorKind::cancelled)
                            : tools::ToolResult::error(run_over ? "timed out: the run's time ran out"
                                                                : "timed out: the tool did not answer in time",
                                                       tools::ToolErrorKind::timeout));
        continue;
      }
      pending = true;
      earliest = std::min(earliest, call_deadlines[i]);
    }
    if (!pending) break;
    co_await waiter->wait_until(earliest);
  }
  co_return observations;
}

// ---------------------------------------------------------------------------------------------
// The loop.

asio::awaitable<RunResult> Runner::Impl::run_agent(std::shared_ptr<RunScope> scope, const Agent& agent,
                                                   std::string task, tr::SpanContext parent, int depth,
                                                   std::stop_token stop, Clock::time_point deadline) {
  const RunConfig& config = *scope->config;
  const auto started = Clock::now();
  RunResult result;
  result.memory = memory::RunMemory(agent.instructions);
  result.memory.add(memory::TaskStep{task});
  auto registry = registry_for(agent);
  std::shared_ptr<memory::MemoryStore> store;
  if (agent.memory_store) store = std::make_shared<detail::TracedMemoryStore>(agent.memory_store, tracer, options.content);

  tr::Span span = tracer.start_span("invoke_agent " + agent.name,
                                    {.parent = parent.valid() ? tr::Parent(parent) : tr::Parent::none()});
  if (span.is_recording()) {
    span.set_attribute(attr::operation_name, "invoke_agent")
        .set_attribute(attr::agent_name, agent.name)
        .set_attribute(attr::agent_id, agent_id(agent))
        .set_attribute(attr::conversation_id, scope->conversation_id)
        .set_attribute(attr::provider_name, agent.model->provider())
        .set_attribute(attr::request_model, agent.model_name.empty() ? agent.model->default_model() : agent.model_name)
        .set_attribute(attr::span_kind, span_kind::agent)
        .set_attribute(attr::oi_agent_name, agent.name)
        .set_attribute(attr::agent_depth, depth);
    if (!agent.description.empty()) span.set_attribute(attr::agent_description, agent.description);
    options.content.record(span, {attr::input_value}, task);
    if (!agent.instructions.empty()) options.content.record(span, {attr::system_instructions}, agent.instructions);
  }
  if (span.context().valid()) result.trace_id = span.context().trace_id.hex();

  const int max_steps = depth == 0 && config.max_steps ? *config.max_steps : agent.max_steps;
  llm::Usage managed_total;  // managed agents' usage, each counted once
  result.status = RunStatus::max_steps;
  std::string last_text;

  llm::ChatRequest request;
  request.model = agent.model_name.empty() ? agent.model->default_model() : agent.model_name;
  request.tools = registry->schemas();
  request.temperature = agent.temperature;
  request.max_tokens = agent.max_tokens;
  std::size_t converted = 0;  // memory steps already in request.messages
  detail::GrowingMessagesJson input_json;  // gen_ai.input.messages of `request`, grown with it

  for (int n = 1;; ++n) {
    if (n > max_steps) {
      result.status = RunStatus::max_steps;
      result.error = "reached max_steps (" + std::to_string(max_steps) + ") without a final answer";
      break;
    }
    if (stop.stop_requested()) {
      result.status = RunStatus::cancelled;
      result.error = "the run was cancelled";
      break;
    }
    if (Clock::now() >= deadline) {
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
    tr::Span step_span = tracer.start_span("step " + std::to_string(n), {.parent = span});
    step_span.set_attribute(attr::span_kind, span_kind::chain).set_attribute(attr::step_number, n);
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
      RunStatus failure = RunStatus::failed;
      std::string error;
      auto reply = co_await think(agent, plan_request, step_span, n, *scope, stop, deadline, failure, error);
      if (!reply) {
        result.status = failure;
        result.error = error;
        step_span.set_status(tr::StatusCode::error, error);
        break;
      }
      plan.plan = reply->message.content;
      plan.usage = reply->usage;
      plan.end_unix_ns = tr::now_unix_ns();
      result.usage += reply->usage;
      step.usage += reply->usage;
      result.memory.add(std::move(plan));
    }

    // 1. think (the request grows by the new steps' messages only)
    converted = result.memory.append_messages(request.messages, converted);
    RunStatus failure = RunStatus::failed;
    std::string error;
    auto reply = co_await think(agent, request, step_span, n, *scope, stop, deadline, failure, error, &input_json);
    if (!reply) {
      result.status = failure;
      result.error = error;
      step.error = error;
      step.end_unix_ns = tr::now_unix_ns();
      step_span.set_attribute(attr::step_action, "error").set_status(tr::StatusCode::error, error);
      set_usage(step_span, step.usage, step.usage);
      result.memory.add(std::move(step));
      break;
    }
    step.model_output = reply->message;
    step.usage += reply->usage;
    result.usage += reply->usage;
    if (!reply->message.content.empty()) last_text = reply->message.content;

    // 2. decide
    std::optional<std::string> final_answer;
    {
      tr::Span decide = tracer.start_span("decide", {.parent = step_span});
      if (decide.is_recording()) decide.set_attribute(attr::span_kind, span_kind::chain).set_attribute(attr::decision_options, registry->names());
      const auto& calls = reply->message.tool_calls;
      if (calls.empty()) {
        if (reply->message.content.empty()) {
          step.error = "the reply has neither text nor tool calls; answer with a tool call, or with text for the final answer";
          decide.set_attribute(attr::decision_action, "malformed")
              .set_attribute(attr::decision_error, *step.error)
              .record_exception("agentrace.AgentParsingError", *step.error)
              .set_status(tr::StatusCode::error, *step.error);
        } else {
          final_answer = reply->message.content;
          decide.set_attribute(attr::decision_action, "final_answer");
        }
      } else {
        std::vector<std::string> names;
        for (const auto& c : calls) names.push_back(c.name);
        decide.set_attribute(attr::decision_action, "tool_calls").set_attribute(attr::decision_tool_calls, names);
        std::vector<std::string> bad;
        for (const auto& c : calls) {
          if (c.raw_arguments) bad.push_back(c.name);
        }
        if (!bad.empty()) {
          std::string what = "arguments of ";
          for (std::size_t i = 0; i < bad.size(); ++i) what += (i ? ", " : "") + bad[i];
          what += " are not valid JSON or nest too deep";
          decide.set_attribute(attr::decision_error, what);
        }
      }
    }

    // 3. act
    if (!reply->message.tool_calls.empty()) {
      std::optional<std::string> halted;
      step.observations = co_await act(scope, agent, reply->message.tool_calls, registry, step_span, n, depth, store,
                                       stop, deadline, step_managed, halted);
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

    // 4. observe
    step.end_unix_ns = tr::now_unix_ns();
    if (final_answer) step.final_answer = final_answer;
    step_span.set_attribute(attr::step_action, final_answer ? "final_answer"
                                               : step.error  ? "error"
                                                             : "tool_calls");
    set_usage(step_span, step.usage, step.usage + step_managed);
    const bool halted_now = result.status == RunStatus::cancelled && !result.error.empty();
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
  if (span.is_recording()) {
    span.set_attribute(attr::run_status, to_string(result.status)).set_attribute(attr::run_steps, result.steps);
    set_usage(span, result.usage, result.total_usage);
    if (!result.output.empty()) options.content.record(span, {attr::output_value}, result.output);
    if (result.status != RunStatus::completed) {
      span.set_attribute(attr::error_type, "agentrace.Run." + std::string(to_string(result.status)))
          .set_status(tr::StatusCode::error, result.error);
    }
  }
  co_return result;
}

void Runner::Impl::write_cassette(const RunScope& scope, const std::string& task, RunResult& result) const {
  Cassette cassette;
  cassette.trace_id = result.trace_id;
  cassette.task = task;
  cassette.root_agent = scope.root->name;
  cassette.status = std::string(to_string(result.status));
  cassette.output = result.output;
  cassette.agents = Cassette::describe(*scope.root);
  {
    std::lock_guard lock(scope.recording->mutex);
    cassette.calls = std::move(scope.recording->calls);
  }
  const std::string stem = result.trace_id.empty() ? "untraced-" + scope.conversation_id : result.trace_id;
  const auto path = cassette_dir / (stem + ".cassette.json");
  try {
    cassette.save(path);
    result.cassette = path;
  } catch (const std::exception& e) {
    spdlog::warn("agentrace: cannot write the run's cassette: {}", e.what());
  }
}

// ---------------------------------------------------------------------------------------------

Runner::Runner(RunnerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Runner::~Runner() {
  if (impl_->pool) impl_->pool->join();
  if (impl_->default_provider) impl_->default_provider->shutdown(std::chrono::seconds(5));
}

const tr::Tracer& Runner::tracer() const noexcept { return impl_->tracer; }

bool Runner::flush(std::chrono::milliseconds timeout) {
  if (impl_->default_provider) return impl_->default_provider->force_flush(timeout);
  if (auto global = tr::global_provider(); global->enabled()) return global->force_flush(timeout);
  return true;
}

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
  auto scope = std::make_shared<RunScope>();
  scope->root = std::make_shared<const Agent>(agent);
  scope->conversation_id = config.conversation_id.empty() ? random_conversation_id() : config.conversation_id;
  const auto deadline_limit = config.run_timeout ? config.run_timeout : agent.run_timeout;
  const auto deadline = deadline_limit ? Clock::now() + *deadline_limit : no_deadline();
  std::stop_token stop = config.stop;
  tr::SpanContext parent = config.parent;
  scope->config = std::make_shared<const RunConfig>(std::move(config));
  if (!cassette_dir.empty()) scope->recording = std::make_shared<Recording>();
  Impl* impl = this;
  // Every run's coroutine executes on a strand of the caller's executor: its nested runs and the
  // completions posted from the tool pool are then serialised with it, also on a multi-threaded
  // io_context.
  return [](Impl* impl, std::shared_ptr<RunScope> scope, std::string task, tr::SpanContext parent,
            std::stop_token stop, Clock::time_point deadline) -> asio::awaitable<RunResult> {
    auto strand = asio::make_strand(co_await asio::this_coro::executor);
    std::string recorded_task = scope->recording ? task : std::string();
    RunResult result = co_await asio::co_spawn(
        strand, impl->run_agent(scope, *scope->root, std::move(task), parent, 0, stop, deadline), asio::use_awaitable);
    if (scope->recording) impl->write_cassette(*scope, recorded_task, result);
    co_return result;
  }(impl, std::move(scope), std::move(task), std::move(parent), std::move(stop), deadline);
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
  if (impl_->trace_files != nullptr && !result->trace_id.empty()) {
    impl_->trace_files->force_flush(std::chrono::seconds(5));
    if (impl_->options.log_trace_location) {
      spdlog::info("agentrace: trace {} written to {}", result->trace_id,
                   (impl_->options.default_tracing.trace_dir / (result->trace_id + ".jsonl")).string());
    }
  }
  return std::move(*result);
}

}  // namespace agentrace::agent
