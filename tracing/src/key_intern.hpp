// The per-thread cache in front of the process-wide table of attribute names (attributes.cpp),
// inline so that Span can look a name up without a call.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace agentrace::tracing::detail {

// Most keys are made from the same few string literals over and over, so each thread remembers,
// by the address and length of the text it was given, which interned copy that text had. A hit
// is confirmed by comparing the bytes (the caller's buffer may since hold other text).
struct KeyCacheEntry {
  const char* source = nullptr;
  std::size_t size = 0;
  const char* interned = nullptr;
};

template <typename Word>
Word load_word(const char* p) noexcept {
  Word w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Names are short: comparing them a word at a time inline beats a call to memcmp. The last word
// overlaps the one before it instead of finishing byte by byte.
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8) {
    const char* a_last = a + n - 8;
    const char* b_last = b + n - 8;
    for (; a < a_last; a += 8, b += 8) {
      if (load_word<std::uint64_t>(a) != load_word<std::uint64_t>(b)) return false;
    }
    return load_word<std::uint64_t>(a_last) == load_word<std::uint64_t>(b_last);
  }
  if (n >= 4) {
    return load_word<std::uint32_t>(a) == load_word<std::uint32_t>(b) &&
           load_word<std::uint32_t>(a + n - 4) == load_word<std::uint32_t>(b + n - 4);
  }
  for (; n > 0; --n) {
    if (*a++ != *b++) return false;
  }
  return true;
}

// The table's copy of `text` (nullptr past the intern bound), remembered in `entry`.
[[gnu::noinline]] const char* intern_and_cache(std::string_view text, KeyCacheEntry& entry);

// The interned copy of non-empty `text`, or nullptr past the intern bound.
inline const char* intern_cached(std::string_view text) {
  thread_local std::array<KeyCacheEntry, 256> cache{};
  const auto address = reinterpret_cast<std::uintptr_t>(text.data());
  const std::size_t slot = static_cast<std::size_t>(((address >> 3) ^ text.size()) * 0x9E3779B97F4A7C15ull >> 56);
  KeyCacheEntry& entry = cache[slot];
  if (entry.source == text.data() && entry.size == text.size() && same_bytes(entry.interned, text.data(), text.size())) {
    return entry.interned;
  }
  return intern_and_cache(text, entry);
}

}  // namespace agentrace::tracing::detail
