// Where a Runner's spans go: the tracer it was given, else the global provider's, else its own
// default tracing (one JSON Lines file per trace, and DefaultTracing::also_export beside them).
// Also where its cassettes go. Internal to the Runner.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>

#include "agentrace/agent/runner.hpp"
#include "agentrace/base/asio.hpp"
#include "agentrace/tracing/processor.hpp"

namespace agentrace::formats {
class TraceDirectoryExporter;
}

namespace agentrace::agent::detail {

class RunnerTracing {
 public:
  explicit RunnerTracing(const RunnerOptions& options);
  ~RunnerTracing();  // shuts the default tracing down (at most 5 s), then applies the retention
  RunnerTracing(const RunnerTracing&) = delete;
  RunnerTracing& operator=(const RunnerTracing&) = delete;

  [[nodiscard]] const tracing::Tracer& tracer() const noexcept { return tracer_; }
  // The directory cassettes are written to; empty: none are.
  [[nodiscard]] const std::filesystem::path& cassette_dir() const noexcept { return cassette_dir_; }
  // Whether the default tracing's trace files are in use (and so the trace location to log).
  [[nodiscard]] bool writes_trace_files() const noexcept { return trace_files_ != nullptr; }
  // Waits until a finished run's trace file is written (not for a collector: the agent's thread
  // never waits on export); false when that took longer than `timeout`.
  bool flush_trace_files(std::chrono::milliseconds timeout);
  // Sets result.trace_file and result.trace_error for a top-level run whose spans have been
  // flushed (`flushed`: within the time allowed). A no-op without trace files or a trace id.
  void describe_trace_file(RunResult& result, bool flushed) const;
  [[nodiscard]] TraceStats stats() const;
  // Waits until every span of finished runs has been exported, wherever it goes.
  bool flush(std::chrono::milliseconds timeout);
  // After a top-level run: the retention of the trace directory, on `pool`, unless it ran less
  // than a second ago or is running (a no-op without limits or trace files).
  void apply_retention_soon(asio::thread_pool& pool);

 private:
  tracing::Tracer tracer_;
  std::shared_ptr<tracing::TracerProvider> default_provider_;  // set when the default tracing is used
  tracing::BatchSpanProcessor* trace_files_ = nullptr;         // default_provider_'s processor for the files
  formats::TraceDirectoryExporter* trace_exporter_ = nullptr;  // trace_files_'s exporter
  tracing::BatchSpanProcessor* also_export_ = nullptr;         // the collector's (or console's), if any
  std::filesystem::path cassette_dir_;
  std::filesystem::path trace_dir_;
  TraceRetention retention_;
  std::atomic<bool> pruning_{false};
  std::atomic<std::int64_t> last_prune_ns_{0};  // steady clock
};

}  // namespace agentrace::agent::detail
