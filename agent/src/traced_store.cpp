#include "traced_store.hpp"

#include "agentrace/schema/writers.hpp"

namespace agentrace::agent::detail {

template <typename F>
auto TracedMemoryStore::traced(std::string_view operation, bool retrieval, F&& fn) const {
  tracing::Span span = schema::start_memory_span(tracer_, operation, inner_->kind(), retrieval);
  try {
    return fn(span);
  } catch (const std::exception& e) {
    span.record_exception(e, true).set_status(tracing::StatusCode::error, e.what());
    throw;
  }
}

void TracedMemoryStore::put(const std::string& key, const std::string& text, nlohmann::json metadata) {
  traced("put", /*retrieval=*/false, [&](tracing::Span& span) {
    schema::record_memory_key(span, key);
    schema::record_memory_text(span, text, content_);
    inner_->put(key, text, std::move(metadata));
  });
}

std::optional<memory::MemoryEntry> TracedMemoryStore::get(const std::string& key) const {
  return traced("get", /*retrieval=*/true, [&](tracing::Span& span) {
    schema::record_memory_key(span, key);
    auto entry = inner_->get(key);
    schema::record_memory_hit(span, entry.has_value());
    schema::record_memory_result_count(span, entry ? 1 : 0);
    return entry;
  });
}

bool TracedMemoryStore::remove(const std::string& key) {
  return traced("delete", /*retrieval=*/false, [&](tracing::Span& span) {
    schema::record_memory_key(span, key);
    const bool removed = inner_->remove(key);
    schema::record_memory_hit(span, removed);
    return removed;
  });
}

std::vector<memory::MemoryEntry> TracedMemoryStore::list(std::size_t limit) const {
  return traced("list", /*retrieval=*/true, [&](tracing::Span& span) {
    auto entries = inner_->list(limit);
    schema::record_memory_result_count(span, entries.size());
    return entries;
  });
}

std::vector<memory::SearchHit> TracedMemoryStore::search(const std::string& query, std::size_t limit) const {
  return traced("search", /*retrieval=*/true, [&](tracing::Span& span) {
    schema::record_memory_query(span, query, content_);
    auto hits = inner_->search(query, limit);
    schema::record_memory_result_count(span, hits.size());
    schema::record_memory_hit(span, !hits.empty());
    return hits;
  });
}

}  // namespace agentrace::agent::detail
