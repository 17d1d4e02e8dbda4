// A token count from a provider's reply, read so that no value can make arithmetic on it
// undefined: beyond int64 (2^64 - 1) or a double (1e300) saturates at the int64 maximum, a
// negative count reads as 0, anything that is not a number as 0 (absent).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

#include "agentrace/base/saturating.hpp"

namespace agentrace::llm::detail {

inline std::int64_t token_count(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return 0;
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  if (it->is_number_unsigned()) {
    const auto n = it->get<std::uint64_t>();
    return n > static_cast<std::uint64_t>(max) ? max : static_cast<std::int64_t>(n);
  }
  if (it->is_number_integer()) return std::max<std::int64_t>(0, it->get<std::int64_t>());
  if (it->is_number_float()) return std::max<std::int64_t>(0, base::saturating_int64(it->get<double>()));
  return 0;
}

}  // namespace agentrace::llm::detail
