// `agentrace export <trace> --format F [-o FILE]`: converts a trace file (agentrace's JSON Lines,
// or OTLP/JSON) to OTLP/JSON, OTLP protobuf, Jaeger UI JSON or Chrome trace (Perfetto) JSON.
#pragma once

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace agentrace::cli {

struct ExportOptions {
  std::string file;
  std::string format;  // otlp-json, otlp-proto, jaeger, perfetto
  std::string output;  // empty: stdout
};

// Malformed input lines are reported on `err` as "<file>:<line>: <message>"; the rest is
// converted and written, and the exit code is exit_failure (as `agentrace view` does). A missing
// or unreadable file, one without spans (nothing is written then), or output that cannot be
// written, is exit_failure too. otlp-proto is
// binary: without -o it is written to `out` only when `out` is not a terminal (exit_usage
// otherwise).
int run_export(const ExportOptions& options, std::FILE* out, std::FILE* err);

void add_export_command(CLI::App& app, CommandRunner& selected);

}  // namespace agentrace::cli
