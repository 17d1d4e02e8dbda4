// The test double: keeps every exported span in memory.
#pragma once

#include <atomic>
#include <string_view>
#include <memory>
#include <mutex>
#include <vector>

#include "agentrace/tracing/exporter.hpp"

namespace agentrace::tracing {

// Spans are shared with whoever holds the storage, so a test keeps reading after the provider
// (which owns the exporter) is gone. They are kept as compact records (their bytes, keys as
// interned addresses: a third of the memory of SpanData objects and no allocation per span) and
// turned back into SpanData when read:
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
    char* allocate(std::size_t n);  // under mutex_

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<char[]>> blocks_;  // never move, so records can point into them
    std::vector<std::string_view> records_;        // one encoded span each, in export order
    char* block_at_ = nullptr;
    std::size_t block_left_ = 0;
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
