// What every subcommand shares: exit codes and the hand-off between parsing and running.
#pragma once

#include <functional>

namespace agentrace::cli {

// Scripts tell "the input was bad" (1) from "the command line was bad" (2), as grep and diff do.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

// A subcommand's parse callback stores its runner here; main runs it after parsing succeeded,
// so failures while running are never mistaken for usage errors.
using CommandRunner = std::function<int()>;

}  // namespace agentrace::cli
