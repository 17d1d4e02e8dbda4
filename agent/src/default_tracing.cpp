#include "default_tracing.hpp"

#include "retention.hpp"

#include "agentrace/formats/jsonl.hpp"
#include "agentrace/schema/render_hints.hpp"

namespace agentrace::agent::detail {

namespace tr = agentrace::tracing;

RunnerTracing::RunnerTracing(const RunnerOptions& options) {
  if (options.tracer) {
    tracer_ = *options.tracer;
  } else if (auto global = tr::global_provider(); global->enabled()) {
    tracer_ = global->tracer("agentrace.agent", AGENTRACE_VERSION);
  } else if (options.default_tracing.enabled) {
    std::vector<std::unique_ptr<tr::SpanProcessor>> processors;
    processors.push_back(tr::make_batch_processor(std::make_unique<formats::TraceDirectoryExporter>(options.default_tracing.trace_dir)));
    trace_files_ = processors.back().get();  // owned by default_provider_ from here on
    trace_dir_ = options.default_tracing.trace_dir;
    retention_ = options.default_tracing.retention;
    // A collector (or the console) too, on a batch worker of its own; the files stay.
    if (options.default_tracing.also_export) {
      if (auto exporter = options.default_tracing.also_export(schema::render_options())) processors.push_back(tr::make_batch_processor(std::move(exporter)));
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

void RunnerTracing::flush_trace_files(std::chrono::milliseconds timeout) {
  if (trace_files_ != nullptr) trace_files_->force_flush(timeout);
}

bool RunnerTracing::flush(std::chrono::milliseconds timeout) {
  if (default_provider_) return default_provider_->force_flush(timeout);
  if (auto global = tr::global_provider(); global->enabled()) return global->force_flush(timeout);
  return true;
}

}  // namespace agentrace::agent::detail
