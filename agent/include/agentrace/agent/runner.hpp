// Runner: runs an Agent, traced by default.
//
// The loop (one iteration is a step):
//   1. think:   messages = memory.to_messages(); call the model with them and the tool schemas
//               (LLM errors are retried per RetryPolicy; exhausted retries end the run, failed)
//   2. decide:  the reply is a final answer (text without tool calls, or a final_answer call),
//               tool calls, or malformed (empty, bad arguments JSON): a malformed reply is
//               recorded as the step's error and shown to the model next step
//   3. act:     run the calls (concurrently when the agent allows parallel calls), results kept
//               in call order; unknown tools, bad arguments, exceptions and timeouts become
//               error observations the model sees
//   4. observe: append the step to memory; stop on a final answer, max_steps, cancellation,
//               the run timeout, or a hook that says stop
// Spans: invoke_agent {agent} > step {n} > chat {model} / decide / execute_tool {tool} >
// (invoke_agent {managed agent} | memory {operation}); see docs/tracing.md.
#pragma once

#include <any>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "agentrace/agent/agent.hpp"
#include "agentrace/base/asio.hpp"
#include "agentrace/memory/run_memory.hpp"
#include "agentrace/schema/content_policy.hpp"
#include "agentrace/tools/tool.hpp"
#include "agentrace/tracing/context.hpp"
#include "agentrace/tracing/exporter.hpp"
#include "agentrace/tracing/render.hpp"
#include "agentrace/tracing/tracer.hpp"

namespace agentrace::agent {

enum class RunStatus : std::uint8_t { completed, max_steps, cancelled, timed_out, failed };
std::string_view to_string(RunStatus status) noexcept;
// Writes to_string(status): `std::cout << result.status`.
std::ostream& operator<<(std::ostream& out, RunStatus status);

// One error the model met in a run: a failed tool call, or a step's own error.
struct RunError {
  int step = 0;        // the action step it happened in (1-based)
  std::string tool;    // the tool called; empty for the step's own error
  tools::ToolErrorKind kind = tools::ToolErrorKind::none;  // the call's; none for the step's own error
  std::string message;  // what the model was told: the observation's text, or the step's error

  friend bool operator==(const RunError&, const RunError&) = default;
};

struct RunResult {
  std::string output;  // the final answer, or the last model text when the run did not finish
  RunStatus status = RunStatus::failed;
  std::string error;   // why the run did not complete (empty when completed)
  // Every error of memory's action steps, in order: each failed tool call (an error observation)
  // and each step's own error (a reply with neither text nor tool calls; the model call that
  // failed and ended the run). Managed agents' errors stay in their runs: here a managed agent
  // that failed is the failed call of its tool.
  std::vector<RunError> errors;
  memory::RunMemory memory;          // every step
  llm::Usage usage;                  // this agent's own model calls
  llm::Usage total_usage;            // including every managed agent's, each counted once
  std::chrono::nanoseconds duration{0};
  std::string trace_id;              // hex; empty when tracing is off
  // The default tracing's file for this run (`<trace_dir>/<trace id>.jsonl`), and why it is
  // incomplete or missing: the first write that failed for it ("cannot write '...': No space left
  // on device"), or spans not yet written when run() stopped waiting for them. Empty error: every
  // span of the run is in the file. Set by run(), and by run_async() when it writes a cassette;
  // empty when the run's spans go elsewhere. A run the sampler dropped has a path but no file.
  std::filesystem::path trace_file;
  std::string trace_error;
  std::filesystem::path cassette;    // the cassette written for this run; empty when none
  int steps = 0;

