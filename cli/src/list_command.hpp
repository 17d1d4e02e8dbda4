// `agentrace list [DIR]`: the runs in a traces directory, newest first: time, root agent, status,
// duration, tokens, file. Files without a single span (empty, every line malformed, or not
// readable) are not runs: they are counted apart ("N files could not be read:") with the reason;
// in --json they are listed with "status": "unreadable" and "spans": 0.
#pragma once

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace agentrace::cli {

void add_list_command(CLI::App& app, CommandRunner& selected);

}  // namespace agentrace::cli
