// Inspection: a recorded trace read back as what the agents did, iteration by iteration.
//
// build_trace_views() turns the spans of a trace file (any order, possibly incomplete) into one
// TraceView per trace: its agent runs (invoke_agent spans), each run's iterations (step spans)
// with the model call, the decision, the tool calls and memory operations, managed agents under
// the tool call that ran them, and the trace's totals. Nothing here needs the spans to be
// complete: a missing parent or a span that never ended becomes a Gap, and the rest still shows.
//
// text.hpp renders the model for a terminal (`agentrace view`), json.hpp as JSON
// (`agentrace view --json`, the browser UI).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/schema/readers.hpp"
#include "agentrace/tracing/span_data.hpp"

namespace agentrace::inspect {

using schema::Tokens;

// Each view is what the span schema reads from one span (schema/readers.hpp), with the span
// itself and what inspection adds from the tree around it.

struct MemoryOpView : schema::MemoryRecord {
  const tracing::SpanData* span = nullptr;
};

struct ChatView : schema::ChatRecord {
  const tracing::SpanData* span = nullptr;
};

using DecisionView = schema::DecisionRecord;

struct ToolCallView : schema::ToolRecord {
  const tracing::SpanData* span = nullptr;
  std::vector<std::size_t> agent_runs;  // TraceView::runs indexes: the managed agents it ran
  std::vector<MemoryOpView> memory;     // memory operations the tool made
};

// A code action's program (execute_code); the calls it made are the iteration's tools.
struct CodeView : schema::CodeRecord {
  const tracing::SpanData* span = nullptr;
};

struct IterationView : schema::StepRecord {
  const tracing::SpanData* span = nullptr;
  std::vector<ChatView> chats;  // the model call (a planning call comes first when there is one)
  std::optional<DecisionView> decision;
  std::optional<CodeView> code;     // a code agent's step: its program, output and error
  std::vector<ToolCallView> tools;  // the tool calls (a code step's: the calls its program made)
  std::vector<MemoryOpView> memory;  // memory operations directly under the step
};

struct AgentRunView : schema::AgentRecord {
  const tracing::SpanData* span = nullptr;  // null for a run whose invoke_agent span is missing
  std::optional<std::size_t> parent_run;  // the run whose tool call started this one
  int parent_step = 0;
  std::vector<IterationView> iterations;
};

// Something the trace lacks: a span whose parent is not in the file, a span that never ended, or
// a chain of parents that loops back to where it started (no writer does that, but a file can
// hold it). A loop is cut above its earliest span, which is then shown as if it had no parent.
struct Gap {
  enum class Kind : std::uint8_t { missing_parent, unended, parent_cycle };
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
  std::vector<AgentRunView> runs;  // by start time, parents first: runs[i].parent_run < i
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

// What building cost, for tests that hold the builder to linear work on adversarial input.
struct BuildStats {
  std::size_t parent_steps = 0;    // steps up a parent chain (cycle search, run location)
  std::size_t orphan_lookups = 0;  // steps without a run, grouped by their missing parent
};

// One view per trace id in `spans`, by start time. The views point into `spans`, which must
// outlive them. Linear in the spans (up to the sorting and hashing): whatever the file holds,
// each span is walked up from once.
std::vector<TraceView> build_trace_views(std::span<const tracing::SpanData> spans, BuildStats* stats = nullptr);

}  // namespace agentrace::inspect