  [[nodiscard]] bool ok() const noexcept { return status == RunStatus::completed; }
};

// Thrown by run()/run_async() only for framework failures (an invalid Agent: no model, a
// duplicate tool name). Everything the model or a tool does wrong is in the RunResult.
class AgentError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// What to record of prompts, completions, tool arguments and results: the span schema's policy.
using schema::ContentCapture;
using schema::ContentPolicy;

struct RetryPolicy {
  int max_attempts = 3;  // including the first
  std::chrono::milliseconds initial_backoff{200};
  double multiplier = 2.0;
  std::chrono::milliseconds max_backoff{10'000};
  // Jitter: each wait is drawn uniformly from [backoff / 2, backoff]. A server's Retry-After wins.
};

// What a hook sees and may decide.
struct HookAction {
  bool stop = false;
  std::string reason;
  static HookAction proceed() { return {}; }
  static HookAction halt(std::string why) { return {true, std::move(why)}; }
};

struct StepInfo {
  const Agent* agent = nullptr;
  int step = 0;
  const memory::ActionStep* result = nullptr;  // on_step_end only
};

struct ToolCallInfo {
  const Agent* agent = nullptr;
  int step = 0;
  const llm::ToolCall* call = nullptr;
  const tools::ToolResult* result = nullptr;  // on_tool_end only
};

// Callbacks separate from tracing, run on the run's thread. Returning halt() stops the run
// (status cancelled, error naming the hook and reason): a guardrail.
struct Hooks {
  std::function<HookAction(const StepInfo&)> on_step_start;
  std::function<HookAction(const StepInfo&)> on_step_end;
  std::function<HookAction(const ToolCallInfo&)> on_tool_start;  // halt: the call is not made
  std::function<HookAction(const ToolCallInfo&)> on_tool_end;
  std::function<HookAction(const Agent&, const llm::ChatRequest&)> on_llm_start;
  std::function<HookAction(const Agent&, const llm::ChatResponse&)> on_llm_end;
  // Each piece of reply text as it arrives, with the agent and its step number: in pieces from a
  // streaming HTTP client, in one piece per reply from the scripted and replayed models. Runs on
  // the model client's I/O thread, not the run's: it must not block, and the calls of parallel
  // agents may interleave.
  std::function<void(const Agent&, int step, std::string_view text)> on_llm_text;
};

struct RunConfig {
  std::any user_data;                    // handed to tools as ToolContext::user_data
  std::stop_token stop;                  // request_stop() cancels the run at the next wait
  tracing::SpanContext parent;           // continue this trace (e.g. from an incoming traceparent)
  // W3C baggage carried to the model servers with every request (the baggage header).
  std::shared_ptr<const tracing::Baggage> baggage;
  std::string conversation_id;           // gen_ai.conversation.id; generated when empty
  std::optional<int> max_steps;          // overrides the agent's
  std::optional<std::chrono::milliseconds> run_timeout;  // overrides the agent's
  Hooks hooks;
};

// Where spans go when the Runner is given no tracer and no global provider is enabled: one JSONL
// file per trace, `<trace_dir>/<trace id>.jsonl`, and one log line per top-level run naming it.
// How much of the trace directory the default tracing keeps. Each limit is off when unset; the
// oldest traces (by last write; a trace's cassette goes with it) are deleted until all hold.
// Applied off the run's thread after top-level runs (at most once a second) and when the Runner
// ends. Other files in the directory are left alone.
//   AGENTRACE_TRACE_RETENTION="count=500,age=7d,size=1GiB" (age in s, m, h or d; size in B, KB,
//   MB, GB, KiB, MiB or GiB), any of the three.
struct TraceRetention {
  std::optional<std::size_t> max_traces{};
  std::optional<std::chrono::seconds> max_age{};
  std::optional<std::uint64_t> max_bytes{};
  [[nodiscard]] bool limited() const noexcept { return max_traces || max_age || max_bytes; }
  // Parses the variable's syntax; an invalid part is warned about once and left unset.
  static TraceRetention parse(std::string_view text);
  static TraceRetention from_env();
};

struct DefaultTracing {
  // How often the trace files are appended to: OpenTelemetry's batch default is 5 s, but a
  // process that is killed loses what is not yet written, and a local append is cheap.
  // OTEL_BSP_SCHEDULE_DELAY, when set, wins.
  static constexpr std::chrono::milliseconds file_schedule_delay{200};

