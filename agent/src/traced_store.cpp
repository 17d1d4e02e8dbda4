#include "traced_store.hpp"

#include "agentrace/agent/conventions.hpp"

namespace agentrace::agent::detail {

template <typename F>
auto TracedMemoryStore::traced(std::string_view operation, std::string_view oi_kind, F&& fn) const {
  std::string name = "memory ";
  name += operation;
  tracing::Span span = tracer_.start_span(name);
  span.set_attribute(attr::span_kind, oi_kind)
      .set_attribute(attr::memory_operation, operation)
      .set_attribute(attr::memory_store, inner_->kind());
  try {
    return fn(span);
  } catch (const std::exception& e) {
    span.record_exception(e, true).set_status(tracing::StatusCode::error, e.what());
    throw;
  }
}

void TracedMemoryStore::put(const std::string& key, const std::string& text, nlohmann::json metadata) {
  traced("put", span_kind::chain, [&](tracing::Span& span) {
    span.set_attribute(attr::memory_key, key);
    content_.record(span, {attr::input_value}, text);
    inner_->put(key, text, std::move(metadata));
  });
}

std::optional<memory::MemoryEntry> TracedMemoryStore::get(const std::string& key) const {
  return traced("get", span_kind::retriever, [&](tracing::Span& span) {
    span.set_attribute(attr::memory_key, key);
    auto entry = inner_->get(key);
    span.set_attribute(attr::memory_hit, entry.has_value()).set_attribute(attr::memory_result_count, entry ? 1 : 0);
    return entry;
  });
}

bool TracedMemoryStore::remove(const std::string& key) {
  return traced("delete", span_kind::chain, [&](tracing::Span& span) {
    span.set_attribute(attr::memory_key, key);
    const bool removed = inner_->remove(key);
    span.set_attribute(attr::memory_hit, removed);
    return removed;
  });
}

std::vector<memory::MemoryEntry> TracedMemoryStore::list(std::size_t limit) const {
  return traced("list", span_kind::retriever, [&](tracing::Span& span) {
    auto entries = inner_->list(limit);
    span.set_attribute(attr::memory_result_count, entries.size());
    return entries;
  });
}

std::vector<memory::SearchHit> TracedMemoryStore::search(const std::string& query, std::size_t limit) const {
  return traced("search", span_kind::retriever, [&](tracing::Span& span) {
    content_.record(span, {attr::memory_query}, query);
    auto hits = inner_->search(query, limit);
    span.set_attribute(attr::memory_result_count, hits.size()).set_attribute(attr::memory_hit, !hits.empty());
    return hits;
  });
}

}  // namespace agentrace::agent::detail
