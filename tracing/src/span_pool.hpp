// Recycling of SpanData records, so the hot path allocates nothing in steady state.
//
// A span's record is taken from this thread's cache, filled, and handed to the processor; the
// batch worker returns whole batches to a shared pool after export, and producer threads refill
// their cache from it 64 at a time. A recycled record keeps the capacity of its name, and its
// attribute objects (moved aside, in order) keep their key and string buffers, so the next span
// from the same call site writes into memory that is already there. Memory stays bounded: the
// pool holds at most `max_pooled` records and never keeps one that grew large.
#pragma once

#include <memory>
#include <span>

#include "agentrace/tracing/span_data.hpp"

namespace agentrace::tracing::detail {

// A cleared record: from this thread's cache, the shared pool, or new.
SpanData* acquire_span_data();
// Clears `span` and keeps it for reuse (or frees it when the pool is full or it grew large).
void recycle_span_data(std::unique_ptr<SpanData> span) noexcept;
// The same for a batch, with one lock for all of it. Takes ownership of every pointer.
void recycle_span_data(std::span<SpanData* const> spans) noexcept;

}  // namespace agentrace::tracing::detail
