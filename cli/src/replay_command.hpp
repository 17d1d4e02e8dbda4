// `agentrace replay <trace or cassette>`: re-runs a recorded demo run with a model that answers
// from the recording (the tools run again), and reports whether the answer and the span tree
// match the original, or the first request that differed.
#pragma once

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace agentrace::cli {

void add_replay_command(CLI::App& app, CommandRunner& selected);

}  // namespace agentrace::cli
