// Internal to the memory module: what both stores share so that they rank and stamp identically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agentrace/memory/store.hpp"

namespace agentrace::memory::detail {

// The hits among `entries` for `query`: score > 0, best first, ties by key, at most `limit`
// (0: all).
std::vector<SearchHit> rank(const std::vector<MemoryEntry>& entries, const std::string& query, std::size_t limit);

std::uint64_t now_unix_ns() noexcept;

}  // namespace agentrace::memory::detail
