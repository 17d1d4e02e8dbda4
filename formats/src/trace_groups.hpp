// What the formats that lay out whole traces (Jaeger, Chrome trace) share: spans grouped by
// trace, and a whole document from spans held by value.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "agentrace/tracing/exporter.hpp"

namespace agentrace::formats::detail {

struct TraceGroup {
  tracing::TraceId trace_id;
  std::vector<const tracing::SpanData*> spans;  // by start time, then span id
  std::uint64_t first_start = 0;                // the earliest start
  std::uint64_t last_time = 0;                  // the latest start, end or event time: where unended spans stop
};

// Traces ordered by their earliest start (then id); null pointers skipped.
std::vector<TraceGroup> group_by_trace(tracing::SpanBatch spans);

// The end a viewer should draw: the span's own (never before its start) or, for a span that
// never ended, the last time known in its trace.
inline std::uint64_t effective_end(const tracing::SpanData& span, std::uint64_t last_time) noexcept {
  const std::uint64_t end = span.ended() ? span.end_unix_ns : last_time;
  return end > span.start_unix_ns ? end : span.start_unix_ns;
}

// The document `append` (append_jaeger_json, append_chrome_trace_json) writes for `spans`.
std::string document_of(std::span<const tracing::SpanData> spans, void (*append)(tracing::SpanBatch, std::string&));

}  // namespace agentrace::formats::detail
