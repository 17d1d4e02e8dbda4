// Where finished spans go. OTLP, Jaeger and Perfetto exporters implement this same interface.
#pragma once

#include <chrono>
#include <memory>
#include <span>

#include "agentrace/tracing/span_data.hpp"

namespace agentrace::tracing {

enum class ExportResult : std::uint8_t { success, failure };

// A batch as exporters see it: pointers into spans the caller owns, valid for the call only.
using SpanBatch = std::span<const SpanData* const>;

// Threading contract: a processor never calls export_spans concurrently with itself; force_flush
// and shutdown may be called from any thread, concurrently with export_spans. Nothing here
// throws; each call returns within its timeout (an exporter that talks to the network bounds
// every request by it).
class SpanExporter {
 public:
  SpanExporter() = default;
  virtual ~SpanExporter() = default;
  SpanExporter(const SpanExporter&) = delete;
  SpanExporter& operator=(const SpanExporter&) = delete;
  SpanExporter(SpanExporter&&) = delete;
  SpanExporter& operator=(SpanExporter&&) = delete;

  virtual ExportResult export_spans(SpanBatch batch, std::chrono::milliseconds timeout) noexcept = 0;
  virtual bool force_flush(std::chrono::milliseconds /*timeout*/) noexcept { return true; }
  // After shutdown every export_spans fails. Idempotent.
  virtual bool shutdown(std::chrono::milliseconds timeout) noexcept = 0;
};

}  // namespace agentrace::tracing
