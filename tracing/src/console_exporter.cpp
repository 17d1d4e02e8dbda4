#include "agentrace/tracing/console_exporter.hpp"

#include <string>

namespace agentrace::tracing {

ConsoleExporter::ConsoleExporter(std::FILE* out, RenderOptions options) : out_(out), options_(options) {}

// Called with mutex_ held, so traces printed by different batches never interleave.
void ConsoleExporter::print_trace(const std::vector<SpanData>& spans) {
  if (out_ == nullptr || spans.empty()) return;
  const std::string text = render_tree(spans, options_) + "\n" + render_timeline(spans, options_) + "\n";
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

ExportResult ConsoleExporter::export_spans(SpanBatch batch, std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (shut_down_) return ExportResult::failure;
    for (const SpanData* span : batch) {
      if (span == nullptr) continue;
      auto& trace = pending_[span->trace_id];
      trace.push_back(*span);
      // A span whose parent lives in another process is the root of what this process saw.
      if (span->is_local_root()) {
        print_trace(trace);
        pending_.erase(span->trace_id);
      }
    }
    return ExportResult::success;
  } catch (...) {
    return ExportResult::failure;
  }
}

bool ConsoleExporter::force_flush(std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    for (const auto& [id, spans] : pending_) print_trace(spans);
    pending_.clear();
    return true;
  } catch (...) {
    return false;
  }
}

bool ConsoleExporter::shutdown(std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (shut_down_) return true;
    shut_down_ = true;
    for (const auto& [id, spans] : pending_) print_trace(spans);
    pending_.clear();
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace agentrace::tracing
