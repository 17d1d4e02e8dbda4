#include "trace_groups.hpp"

#include <algorithm>
#include <map>

namespace agentrace::formats::detail {

std::vector<TraceGroup> group_by_trace(tracing::SpanBatch spans) {
  std::map<tracing::TraceId, TraceGroup> by_id;
  for (const tracing::SpanData* span : spans) {
    if (span == nullptr) continue;
    TraceGroup& group = by_id[span->trace_id];
    if (group.spans.empty()) {
      group.trace_id = span->trace_id;
      group.first_start = span->start_unix_ns;
    }
    group.spans.push_back(span);
    group.first_start = std::min(group.first_start, span->start_unix_ns);
    group.last_time = std::max({group.last_time, span->start_unix_ns, span->end_unix_ns});
    for (const tracing::Event& e : span->events) group.last_time = std::max(group.last_time, e.time_unix_ns);
  }
  std::vector<TraceGroup> out;
  out.reserve(by_id.size());
  for (auto& [id, group] : by_id) {
    std::stable_sort(group.spans.begin(), group.spans.end(), [](const tracing::SpanData* a, const tracing::SpanData* b) {
      if (a->start_unix_ns != b->start_unix_ns) return a->start_unix_ns < b->start_unix_ns;
      return a->span_id < b->span_id;
    });
    out.push_back(std::move(group));
  }
  std::stable_sort(out.begin(), out.end(), [](const TraceGroup& a, const TraceGroup& b) {
    if (a.first_start != b.first_start) return a.first_start < b.first_start;
    return a.trace_id < b.trace_id;
  });
  return out;
}

std::string document_of(std::span<const tracing::SpanData> spans, void (*append)(tracing::SpanBatch, std::string&)) {
  std::vector<const tracing::SpanData*> pointers;
  pointers.reserve(spans.size());
  for (const tracing::SpanData& s : spans) pointers.push_back(&s);
  std::string out;
  append(pointers, out);
  return out;
}

}  // namespace agentrace::formats::detail
