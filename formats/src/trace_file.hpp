// Opening a trace file for a reader (JSON Lines or OTLP/JSON) with the same errors for both.
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <stdexcept>
#include <string_view>

#include "agentrace/formats/jsonl.hpp"

namespace agentrace::formats::detail {

// Runs `parse` over the file. Throws std::system_error for a directory, a file that cannot be
// opened, or a read error; what `parse` finds malformed is in the result.
JsonlReadResult read_trace_file_with(const std::filesystem::path& path, JsonlReadResult (*parse)(std::istream&));

// The error for a line the JSON parser rejected, from its message `what` and the byte offset:
// "not valid JSON at byte N: <reason>", the reason's quote of what was read ("last read: '...'",
// which for a trace line can be kilobytes) cut to its first 80 characters and "…".
std::invalid_argument json_syntax_error(std::string_view what, std::size_t byte);

// The error for a number the JSON parser cannot hold (`1e999`: nlohmann's out_of_range 406,
// "number overflow parsing '1e999'"), from its message: "not valid JSON: the number '1e999' is
// out of range".
std::invalid_argument json_number_error(std::string_view what);

}  // namespace agentrace::formats::detail
