#include "agentrace/tracing/ids.hpp"

#include <cstring>
#include <random>
#include <thread>

namespace agentrace::tracing {
namespace {

// xoshiro256++ (public-domain algorithm by Blackman and Vigna): a few instructions per id and
// no shared state; each thread seeds its own from std::random_device once.
class Xoshiro256 {
 public:
  Xoshiro256() noexcept {
    std::uint64_t seed = 0;
    try {
      std::random_device rd;
      seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    } catch (...) {
      seed = static_cast<std::uint64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id()));
    }
    seed ^= reinterpret_cast<std::uintptr_t>(this);
    for (auto& s : s_) s = splitmix64(seed);
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t s_[4];
};

std::uint64_t random_nonzero() noexcept {
  thread_local Xoshiro256 generator;
  std::uint64_t v = 0;
  while (v == 0) v = generator.next();
  return v;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <std::size_t N>
bool parse_hex(std::string_view hex, std::array<std::uint8_t, N>& out) noexcept {
  if (hex.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return true;
}

}  // namespace

void bytes_to_hex(const std::uint8_t* bytes, std::size_t n, char* out) noexcept {
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0f];
  }
}

TraceId TraceId::random() noexcept {
  std::array<std::uint8_t, size> bytes{};
  const std::uint64_t hi = random_nonzero();
  const std::uint64_t lo = random_nonzero();
  std::memcpy(bytes.data(), &hi, 8);
  std::memcpy(bytes.data() + 8, &lo, 8);
  return TraceId(bytes);
}

std::optional<TraceId> TraceId::from_hex(std::string_view hex) noexcept {
  std::array<std::uint8_t, size> bytes{};
  if (!parse_hex(hex, bytes)) return std::nullopt;
  TraceId id(bytes);
  if (!id.valid()) return std::nullopt;
  return id;
}

std::string TraceId::hex() const {
  std::string out(2 * size, '0');
  bytes_to_hex(bytes_.data(), size, out.data());
  return out;
}

void TraceId::append_hex(std::string& out) const {
  const std::size_t at = out.size();
  out.resize(at + 2 * size);
  bytes_to_hex(bytes_.data(), size, out.data() + at);
}

std::uint64_t TraceId::low64() const noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 8; i < 16; ++i) v = (v << 8) | bytes_[i];
  return v;
}

SpanId SpanId::random() noexcept {
  std::array<std::uint8_t, size> bytes{};
  const std::uint64_t v = random_nonzero();
  std::memcpy(bytes.data(), &v, 8);
  return SpanId(bytes);
}

std::optional<SpanId> SpanId::from_hex(std::string_view hex) noexcept {
  std::array<std::uint8_t, size> bytes{};
  if (!parse_hex(hex, bytes)) return std::nullopt;
  SpanId id(bytes);
  if (!id.valid()) return std::nullopt;
  return id;
}

std::string SpanId::hex() const {
  std::string out(2 * size, '0');
  bytes_to_hex(bytes_.data(), size, out.data());
  return out;
}

void SpanId::append_hex(std::string& out) const {
  const std::size_t at = out.size();
  out.resize(at + 2 * size);
  bytes_to_hex(bytes_.data(), size, out.data() + at);
}

}  // namespace agentrace::tracing
