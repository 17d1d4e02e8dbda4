// The test double: keeps every exported span in memory, as the SpanData it was given.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "agentrace/tracing/exporter.hpp"

namespace agentrace::tracing {

// The spans live in a Storage shared with whoever asked for it, so a test keeps reading after
// the provider (which owns the exporter) is gone:
//   auto exporter = std::make_unique<InMemoryExporter>();
//   auto storage = exporter->storage();
//   ... provider.force_flush(); ... storage->spans() ...
// It keeps everything until cleared: meant for tests and examples, not for long-running processes.
class InMemoryExporter final : public SpanExporter {
 public:
  class Storage {
   public:
    // A copy of every span kept so far, in export order.
    [[nodiscard]] std::vector<SpanData> spans() const;
    [[nodiscard]] std::size_t size() const;
    void clear();
    void add(SpanBatch batch);

   private:
    mutable std::mutex mutex_;
    std::vector<SpanData> spans_;
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
