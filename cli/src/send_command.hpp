// `agentrace send <trace> [--endpoint URL] [--protocol P] [--header k=v]... [--gzip]`: pushes a
// recorded trace (agentrace's JSON Lines, or OTLP/JSON) to an OTLP/HTTP collector with the same
// exporter and delivery rules as a live run. Unset options come from the OTEL_EXPORTER_OTLP_*
// variables. Header values are never printed.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace agentrace::cli {

struct SendOptions {
  std::string file;
  std::string endpoint;  // empty: OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, else localhost:4318
  std::string protocol;  // empty: OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, else http/protobuf
  std::vector<std::string> headers;  // k=v, added to OTEL_EXPORTER_OTLP_[TRACES_]HEADERS
  bool gzip = false;
  unsigned timeout_ms = 0;  // 0: OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT, else 10000
};

// exit_ok when every span was accepted (a partial success is reported, and is exit_failure);
// exit_failure when the file cannot be read or the collector refused or could not be reached;
// exit_usage for a bad endpoint, protocol or header.
int run_send(const SendOptions& options, std::FILE* out, std::FILE* err);

void add_send_command(CLI::App& app, CommandRunner& selected);

}  // namespace agentrace::cli
