// Inspection: a recorded trace read back as what the agents did, iteration by iteration.
//
// build_trace_views() turns the spans of a trace file (any order, possibly incomplete) into one
// TraceView per trace: its agent runs (invoke_agent spans), each run's iterations (step spans)
// with the model call, the decision, the tool calls and memory operations, managed agents under
// the tool call that ran them, and the trace's totals. Nothing here needs the spans to be
// complete: a missing parent or a span that never ended becomes a Gap, and the rest still shows.
//
// The renderers are pure functions from views to text (the `agentrace view` command prints them);
// to_json() is the machine-readable form (`agentrace view --json`).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agentrace/tracing/span_data.hpp"

namespace agentrace::agent::inspect {

struct Tokens {
  std::int64_t input = 0;
  std::int64_t output = 0;
  friend bool operator==(const Tokens&, const Tokens&) = default;
};

struct MemoryOpView {
  const tracing::SpanData* span = nullptr;
  std::string operation;  // put, get, remove, list, search
  std::string store;
  std::string key;
  std::string query;
  std::optional<bool> hit;
  std::optional<std::int64_t> result_count;
  bool is_error = false;
};

struct ChatView {
  const tracing::SpanData* span = nullptr;
  std::string model;
  std::string provider;
  std::string input_messages;   // gen_ai.input.messages as recorded (JSON, or truncated text)
  std::string output_messages;  // gen_ai.output.messages
  std::string output_text;      // output.value
  std::vector<std::string> finish_reasons;
  Tokens tokens;
  std::int64_t attempts = 1;
  bool is_error = false;
  std::string error;  // the status description
  std::vector<std::string> failed_attempts;  // one line per llm.attempt_failed event
};

struct DecisionView {
  std::vector<std::string> options;     // the tool names offered
  std::string action;                   // final_answer | tool_calls | malformed
  std::vector<std::string> tool_calls;  // the tools chosen
  std::string error;                    // a parse error
};

struct ToolCallView {
  const tracing::SpanData* span = nullptr;
  std::string name;
  std::string call_id;
  std::string type;  // function | agent
  std::string arguments;
  std::string result;
  bool is_error = false;
  std::string error_kind;
  std::vector<std::size_t> agent_runs;  // TraceView::runs indexes: the managed agents it ran
  std::vector<MemoryOpView> memory;     // memory operations the tool made
};

struct IterationView {
  const tracing::SpanData* span = nullptr;
  int number = 0;
  std::string action;  // final_answer | tool_calls | error (empty when the step never ended)
  std::string error;
  Tokens own;    // this step's model calls
  Tokens total;  // including managed agents run in this step
  std::vector<ChatView> chats;  // the model call (a planning call comes first when there is one)
  std::optional<DecisionView> decision;
  std::vector<ToolCallView> tools;
  std::vector<MemoryOpView> memory;  // memory operations directly under the step
};

struct AgentRunView {
  const tracing::SpanData* span = nullptr;  // null for a run whose invoke_agent span is missing
  std::string agent;
  int depth = 0;
  std::string status;  // completed, max_steps, ... (empty when the run never ended)
  std::string error;
  std::string input;   // the task (input.value)
  std::string output;  // the final answer (output.value)
  std::string model;
  Tokens own;
  Tokens total;
  std::optional<std::size_t> parent_run;  // the run whose tool call started this one
  int parent_step = 0;
  std::vector<IterationView> iterations;
};

// Something the trace lacks: a span whose parent is not in the file, or a span that never ended.
struct Gap {
  enum class Kind : std::uint8_t { missing_parent, unended };
  Kind kind = Kind::missing_parent;
  const tracing::SpanData* span = nullptr;
  std::string description;
};

struct Totals {
  std::uint64_t duration_ns = 0;  // first start to last end
  std::size_t agent_runs = 0;
  std::size_t iterations = 0;
  std::size_t model_calls = 0;
  std::size_t tool_calls = 0;
  std::size_t memory_operations = 0;
  std::size_t errors = 0;    // spans with error status
  Tokens own;                // the top-level agents' own model calls
  Tokens total;              // every model call in the trace (sum over chat spans)
  std::size_t spans = 0;
};

struct TraceView {
  std::string trace_id;
  std::vector<AgentRunView> runs;  // by start time; runs[i].parent_run < i
  std::vector<Gap> gaps;
  Totals totals;
  std::uint64_t start_unix_ns = 0;
  std::string root_name;  // the earliest local root's name (no parent, or a remote one)
  // The root agent run's status (completed, max_steps, ...); for a root that is not an agent
  // run, "completed" or "failed" from its span status; "incomplete" while the root is missing or
  // has not ended.
  std::string status;

  [[nodiscard]] bool complete() const noexcept { return gaps.empty(); }
};

// One view per trace id in `spans`, by start time. The views point into `spans`, which must
// outlive them.
std::vector<TraceView> build_trace_views(std::span<const tracing::SpanData> spans);

struct InspectRenderOptions {
  bool color = false;
  std::size_t width = 100;          // summary lines are cut to this width
  std::size_t max_value_chars = 2000;  // longer arguments/results/messages are cut in the step view
};

// Per agent run, its iterations (duration, tokens, action, errors), managed runs indented under
// the step that called them; then the totals and any gaps.
std::string render_summary(const TraceView& view, const InspectRenderOptions& options = {});

// The iterations numbered `step` of the runs of `agent` (empty: the top-level agent), each in
// full: messages given to the model, its reply, the decision, each tool call with arguments,
// result, duration and status, memory operations, child agents as a nested summary. Returns
// nullopt when no such iteration exists.
std::optional<std::string> render_iteration(const TraceView& view, int step, std::string_view agent = {},
                                            const InspectRenderOptions& options = {});

// Every model call's messages and reply, in order (filtered to one agent and/or step when given).
std::string render_messages(const TraceView& view, std::string_view agent = {}, int step = 0,
                            const InspectRenderOptions& options = {});

// The view as JSON: {trace_id, status, totals, runs: [{agent, depth, status, ..., iterations:
// [{number, action, tokens, chat, decision, tools, memory}]}], gaps}.
nlohmann::json to_json(const TraceView& view);

}  // namespace agentrace::agent::inspect
