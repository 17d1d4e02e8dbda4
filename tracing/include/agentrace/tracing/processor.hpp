// When finished spans are exported: synchronously (simple), in batches from a background worker
// (batch), or fanned out to several processors (multi).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "agentrace/tracing/exporter.hpp"
#include "agentrace/tracing/span_data.hpp"

namespace agentrace::tracing {

// Threading contract: on_start and on_end are called on the thread that starts / ends a span,
// from any number of threads at once, and must not block; force_flush and shutdown may be called
// from any thread and return whether they completed within the timeout. Nothing here throws.
class SpanProcessor {
 public:
  SpanProcessor() = default;
  virtual ~SpanProcessor() = default;
  SpanProcessor(const SpanProcessor&) = delete;
  SpanProcessor& operator=(const SpanProcessor&) = delete;
  SpanProcessor(SpanProcessor&&) = delete;
  SpanProcessor& operator=(SpanProcessor&&) = delete;

  // A recording span has started. `span` lives until on_end; do not keep the reference.
  virtual void on_start(const SpanData& /*span*/) noexcept {}
  // A recording span has ended; the processor takes ownership.
  virtual void on_end(std::unique_ptr<SpanData> span) noexcept = 0;
  virtual bool force_flush(std::chrono::milliseconds timeout) noexcept = 0;
  // Flushes, then shuts the exporter down. Idempotent: later calls return true at once.
  virtual bool shutdown(std::chrono::milliseconds timeout) noexcept = 0;
};

// Exports each sampled span as it ends, on the ending thread. For tests and debugging: the
// caller waits on the exporter (calls are serialised with a mutex).
std::unique_ptr<SpanProcessor> make_simple_processor(std::unique_ptr<SpanExporter> exporter);

struct BatchOptions {
  std::size_t max_queue_size = 2048;
  std::chrono::milliseconds schedule_delay{5000};
  std::chrono::milliseconds export_timeout{30000};
  std::size_t max_export_batch_size = 512;

  // OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT,
  // OTEL_BSP_MAX_EXPORT_BATCH_SIZE; empty means unset; invalid values warn and keep the default.
  static BatchOptions from_env();
};

struct BatchStats {
  std::uint64_t enqueued = 0;  // spans accepted into the queue
  std::uint64_t dropped = 0;   // spans refused because the queue was full (or after shutdown)
  std::uint64_t exported = 0;  // spans handed to the exporter with a success result
  std::uint64_t failed = 0;    // spans handed to the exporter with a failure result
};

// Spans go into a bounded lock-free queue; one background worker exports them in batches of at
// most max_export_batch_size, when a batch is full or schedule_delay has passed. A full queue
// drops the new span and counts it: on_end never blocks and never allocates. The drop count is
// readable at any time and logged once at shutdown.
class BatchSpanProcessor final : public SpanProcessor {
 public:
  explicit BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options = {});
  ~BatchSpanProcessor() override;

  void on_end(std::unique_ptr<SpanData> span) noexcept override;
  bool force_flush(std::chrono::milliseconds timeout) noexcept override;
  bool shutdown(std::chrono::milliseconds timeout) noexcept override;

  [[nodiscard]] BatchStats stats() const noexcept;
  [[nodiscard]] const BatchOptions& options() const noexcept;

  struct State;

 private:
  std::shared_ptr<State> state_;  // shared with the worker, which may outlive a stuck shutdown
};

std::unique_ptr<SpanProcessor> make_batch_processor(std::unique_ptr<SpanExporter> exporter,
                                                    BatchOptions options = BatchOptions::from_env());

// Hands every span to each processor in order (copies for all but the last).
std::unique_ptr<SpanProcessor> make_multi_processor(std::vector<std::unique_ptr<SpanProcessor>> processors);

}  // namespace agentrace::tracing
