// Text helpers internal to the tracing module; the environment readers are public
// (agentrace/tracing/env.hpp).
#pragma once

#include <string>
#include <string_view>

#include "agentrace/tracing/env.hpp"

namespace agentrace::tracing::detail {

std::string to_lower(std::string_view text);
std::string_view trim(std::string_view text) noexcept;

}  // namespace agentrace::tracing::detail
