#include "agentrace/memory/tool_error_kind.hpp"

#include <ostream>

namespace agentrace::memory {

std::string_view to_string(ToolErrorKind kind) noexcept {
  switch (kind) {
    case ToolErrorKind::none: return "none";
    case ToolErrorKind::unknown_tool: return "unknown_tool";
    case ToolErrorKind::invalid_arguments: return "invalid_arguments";
    case ToolErrorKind::execution: return "execution";
    case ToolErrorKind::timeout: return "timeout";
    case ToolErrorKind::cancelled: return "cancelled";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& out, ToolErrorKind kind) { return out << to_string(kind); }

}  // namespace agentrace::memory
