// Trace and span identifiers, trace flags and the span context that travels between spans,
// threads and processes (W3C Trace Context).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentrace::tracing {

// 128-bit trace id, stored as the 16 bytes of its W3C big-endian hex form.
class TraceId {
 public:
  static constexpr std::size_t size = 16;

  constexpr TraceId() noexcept = default;
  constexpr explicit TraceId(const std::array<std::uint8_t, size>& bytes) noexcept : bytes_(bytes) {}

  // A fresh random id from this thread's generator; never all-zero.
  static TraceId random() noexcept;
  // Exactly 32 hex digits (either case), not all zero; anything else is nullopt.
  static std::optional<TraceId> from_hex(std::string_view hex) noexcept;

  [[nodiscard]] constexpr bool valid() const noexcept {
    for (auto b : bytes_) {
      if (b != 0) return true;
    }
    return false;
  }
  [[nodiscard]] std::string hex() const;  // 32 lowercase hex digits
  // Appends the 32 hex digits to `out` (no allocation when `out` has room).
  void append_hex(std::string& out) const;
  [[nodiscard]] constexpr const std::array<std::uint8_t, size>& bytes() const noexcept { return bytes_; }
  // The low 64 bits (bytes 8..15, big-endian): what ratio sampling compares.
  [[nodiscard]] std::uint64_t low64() const noexcept;

  friend constexpr bool operator==(const TraceId&, const TraceId&) noexcept = default;
  friend constexpr auto operator<=>(const TraceId&, const TraceId&) noexcept = default;

 private:
  std::array<std::uint8_t, size> bytes_{};
};

// 64-bit span id, stored as the 8 bytes of its W3C big-endian hex form.
class SpanId {
 public:
  static constexpr std::size_t size = 8;

  constexpr SpanId() noexcept = default;
  constexpr explicit SpanId(const std::array<std::uint8_t, size>& bytes) noexcept : bytes_(bytes) {}

  static SpanId random() noexcept;
  static std::optional<SpanId> from_hex(std::string_view hex) noexcept;

  [[nodiscard]] constexpr bool valid() const noexcept {
    for (auto b : bytes_) {
      if (b != 0) return true;
    }
    return false;
  }
  [[nodiscard]] std::string hex() const;  // 16 lowercase hex digits
  void append_hex(std::string& out) const;
  [[nodiscard]] constexpr const std::array<std::uint8_t, size>& bytes() const noexcept { return bytes_; }

  friend constexpr bool operator==(const SpanId&, const SpanId&) noexcept = default;
  friend constexpr auto operator<=>(const SpanId&, const SpanId&) noexcept = default;

 private:
  std::array<std::uint8_t, size> bytes_{};
};

// W3C trace-flags: bit 0 is "sampled"; the other bits are carried but not interpreted.
struct TraceFlags {
  static constexpr std::uint8_t sampled_bit = 0x01;
  std::uint8_t value = 0;

  [[nodiscard]] constexpr bool sampled() const noexcept { return (value & sampled_bit) != 0; }
  friend constexpr bool operator==(TraceFlags, TraceFlags) noexcept = default;
};

// The part of a span that crosses boundaries: ids, flags, vendor trace state, and whether it
// came from another process. Cheap to copy when trace_state is empty (the common case).
struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  TraceFlags flags{};
  bool remote = false;
  std::string trace_state{};  // the raw W3C tracestate header, validated when parsed

  [[nodiscard]] bool valid() const noexcept { return trace_id.valid() && span_id.valid(); }
  [[nodiscard]] bool sampled() const noexcept { return flags.sampled(); }

  friend bool operator==(const SpanContext&, const SpanContext&) = default;
};

// Fills `out` with `n` lowercase hex digits of `bytes`. Used by the id types and exporters.
void bytes_to_hex(const std::uint8_t* bytes, std::size_t n, char* out) noexcept;

}  // namespace agentrace::tracing
