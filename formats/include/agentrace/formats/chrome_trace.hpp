// Chrome Trace Event JSON ({"traceEvents":[...], "displayTimeUnit":"ms"}), which Perfetto
// (ui.perfetto.dev), speedscope and chrome://tracing open.
//
// - Each trace is a process (pid 1, 2, ... by start time), named by a process_name metadata
//   event after its root span and service ("invoke_agent manager (weather-bot)").
// - Each span is a complete event ("ph":"X") with ts and dur in microseconds, fractional down to
//   the nanosecond, counted from the earliest span start in the file (absolute Unix times do not
//   fit a double at that precision; "otherData" keeps the origin as "agentrace.origin_unix_ns").
//   args: the attributes (natural JSON values), span.kind, otel.status_code and
//   otel.status_description when set, agentrace.span_id.
// - Events are instant events ("ph":"i", thread scope) on their span's track.
// - A span that never ended runs to the last time seen in its trace, with args
//   "agentrace.unended": true.
//
// Tracks. On one thread, complete events nest by time, so two overlapping siblings (parallel
// tool calls, managed agents run in parallel) would be drawn one inside the other. Each trace
// therefore starts with one track (tid) for its root; a span goes on its parent's track, one
// level deeper, when it lies within the parent and overlaps nothing already at that level of that
// track; otherwise it opens a new track of its own, named by a thread_name metadata event after
// the span. Sequential children thus share their parent's track and concurrent ones get their
// own. tids are unique in the file; thread_sort_index keeps tracks in the order they were opened.
#pragma once

#include <span>
#include <string>

#include "agentrace/tracing/exporter.hpp"

namespace agentrace::formats {

// Appends the document to `out`.
void append_chrome_trace_json(tracing::SpanBatch spans, std::string& out);
std::string to_chrome_trace_json(std::span<const tracing::SpanData> spans);

}  // namespace agentrace::formats
