// agentrace: the command-line tool. Each subcommand registers itself on the app; adding one is
// one add_*_command call here and one <name>_command.cpp beside this file.
#include <cstdio>
#include <exception>
#include <memory>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "command.hpp"
#include "demo_command.hpp"
#include "export_command.hpp"
#include "list_command.hpp"
#include "replay_command.hpp"
#include "send_command.hpp"
#include "view_command.hpp"

#ifndef AGENTRACE_VERSION
#define AGENTRACE_VERSION "0.0.0"
#endif

namespace {

// The libraries log through spdlog's default logger (OTLP export failures, bad OTEL_* variables),
// which writes to stdout: the CLI's output would mix with them. Replace it with one of the same
// name, level and pattern (spdlog's defaults, which the libraries keep) that writes to stderr.
void log_to_stderr() {
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(previous->name(), std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_level(previous->level());
  logger->flush_on(previous->flush_level());
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace agentrace::cli;
  log_to_stderr();
  CLI::App app{"agentrace: run the demo agents, and inspect, convert and replay traces of LLM agents", "agentrace"};
  app.set_version_flag("--version", AGENTRACE_VERSION);
  app.require_subcommand(1);

  CommandRunner selected;
  add_demo_command(app, selected);
  add_view_command(app, selected);
  add_export_command(app, selected);
  add_list_command(app, selected);
  add_replay_command(app, selected);
  add_send_command(app, selected);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // app.exit prints help, the version or the error with a usage hint; CLI11's own non-zero
    // codes vary by error kind, and scripts only need "usage error".
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }
  if (!selected) return exit_usage;
  try {
    return selected();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentrace: %s\n", e.what());
    return exit_failure;
  }
}
