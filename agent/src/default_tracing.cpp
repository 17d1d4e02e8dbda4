#include "default_tracing.hpp"

#include "retention.hpp"

#include <cstdlib>

#include "agentrace/formats/jsonl.hpp"
#include "agentrace/schema/render_hints.hpp"

namespace agentrace::agent::detail {

namespace tr = agentrace::tracing;

namespace {

// The trace files' batch processor. Written every 200 ms rather than OpenTelemetry's 5 s: a
// process that crashes or is killed then loses at most the spans of its last moment, and a local
// append every 200 ms costs nothing measurable (docs/reliability.md has the figures).
// OTEL_BSP_SCHEDULE_DELAY, when set, applies to the files too.
tr::BatchOptions trace_file_batch_options() {
  tr::BatchOptions options = tr::BatchOptions::from_env();
  const char* delay = std::getenv("OTEL_BSP_SCHEDULE_DELAY");
  if (delay == nullptr || *delay == '\0') options.schedule_delay = DefaultTracing::file_schedule_delay;
  return options;
}

ExporterStats stats_of(const tr::BatchStats& s) {
  return ExporterStats{.produced = s.enqueued + s.dropped, .exported = s.exported, .dropped = s.dropped + s.failed, .last_error = {}};
}

}  // namespace

RunnerTracing::RunnerTracing(const RunnerOptions& options) {
  if (options.tracer) {
    tracer_ = *options.tracer;
  } else if (auto global = tr::global_provider(); global->enabled()) {
    tracer_ = global->tracer("agentrace.agent", AGENTRACE_VERSION);
  } else if (options.default_tracing.enabled) {
    std::vector<std::unique_ptr<tr::SpanProcessor>> processors;
    auto exporter = std::make_unique<formats::TraceDirectoryExporter>(options.default_tracing.trace_dir);
    trace_exporter_ = exporter.get();  // owned by trace_files_, owned by default_provider_ from here on
    auto files = std::make_unique<tr::BatchSpanProcessor>(std::move(exporter), trace_file_batch_options());
    trace_files_ = files.get();
    processors.push_back(std::move(files));
    trace_dir_ = options.default_tracing.trace_dir;
    retention_ = options.default_tracing.retention;
    // A collector (or the console) too, on a batch worker of its own; the files stay.
    if (options.default_tracing.also_export) {
      if (auto exporter = options.default_tracing.also_export(schema::render_options())) {
        auto also = std::make_unique<tr::BatchSpanProcessor>(std::move(exporter), tr::BatchOptions::from_env());
        also_export_ = also.get();
        processors.push_back(std::move(also));
      }
    }
    default_provider_ = tr::TracerProvider::from_env(processors.size() == 1 ? std::move(processors.front())
                                                                              : tr::make_multi_processor(std::move(processors)));
    tracer_ = default_provider_->tracer("agentrace.agent", AGENTRACE_VERSION);
  }
  // See CassetteOptions: asked for, or following the content policy.
  const auto& cassettes = options.cassettes;
  const bool asked = cassettes.enabled.value_or(false) || (!cassettes.enabled && !cassettes.dir.empty());
  const bool by_policy = !cassettes.enabled && options.content.mode == ContentCapture::full;
  if (asked || by_policy) {
    if (!cassettes.dir.empty()) {
      cassette_dir_ = cassettes.dir;
    } else if (default_provider_) {
      cassette_dir_ = options.default_tracing.trace_dir;
    }
  }
}

RunnerTracing::~RunnerTracing() {
  if (default_provider_) default_provider_->shutdown(std::chrono::seconds(5));
  try {
    if (writes_trace_files()) prune_traces(trace_dir_, retention_);  // the limits hold when the Runner ends
  } catch (...) {  // out of memory listing the directory: the files stay, the Runner still ends
  }
}

void RunnerTracing::apply_retention_soon(asio::thread_pool& pool) {
  if (!writes_trace_files() || !retention_.limited()) return;
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  constexpr std::int64_t interval = std::chrono::nanoseconds(std::chrono::seconds(1)).count();
  if (now - last_prune_ns_.load(std::memory_order_relaxed) < interval) return;
  if (pruning_.exchange(true)) return;  // one at a time
  last_prune_ns_.store(now, std::memory_order_relaxed);
  asio::post(pool, [this] {  // the pool is joined before this object is destroyed
    try {
      prune_traces(trace_dir_, retention_);
    } catch (...) {
    }
    pruning_.store(false);
  });
}

bool RunnerTracing::flush_trace_files(std::chrono::milliseconds timeout) {
  return trace_files_ == nullptr || trace_files_->force_flush(timeout);
}

void RunnerTracing::describe_trace_file(RunResult& result, bool flushed) const {
  if (trace_exporter_ == nullptr || result.trace_id.empty()) return;
  const auto id = tr::TraceId::from_hex(result.trace_id);
  if (!id) return;
  result.trace_file = formats::TraceDirectoryExporter::file_for(trace_dir_, *id);
  if (auto failure = trace_exporter_->failure(*id)) {
    result.trace_error = *failure;
  } else if (!flushed) {
    result.trace_error = "its spans were not all written within 5 s";
  }
}

TraceStats RunnerTracing::stats() const {
  TraceStats out;
  if (trace_files_ != nullptr) {
    const tr::BatchStats batch = trace_files_->stats();
    const formats::TraceDirectoryExporter::Stats files = trace_exporter_->stats();
    // The exporter counts exactly which spans its failed writes lost (a batch may fail for one
    // trace and not for another); the processor, the spans its full queue refused.
    out.files = ExporterStats{.produced = batch.enqueued + batch.dropped,
                              .exported = files.spans_written,
                              .dropped = batch.dropped + files.spans_lost,
                              .last_error = files.last_error};
  }
  if (also_export_ != nullptr) out.also_export = stats_of(also_export_->stats());
  return out;
}

bool RunnerTracing::flush(std::chrono::milliseconds timeout) {
  if (default_provider_) return default_provider_->force_flush(timeout);
  if (auto global = tr::global_provider(); global->enabled()) return global->force_flush(timeout);
  return true;
}

}  // namespace agentrace::agent::detail