  bool enabled = true;                                  // AGENTRACE_TRACES=off disables
  std::filesystem::path trace_dir = ".agentrace/traces";  // AGENTRACE_TRACE_DIR
  TraceRetention retention = TraceRetention::from_env();  // default: everything is kept
  // Where the same spans also go, on a batch worker of their own, while the files stay (view,
  // list and replay read them): called once, when the Runner is made, with how an agent run's
  // trace is best drawn (schema::render_options()) for an exporter that prints it; null (or a
  // null result): the files alone. `otlp::collector_exporter_from_env` is the one that reads
  // OTEL_* (a collector, or the console); the Runner itself knows no exporter but the files.
  std::function<std::unique_ptr<tracing::SpanExporter>(const tracing::RenderOptions& console)> also_export{};
  static DefaultTracing from_env();
};

// Cassettes (cassette.hpp): every top-level run's model requests and replies, written at its end
// as `<dir>/<trace id>.cassette.json` so that `agentrace replay` can reproduce the run. A cassette
// holds every message in full, so it follows the content policy unless asked for:
// - unset (the default): written beside the default tracing's trace files, and only when that
//   tracing is in use and content capture is `full`;
// - true, or a `dir` given: asked for, so written in full whatever the capture (to `dir`, else
//   beside the default tracing's files; with neither there is nowhere to write, and none is);
// - false: never.
struct CassetteOptions {
  std::optional<bool> enabled;  // AGENTRACE_CASSETTES=true / false
  std::filesystem::path dir;    // AGENTRACE_CASSETTE_DIR
  static CassetteOptions from_env();
};

// What became of the spans sent to one exporter of the default tracing. Every span produced is
// exported, dropped, or (for a moment) still queued: produced >= exported + dropped.
struct ExporterStats {
  std::uint64_t produced = 0;  // spans handed to its batch processor
  std::uint64_t exported = 0;  // written (files) or accepted (a collector)
  std::uint64_t dropped = 0;   // lost: the queue was full, or the exporter failed (a full disk, a
                               // directory that cannot be written, a collector that refused them)
  std::string last_error;      // the trace files' latest write failure; empty when none
};

struct TraceStats {
  ExporterStats files;                        // the JSON Lines trace files
  std::optional<ExporterStats> also_export;   // DefaultTracing::also_export's, when there is one
};

struct RunnerOptions {
  // The tracer for every span. Unset: the global provider's when it is enabled, else the default
  // JSONL tracing below.
  std::optional<tracing::Tracer> tracer;
  DefaultTracing default_tracing = DefaultTracing::from_env();
  ContentPolicy content = ContentPolicy::from_env();
  CassetteOptions cassettes = CassetteOptions::from_env();
  RetryPolicy retry;
  // Threads for tools that need them (a timeout, or parallel calls). 0: the hardware's count.
  std::size_t tool_threads = 0;
  bool log_trace_location = true;  // log "agentrace: trace <id> written to <path>" per top-level run (default tracing)
};

class Runner {
 public:
  explicit Runner(RunnerOptions options = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Blocking: runs the agent on a private io_context in this thread.
  RunResult run(const Agent& agent, std::string task, RunConfig config = {});
  // On the caller's executor; many runs may share one io_context (and its threads). Not a
  // coroutine itself: it copies the agent, the task and the config before returning the run's
  // awaitable, so `co_await runner.run_async(agent, task)` is safe with any task (a local string,
  // a temporary, a literal) and the arguments may die before the awaitable is awaited.
  // Parameters are references because GCC 12 destroys a by-value argument (or a defaulted `= {}`
  // one) of a call inside a co_await expression twice. The same bug hits a braced temporary
  // written in the co_await expression itself (`co_await run_async(a, t, RunConfig{...})`):
  // name the RunConfig in a variable first (docs/agents.md).
  asio::awaitable<RunResult> run_async(const Agent& agent, std::string_view task);
  asio::awaitable<RunResult> run_async(const Agent& agent, std::string_view task, const RunConfig& config);
  asio::awaitable<RunResult> run_async(const Agent& agent, std::string_view task, RunConfig&& config);

  [[nodiscard]] const tracing::Tracer& tracer() const noexcept;
  // Waits until every span of finished runs has been exported (default tracing: written).
  // Thread-safe: callable while runs are in progress, e.g. from a thread that watches for
  // SIGTERM (tracing::FlushOnSignals): the spans that have ended so far are then written.
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The default tracing's counts (all zero when the Runner was given a tracer or uses the global
  // provider): how many spans were written, and how many were lost and why.
  [[nodiscard]] TraceStats trace_stats() const;


 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentrace::agent
