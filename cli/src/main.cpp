// agentrace: the command-line tool. Each subcommand registers itself on the app; adding one is
// one add_*_command call here and one <name>_command.cpp beside this file.
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>

#include <CLI/CLI.hpp>

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

namespace agentrace::cli {
namespace {
tracing::FlushOnSignals* watching = nullptr;
}  // namespace

tracing::FlushOnSignals* stop_signals() noexcept { return watching; }
}  // namespace agentrace::cli

int main(int argc, char** argv) {
  using namespace agentrace::cli;
  // Ctrl-C and SIGTERM write out the spans that have ended (within 2 s), then exit 130 / 143.
  std::unique_ptr<agentrace::tracing::FlushOnSignals> on_signals;
  try {
    agentrace::tracing::FlushOnSignals::Options options;
    options.deadline = stop_flush_deadline;
    options.before_exit = [](int signal, bool flushed) {
      const char* name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
      std::fprintf(stderr, "\nagentrace: interrupted by %s: %s\n", name,
                   flushed ? "the spans that had ended are written; the run's trace is incomplete"
                           : "not every span could be written within 2 s; the trace is incomplete");
    };
    on_signals = std::make_unique<agentrace::tracing::FlushOnSignals>(std::move(options));
    watching = on_signals.get();
  } catch (const std::exception& e) {  // no pipe or thread to spare: the signals keep their default
    std::fprintf(stderr, "agentrace: cannot watch for SIGINT and SIGTERM: %s\n", e.what());
  }
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
