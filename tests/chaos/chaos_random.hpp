// Seeded randomness for the chaos soak. A fault is drawn from a hash of the seed and of what it
// happens to (a run, an agent, a step, an attempt) rather than from one shared generator, so the
// same seed gives each run the same faults whatever order the requests arrive in.
#pragma once

#include <cstdint>
#include <string_view>

namespace agentrace::chaos {

// SplitMix64's finaliser: a well-mixed 64-bit value from any 64-bit value.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a: stable across builds and platforms, unlike std::hash.
constexpr std::uint64_t hash(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

constexpr std::uint64_t draw(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) noexcept {
  return mix(mix(mix(seed ^ mix(a)) ^ b) ^ c);
}

// A number in [0, 1) from a draw.
constexpr double unit(std::uint64_t drawn) noexcept {
  return static_cast<double>(drawn >> 11) * 0x1.0p-53;
}

}  // namespace agentrace::chaos
