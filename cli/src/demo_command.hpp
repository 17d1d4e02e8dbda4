// `agentrace demo`: the multi-agent demo. A manager answers a question by delegating to a
// researcher (search and read over a bundled corpus, remember in SQLite) and an analyst (the
// calculator). Offline by default: the model is scripted, everything else is real. Prints a
// live step log, then the answer, the span tree, the timeline and where the trace is.
#pragma once

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace agentrace::cli {

void add_demo_command(CLI::App& app, CommandRunner& selected);

}  // namespace agentrace::cli
