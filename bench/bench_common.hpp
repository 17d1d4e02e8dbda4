// Pieces shared by the benchmarks: an exporter that discards, the span workloads of each case.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "agentrace/tracing/tracer.hpp"

namespace agentrace::bench {

// Counts and forgets: measures the pipeline, not an output format.
class DiscardExporter final : public tracing::SpanExporter {
 public:
  explicit DiscardExporter(std::atomic<std::uint64_t>* counter = nullptr) : counter_(counter) {}
  tracing::ExportResult export_spans(tracing::SpanBatch batch, std::chrono::milliseconds) noexcept override {
    if (counter_ != nullptr) counter_->fetch_add(batch.size(), std::memory_order_relaxed);
    return tracing::ExportResult::success;
  }
  bool shutdown(std::chrono::milliseconds) noexcept override { return true; }

 private:
  std::atomic<std::uint64_t>* counter_;
};

// Case (a): a span with 4 attributes of the kinds an agent sets (2 strings, an int, a double).
inline void span_with_four_attributes(const tracing::Tracer& tracer, std::int64_t i) {
  tracing::Span span = tracer.start_span("chat gpt-4o-mini", tracing::Parent::current(), tracing::SpanKind::client);
  span.set_attribute("gen_ai.operation.name", "chat");
  span.set_attribute("gen_ai.request.model", "gpt-4o-mini");
  span.set_attribute("gen_ai.usage.input_tokens", i);
  span.set_attribute("gen_ai.request.temperature", 0.7);
}

// Case (c): three nested spans, each made current with a Scope.
inline void three_nested_spans(const tracing::Tracer& tracer) {
  tracing::Span outer = tracer.start_span("invoke_agent");
  tracing::Scope s1(outer);
  tracing::Span middle = tracer.start_span("step");
  tracing::Scope s2(middle);
  tracing::Span inner = tracer.start_span("execute_tool");
}

// Case (d): one large string attribute (2 KB), as a captured prompt would be.
inline void span_with_large_attribute(const tracing::Tracer& tracer, const std::string& payload) {
  tracing::Span span = tracer.start_span("chat");
  span.set_attribute("input.value", payload);
}

// The median of repeated measurements (the mean of the middle two for an even count).
inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

inline long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace agentrace::bench
