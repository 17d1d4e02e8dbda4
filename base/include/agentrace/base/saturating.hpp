// Arithmetic on counts that come from outside (token counts in a model's reply, a cassette or a
// trace file): a count near 2^63 must not make a sum overflow, which for signed integers is
// undefined behaviour. Sums stop at the type's limits instead; a total that reads
// 9223372036854775807 says plainly that something upstream was absurd.
#pragma once

#include <cstdint>
#include <limits>

namespace agentrace::base {

[[nodiscard]] constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

// A double (a count another writer stored as a number with a fraction or exponent) as an int64:
// truncated toward zero, NaN as 0, values beyond the range at its limits. A plain cast of 1e300
// is undefined.
[[nodiscard]] constexpr std::int64_t saturating_int64(double d) noexcept {
  if (!(d == d)) return 0;
  constexpr double limit = 9223372036854775808.0;  // 2^63, exact as a double
  if (d >= limit) return std::numeric_limits<std::int64_t>::max();
  if (d < -limit) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(d);
}

}  // namespace agentrace::base
