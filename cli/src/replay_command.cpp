#include "replay_command.hpp"

#include <filesystem>
#include <memory>

#include "agentrace/agent/replay.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/memory/store.hpp"
#include "demo_agents.hpp"
#include "terminal.hpp"
#include "trace_input.hpp"
#include "writable.hpp"

namespace agentrace::cli {
namespace {

namespace fs = std::filesystem;

struct ReplayCommandOptions {
  std::string file;
  std::string data_dir;
};

int run_replay(const ReplayCommandOptions& o) {
  const fs::path given = o.file;
  const bool is_cassette = given.filename().string().ends_with(".cassette.json");
  const fs::path cassette_file = is_cassette ? given : agent::cassette_path_for_trace(given);
  const fs::path trace_file = is_cassette ? agent::trace_path_for_cassette(given) : given;

  std::error_code ec;
  if (!is_cassette && !fs::exists(given, ec)) {
    std::fprintf(stderr, "agentrace replay: %s: No such file\n", given.c_str());
    return exit_failure;
  }
  if (!fs::exists(cassette_file, ec)) {
    std::fprintf(stderr, "agentrace replay: no cassette %s beside the trace (runs record one unless cassettes are off "
                         "or content capture is off)\n", cassette_file.c_str());
    return exit_failure;
  }
  agent::Cassette cassette;
  try {
    cassette = agent::Cassette::load(cassette_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentrace replay: %s\n", e.what());
    return exit_failure;
  }

  std::vector<tracing::SpanData> original;
  if (fs::exists(trace_file, ec)) {
    // JSON Lines or OTLP/JSON; malformed lines are reported and left out.
    if (auto read = read_trace_file(trace_file.string(), "replay", stderr)) original = std::move(read->spans);
  } else {
    std::fprintf(stderr, "agentrace replay: no trace %s beside the cassette: the span tree is not compared\n", trace_file.c_str());
  }

  // The agents: `agentrace replay` can rebuild the demo's; other programs replay their own agents
  // with agentrace::agent::replay().
  const DemoFiles files = DemoFiles::locate(o.data_dir);
  // The replayed agents' memory is a scratch store of its own, removed afterwards: a replay
  // writes nothing beside the cassette (whose directory may be read-only, or another's) and
  // starts from an empty memory as a first run does.
  std::unique_ptr<ScratchDir> scratch;
  std::shared_ptr<memory::SqliteStore> store;
  try {
    scratch = std::make_unique<ScratchDir>("replay");
    store = std::make_shared<memory::SqliteStore>(scratch->path() / "demo-memory.sqlite");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentrace replay: the replay's scratch memory cannot be made: %s\n", e.what());
    return exit_failure;
  }
  std::vector<std::string> recorded_names;
  for (const auto& a : cassette.agents) recorded_names.push_back(a.name);
  auto names_of = [](const agent::Agent& agents) {
    std::vector<std::string> names;
    for (const auto& a : agent::Cassette::describe(agents)) names.push_back(a.name);
    return names;
  };
  // The demo's agents in the shape recorded: the tool-calling manager, or the code agent of
  // `agentrace demo --code` (which has no analyst).
  agent::Agent demo = make_demo_agents(files, load_demo_script(files.script()), store);
  if (names_of(demo) != recorded_names) {
    demo = make_demo_agents(files, load_demo_script(files.script()), store, agent::Actions::code);
  }
  if (names_of(demo) != recorded_names) {
    std::string names;
    for (const auto& n : recorded_names) names += (names.empty() ? "" : ", ") + n;
    std::fprintf(stderr,
                 "agentrace replay: %s was recorded from agents (%s) this command cannot rebuild: it re-runs the demo's "
                 "agents. Replay your own agents from your program with agentrace::agent::replay().\n",
                 cassette_file.c_str(), names.c_str());
    return exit_failure;
  }

  std::printf("replaying %s: %s, task: %s\n", cassette_file.c_str(),
              counted(cassette.calls.size(), "recorded model call", "recorded model calls").c_str(), cassette.task.c_str());
  std::printf("memory: a scratch store in %s, removed afterwards (the replay writes nothing beside the cassette)\n",
              scratch->path().c_str());
  const auto report = agent::replay(demo, cassette, original);
  write_all(stdout, report.describe(cassette));
  std::fflush(stdout);
  return report.matches() ? exit_ok : exit_failure;
}

}  // namespace

void add_replay_command(CLI::App& app, CommandRunner& selected) {
  auto o = std::make_shared<ReplayCommandOptions>();
  CLI::App* replay = app.add_subcommand("replay", "Re-run a recorded demo run from its cassette (tools run for real) "
                                                  "and report whether the answer and the span tree match");
  replay->add_option("file", o->file, "The trace (.jsonl) or its cassette (.cassette.json)")->required();
  replay->add_option("--data-dir", o->data_dir, "The directory holding data/ and demo_script.json (default: found automatically)");
  replay->callback([o, &selected] { selected = [o] { return run_replay(*o); }; });
}

}  // namespace agentrace::cli
