// The test double: keeps every exported span in memory.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "agentrace/tracing/exporter.hpp"

namespace agentrace::tracing {

// Spans are shared with whoever holds the storage, so a test keeps reading after the provider
// (which owns the exporter) is gone:
//   auto exporter = std::make_unique<InMemoryExporter>();
//   auto storage = exporter->storage();
class InMemoryExporter final : public SpanExporter {
 public:
  class Storage {
   public:
    [[nodiscard]] std::vector<SpanData> spans() const;
    [[nodiscard]] std::size_t size() const;
    void clear();
    void add(SpanBatch batch);

   private:
    mutable std::mutex mutex_;
    std::deque<SpanData> spans_;  // grows without moving what it holds
  };

  InMemoryExporter() : storage_(std::make_shared<Storage>()) {}
  ExportResult export_spans(SpanBatch batch, std::chrono::milliseconds timeout) noexcept override;
  bool shutdown(std::chrono::milliseconds timeout) noexcept override;
  [[nodiscard]] std::shared_ptr<Storage> storage() const noexcept { return storage_; }

 private:
  std::shared_ptr<Storage> storage_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace agentrace::tracing
