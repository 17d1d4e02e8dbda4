// A MemoryStore seen through the Runner: every operation becomes a `memory {operation}` span,
// child of the calling thread's current span (the execute_tool span the Runner made current).
#pragma once

#include <memory>

#include "agentrace/agent/runner.hpp"
#include "agentrace/memory/store.hpp"

namespace agentrace::agent::detail {

class TracedMemoryStore final : public memory::MemoryStore {
 public:
  TracedMemoryStore(std::shared_ptr<memory::MemoryStore> inner, tracing::Tracer tracer, ContentPolicy content)
      : inner_(std::move(inner)), tracer_(std::move(tracer)), content_(content) {}

  [[nodiscard]] std::string kind() const override { return inner_->kind(); }
  void put(const std::string& key, const std::string& text, nlohmann::json metadata) override;
  [[nodiscard]] std::optional<memory::MemoryEntry> get(const std::string& key) const override;
  bool remove(const std::string& key) override;
  [[nodiscard]] std::vector<memory::MemoryEntry> list(std::size_t limit) const override;
  [[nodiscard]] std::vector<memory::SearchHit> search(const std::string& query, std::size_t limit) const override;

 private:
  template <typename F>
  auto traced(std::string_view operation, bool retrieval, F&& fn) const;

  std::shared_ptr<memory::MemoryStore> inner_;
  tracing::Tracer tracer_;
  ContentPolicy content_;
};

}  // namespace agentrace::agent::detail
