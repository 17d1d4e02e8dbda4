// Retention of the default tracing's directory: which traces go when limits are set. Internal to
// the Runner; the limits are TraceRetention (runner.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>

#include "agentrace/agent/runner.hpp"

namespace agentrace::agent::detail {

// Deletes the oldest traces of `dir` (`<id>.jsonl`, with `<id>.cassette.json` beside it) until
// every limit of `retention` holds at `now`; returns the trace files deleted. Files that are not
// traces are neither counted nor touched. Never throws: a file that cannot be read or removed is
// skipped (and logged once).
std::vector<std::filesystem::path> prune_traces(const std::filesystem::path& dir, const TraceRetention& retention,
                                                std::filesystem::file_time_type now = std::filesystem::file_time_type::clock::now());

}  // namespace agentrace::agent::detail
