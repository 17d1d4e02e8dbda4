#include "span_pool.hpp"

#include "attributes_reuse.hpp"

#include <mutex>
#include <vector>

namespace agentrace::tracing::detail {
namespace {

constexpr std::size_t max_pooled = 4096;        // records kept across all threads
constexpr std::size_t local_max = 256;          // records cached per thread
constexpr std::size_t refill = 64;              // taken from the shared pool at once
constexpr std::size_t max_kept_capacity = 4096;  // bytes of a name: a record past this is freed
constexpr std::size_t max_kept_attributes = 64;         // attribute objects a record may keep
constexpr std::size_t max_kept_string_bytes = 8192;     // string buffers a record may keep, in all

struct SharedPool {
  std::mutex mutex;
  std::vector<SpanData*> items;
};

// Never destroyed: threads may return records during static destruction.
SharedPool& shared_pool() {
  static auto* pool = new SharedPool;
  return *pool;
}

struct LocalCache {
  std::vector<SpanData*> items;
  ~LocalCache() {
    auto& pool = shared_pool();
    std::lock_guard lock(pool.mutex);
    for (SpanData* s : items) {
      if (pool.items.size() < max_pooled) {
        pool.items.push_back(s);
      } else {
        delete s;
      }
    }
  }
};

LocalCache& local_cache() {
  thread_local LocalCache cache;
  return cache;
}

// Clears `s` for reuse; false when it holds too much memory to be worth keeping.
bool reset(SpanData& s) noexcept {
  if (s.name.capacity() > max_kept_capacity || s.trace_state.capacity() > max_kept_capacity) return false;
  // The attribute objects are kept, so the next span writes its values into buffers that already
  // exist and its list does not grow again; only large string buffers and arrays are freed.
  AttributesReuse::clear_for_reuse(s.attributes, max_kept_attributes, max_kept_string_bytes);
  s.events.clear();
  s.links.clear();
  s.name.clear();
  s.trace_state.clear();
  s.trace_id = TraceId{};
  s.span_id = SpanId{};
  s.parent_span_id = SpanId{};
  s.flags = TraceFlags{};
  s.parent_remote = false;
  s.kind = SpanKind::internal;
  s.start_unix_ns = 0;
  s.end_unix_ns = 0;
  s.dropped_attributes_count = 0;
  s.dropped_events_count = 0;
  s.dropped_links_count = 0;
  s.status = Status{};
  s.source = &SpanSource::empty();
  return true;
}

}  // namespace

SpanData* acquire_span_data() {
  auto& cache = local_cache().items;
  if (cache.empty()) {
    auto& pool = shared_pool();
    std::lock_guard lock(pool.mutex);
    const std::size_t n = std::min(refill, pool.items.size());
    cache.insert(cache.end(), pool.items.end() - static_cast<std::ptrdiff_t>(n), pool.items.end());
    pool.items.resize(pool.items.size() - n);
  }
  if (cache.empty()) return new SpanData;
  SpanData* s = cache.back();
  cache.pop_back();
  return s;
}

void recycle_span_data(std::unique_ptr<SpanData> span) noexcept {
  if (!span || !reset(*span)) return;
  try {
    auto& cache = local_cache().items;
    if (cache.size() < local_max) {
      cache.push_back(span.release());
      return;
    }
  } catch (...) {
    return;
  }
  SpanData* one[] = {span.release()};
  recycle_span_data(std::span<SpanData* const>(one));
}

void recycle_span_data(std::span<SpanData* const> spans) noexcept {
  std::size_t kept = 0;
  std::vector<SpanData*> keep;
  try {
    keep.reserve(spans.size());
  } catch (...) {
  }
  for (SpanData* s : spans) {
    if (s != nullptr && keep.capacity() > keep.size() && reset(*s)) {
      keep.push_back(s);
    } else {
      delete s;
    }
  }
  auto& pool = shared_pool();
  {
    std::lock_guard lock(pool.mutex);
    try {
      const std::size_t room = max_pooled > pool.items.size() ? max_pooled - pool.items.size() : 0;
      kept = std::min(room, keep.size());
      pool.items.insert(pool.items.end(), keep.begin(), keep.begin() + static_cast<std::ptrdiff_t>(kept));
    } catch (...) {
      kept = 0;
    }
  }
  for (std::size_t i = kept; i < keep.size(); ++i) delete keep[i];
}

}  // namespace agentrace::tracing::detail
