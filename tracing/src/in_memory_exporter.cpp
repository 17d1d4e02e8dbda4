#include "agentrace/tracing/in_memory_exporter.hpp"

namespace agentrace::tracing {

std::vector<SpanData> InMemoryExporter::Storage::spans() const {
  std::lock_guard lock(mutex_);
  return spans_;
}

std::size_t InMemoryExporter::Storage::size() const {
  std::lock_guard lock(mutex_);
  return spans_.size();
}

void InMemoryExporter::Storage::clear() {
  std::lock_guard lock(mutex_);
  spans_.clear();
}

void InMemoryExporter::Storage::add(SpanBatch batch) {
  std::vector<SpanData> copies;  // copied outside the lock
  copies.reserve(batch.size());
  for (const SpanData* span : batch) copies.push_back(*span);
  std::lock_guard lock(mutex_);
  spans_.insert(spans_.end(), std::make_move_iterator(copies.begin()), std::make_move_iterator(copies.end()));
}

ExportResult InMemoryExporter::export_spans(SpanBatch batch, std::chrono::milliseconds /*timeout*/) noexcept {
  if (shut_down_.load(std::memory_order_acquire)) return ExportResult::failure;
  try {
    storage_->add(batch);
    return ExportResult::success;
  } catch (...) {
    return ExportResult::failure;
  }
}

bool InMemoryExporter::shutdown(std::chrono::milliseconds /*timeout*/) noexcept {
  shut_down_.store(true, std::memory_order_release);
  return true;
}

}  // namespace agentrace::tracing
