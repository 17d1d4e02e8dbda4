// Why a tool call failed. It lives here, below `tools`, because the run's memory keeps it with
// each observation (run_memory.hpp) and `tools` depends on `memory`, not the other way round;
// `tools::ToolErrorKind` (tools/tool.hpp) names this same enum.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string_view>

namespace agentrace::memory {

// The split follows smolagents: a bad *call* (the model's mistake: unknown tool, bad arguments)
// versus a failed *execution* (the tool threw or returned an error, timed out, was cancelled).
enum class ToolErrorKind : std::uint8_t { none, unknown_tool, invalid_arguments, execution, timeout, cancelled };

// "none", "unknown_tool", "invalid_arguments", "execution", "timeout", "cancelled": the text
// traces carry in `agentrace.tool.error_kind`.
std::string_view to_string(ToolErrorKind kind) noexcept;
// Writes to_string(kind).
std::ostream& operator<<(std::ostream& out, ToolErrorKind kind);

}  // namespace agentrace::memory
