#include "agentrace/tracing/in_memory_exporter.hpp"

#include <cstring>

#include "span_codec.hpp"

namespace agentrace::tracing {
namespace {

constexpr std::size_t block_bytes = 64 * 1024;

}  // namespace

std::vector<SpanData> InMemoryExporter::Storage::spans() const {
  std::lock_guard lock(mutex_);
  std::vector<SpanData> out;
  out.reserve(records_.size());
  for (const auto record : records_) out.push_back(detail::decode_span(record));
  return out;
}

std::size_t InMemoryExporter::Storage::size() const {
  std::lock_guard lock(mutex_);
  return records_.size();
}

void InMemoryExporter::Storage::clear() {
  std::lock_guard lock(mutex_);
  records_.clear();
  blocks_.clear();
  block_at_ = nullptr;
  block_left_ = 0;
}

char* InMemoryExporter::Storage::allocate(std::size_t n) {
  // Not zeroed (new char[], not make_unique): every byte is written before it is read.
  if (n > block_bytes / 4) return blocks_.emplace_back(new char[n]).get();  // a large span alone
  if (n > block_left_) {
    block_at_ = blocks_.emplace_back(new char[block_bytes]).get();
    block_left_ = block_bytes;
  }
  char* out = block_at_;
  block_at_ += n;
  block_left_ -= n;
  return out;
}

void InMemoryExporter::Storage::add(SpanBatch batch) {
  // Encoded outside the lock, into buffers this thread keeps for the next batch.
  thread_local detail::ByteBuffer bytes;
  thread_local std::vector<std::size_t> ends;
  bytes.clear();
  ends.clear();
  for (const SpanData* span : batch) {
    detail::encode_span(*span, bytes);
    ends.push_back(bytes.size());
  }
  {
    std::lock_guard lock(mutex_);
    if (records_.size() + ends.size() > records_.capacity()) records_.reserve(2 * (records_.size() + ends.size()));
    std::size_t begin = 0;
    for (const std::size_t end : ends) {
      char* record = allocate(end - begin);
      std::memcpy(record, bytes.data() + begin, end - begin);
      records_.emplace_back(record, end - begin);
      begin = end;
    }
  }
  if (bytes.capacity() > block_bytes * 16) bytes.release();  // after an unusually large batch
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
