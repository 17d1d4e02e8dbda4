// Reading configuration from the environment the ecosystem's way, for every module: an empty
// variable counts as unset, and an invalid value is warned about once and the default kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace agentrace::tracing {

// The value (surrounding blanks trimmed), or nullopt when unset or empty.
std::optional<std::string> env_string(const char* name);
// A non-negative integer; nullopt (with one warning naming the variable) when not a valid number.
std::optional<std::uint64_t> env_uint(const char* name);
// "true" / "false", case-insensitive; nullopt (with one warning) for anything else.
std::optional<bool> env_bool(const char* name);
// Logs `message` as a warning through spdlog, once per distinct message.
void warn_once(const std::string& message);

}  // namespace agentrace::tracing
