// Reading OTEL_* / AGENTRACE_* variables the ecosystem's way: an empty variable counts as unset,
// an invalid value is warned about once and the default kept. Internal to the tracing module.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentrace::tracing::detail {

// The value, or nullopt when unset or empty.
std::optional<std::string> env_string(const char* name);
// A non-negative integer; nullopt (with one warning) when not a valid number.
std::optional<std::uint64_t> env_uint(const char* name);
std::optional<bool> env_bool(const char* name);  // "true"/"false", case-insensitive
// Warns once per distinct message through spdlog (agentrace logger).
void warn_once(const std::string& message);

std::string to_lower(std::string_view text);
std::string_view trim(std::string_view text) noexcept;

}  // namespace agentrace::tracing::detail
