// `agentrace view <trace>`: what the agents did, iteration by iteration.
//   (default)       per agent run, its iterations (duration, tokens, action, errors) and the
//                   trace's totals; a trace without agent spans shows its tree and timeline
//   --step N        one iteration in full (--agent NAME: of that agent; default the top one)
//   --messages      every model call's messages and reply (--agent / --step filter them)
//   --tree, --timeline   the span tree / the timeline
//   --json          the per-iteration view as JSON, for scripts
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace agentrace::cli {

struct ViewOptions {
  std::string file;
  bool tree = false;
  bool timeline = false;
  bool messages = false;
  bool json = false;
  int step = 0;       // 0: not asked
  bool only_new = false;  // with --step: only the messages the model had not seen
  std::string agent;  // with --step / --messages
  std::size_t width = 0;  // 0: the terminal's width, or 100 when not a terminal
  bool color = false;     // neither color nor no_color: colour when `out` is a terminal
  bool no_color = false;
};

// Reports malformed lines on `err` as "<file>:<line>: <message>" and renders the rest; returns
// exit_failure when the file cannot be read, holds no span, any line was malformed, or the step
// asked for does not exist.
int run_view(const ViewOptions& options, std::FILE* out, std::FILE* err);

void add_view_command(CLI::App& app, CommandRunner& selected);

}  // namespace agentrace::cli
