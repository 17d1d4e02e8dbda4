// `agentrace view <file.jsonl>`: renders a JSON Lines trace file as a tree and a timeline.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace agentrace::cli {

struct ViewOptions {
  std::string file;
  bool tree = false;  // neither tree nor timeline asked for: both
  bool timeline = false;
  std::size_t width = 0;  // 0: the terminal's width, or 100 when not a terminal
  bool color = false;     // neither color nor no_color: colour when `out` is a terminal
  bool no_color = false;
};

// Reports malformed lines on `err` as "<file>:<line>: <message>" and renders the rest; returns
// exit_failure when the file cannot be read or any line was malformed.
int run_view(const ViewOptions& options, std::FILE* out, std::FILE* err);

void add_view_command(CLI::App& app, CommandRunner& selected);

}  // namespace agentrace::cli
