// What both trace readers (JSON Lines and OTLP/JSON) check the same way: the size caps of
// read_limits.hpp on a span read, a number the JSON parser could not hold, and the file itself.
#pragma once

#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/formats/read_limits.hpp"
#include "agentrace/tracing/span_data.hpp"

namespace agentrace::formats::detail {

// Drops the attributes of `span` (its events' and links' too) whose key or value is longer than
// limits.max_value_bytes, with a note each in `notes`. Throws std::invalid_argument naming the
// field when the span's or an event's name is longer than limits.max_name_bytes: a span cannot
// be kept without its name.
void enforce_limits(tracing::SpanData& span, const ReadLimits& limits, std::vector<std::string>& notes);

// nlohmann's out_of_range.406 ("number overflow parsing '1e999'") as "a number is too large for
// any type the reader holds: 1e999"; other texts as they are.
std::string number_error(std::string_view what);

// Throws std::system_error when `path` is a directory, a device or a socket (reading /dev/zero
// would never end), or a regular file larger than limits.max_file_bytes. Pipes are read, with
// the same bound counted as they are read.
void check_trace_file(const std::filesystem::path& path, const ReadLimits& limits);

// Reads one line (without its '\n') into `line`; false at the end of the input. A line longer
// than `max` bytes is read past without being kept: `line` is then empty and `too_long` set.
// `total` counts the bytes read.
bool read_bounded_line(std::istream& in, std::string& line, std::size_t max, bool& too_long, std::size_t& total);

}  // namespace agentrace::formats::detail
