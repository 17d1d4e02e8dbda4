// What every subcommand shares: exit codes, the hand-off between parsing and running, and the
// validation of numeric options.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>

#include "agentrace/tracing/flush_on_signals.hpp"

namespace agentrace::cli {

// Scripts tell "the input was bad" (1) from "the command line was bad" (2), as grep and diff do.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

// A subcommand's parse callback stores its runner here; main runs it after parsing succeeded,
// so failures while running are never mistaken for usage errors.
using CommandRunner = std::function<int()>;

// SIGINT and SIGTERM, watched for the whole command (main.cpp): a command that has spans to write
// registers its flush here. On a signal the registered flushes run within 2 s and the process
// exits with 128 + the signal's number. Null only if the watching could not be set up.
tracing::FlushOnSignals* stop_signals() noexcept;
inline constexpr std::chrono::milliseconds stop_flush_deadline{2000};

// "1 span", "6 spans": a count with the noun in the right number.
inline std::string counted(std::uint64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A check for an integer option: the whole text must be a decimal integer in [min, max]. It runs
// on the text before CLI11 converts it, so "abc", "-1" and out-of-range values all get one short
// message, e.g. "--step: expected a step number >= 1, got '0'" (CLI11 prefixes the option's name).
// `what` names the value ("a step number"). The message names the range "from min to max" when
// `max_is_a_limit`; otherwise max is only what the option's type holds and the message says
// ">= min" (or "<= max" for a value above it).
inline CLI::Validator integer_between(std::int64_t min, std::int64_t max, const std::string& what,
                                      bool max_is_a_limit = true) {
  const std::string range = max_is_a_limit ? " from " + std::to_string(min) + " to " + std::to_string(max)
                                           : " >= " + std::to_string(min);
  auto check = [min, max, what, range, max_is_a_limit](std::string& text) -> std::string {
    const std::string shown = text.size() > 40 ? text.substr(0, 40) + "…" : text;
    std::int64_t value = 0;
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(text.data(), last, value);
    const bool integer = !text.empty() && end == last && (ec == std::errc{} || ec == std::errc::result_out_of_range);
    const bool too_large = integer && (ec == std::errc::result_out_of_range ? text.front() != '-' : value > max);
    if (too_large && !max_is_a_limit) return "expected " + what + " <= " + std::to_string(max) + ", got '" + shown + "'";
    if (!integer || ec != std::errc{} || value < min || value > max) return "expected " + what + range + ", got '" + shown + "'";
    return {};
  };
  // Shown in --help after the type, as CLI11's own Range and PositiveNumber are.
  const std::string desc = max_is_a_limit ? "INT in [" + std::to_string(min) + " - " + std::to_string(max) + "]"
                           : min == 1     ? std::string("POSITIVE")
                                          : "INT >= " + std::to_string(min);
  return CLI::Validator(check, desc);
}

}  // namespace agentrace::cli
