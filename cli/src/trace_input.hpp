// Reading the trace file a subcommand was given: agentrace JSON Lines or OTLP/JSON, told apart by
// the file's first bytes.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "agentrace/formats/jsonl.hpp"

namespace agentrace::cli {

// Malformed lines are reported on `err` as "<file>:<line>: <message>" and left out of the result.
// nullopt, after "agentrace <command>: <why>" on `err`, when the file cannot be read at all.
std::optional<formats::JsonlReadResult> read_trace_file(const std::string& file, std::string_view command, std::FILE* err);

// True, after "agentrace <command>: <file>: no spans" (and why, when every line was malformed) on
// `err`, when `result` holds no span: an empty input is an error (exit 1) for every command.
bool report_no_spans(const formats::JsonlReadResult& result, const std::string& file, std::string_view command,
                     std::FILE* err);

}  // namespace agentrace::cli
