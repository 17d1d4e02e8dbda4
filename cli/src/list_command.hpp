// `agentrace list [DIR]`: the runs in a traces directory, newest first: time, root agent, status,
// duration, tokens, file.
#pragma once

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace agentrace::cli {

void add_list_command(CLI::App& app, CommandRunner& selected);

}  // namespace agentrace::cli
