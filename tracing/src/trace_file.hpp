// Opening a trace file for a reader (JSON Lines or OTLP/JSON) with the same errors for both.
#pragma once

#include <filesystem>
#include <istream>

#include "agentrace/tracing/jsonl.hpp"

namespace agentrace::tracing::detail {

// Runs `parse` over the file. Throws std::system_error for a directory, a file that cannot be
// opened, or a read error; what `parse` finds malformed is in the result.
JsonlReadResult read_trace_file_with(const std::filesystem::path& path, JsonlReadResult (*parse)(std::istream&));

}  // namespace agentrace::tracing::detail
