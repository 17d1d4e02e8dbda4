// `agentrace demo` interrupted mid-run, as a user or a service manager does it: killed with
// SIGKILL, stopped with SIGTERM, or Ctrl-C (SIGINT). The run's manager is stuck in a slow model
// call after its researcher (a managed agent) has finished: the researcher's spans have ended,
// the manager's have not. What must be on disk afterwards is the researcher's whole run, in a
// file whose every line parses, which `view` shows as an incomplete run.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "agentrace/formats/jsonl.hpp"
#include "support/child_process.hpp"
#include "support/test_support.hpp"

using agentrace::testing::ChildProcess;
using agentrace::testing::eventually;
using agentrace::testing::TempDir;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* trace_hex = "5bf92f3577b34da6a3ce929d0e0e4736";

// The demo's files with one change: the manager's second model call (after the researcher
// returned) takes ten minutes, so the run is mid-way whenever the test interrupts it.
fs::path slow_demo_files(const TempDir& dir) {
  const fs::path source = fs::path(AGENTRACE_SOURCE_EXAMPLES_DIR);
  const fs::path files = dir.path() / "demo";
  fs::create_directories(files);
  fs::copy(source / "data", files / "data", fs::copy_options::recursive);
  std::ifstream in(source / "demo_script.json");
  nlohmann::json script = nlohmann::json::parse(in);
  script["agents"]["manager"][1]["delay_ms"] = 600000;
  std::ofstream(files / "demo_script.json") << script.dump(1);
  return files;
}

std::vector<std::string> demo_command(const TempDir& dir, const fs::path& files) {
  return {AGENTRACE_CLI_EXE, "demo", "--no-color", "--data-dir", files.string(), "--trace-dir",
          (dir.path() / "traces").string(), "--traceparent", std::string("00-") + trace_hex + "-00f067aa0ba902b7-01"};
}

fs::path trace_file(const TempDir& dir) { return dir.path() / "traces" / (std::string(trace_hex) + ".jsonl"); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The researcher's run has ended: the manager's step log shows its result.
constexpr const char* researcher_done = "manager #1  ← researcher:";

void check_researcher_run_on_disk(const TempDir& dir) {
  const auto read = agentrace::formats::read_jsonl_file(trace_file(dir));
  INFO(read_file(trace_file(dir)));
  CHECK(read.errors.empty());  // every line parses: no torn last line
  std::size_t researcher_spans = 0;
  bool manager_root = false;
  for (const auto& span : read.spans) {
    if (span.name == "invoke_agent researcher") ++researcher_spans;
    if (span.name == "invoke_agent manager") manager_root = true;
  }
  CHECK(researcher_spans == 1);
  CHECK_FALSE(manager_root);  // it never ended
  CHECK(read.spans.size() >= 10);  // the researcher's steps, chats and tools
}

}  // namespace

TEST_CASE("a demo killed with SIGKILL mid-run leaves whole lines, written promptly, that view shows as incomplete",
          "[demo][crash]") {
  TempDir dir;
  const fs::path files = slow_demo_files(dir);
  ChildProcess demo(demo_command(dir, files), dir.path());
  REQUIRE(demo.wait_for_output(researcher_done, 60s));
  // The trace files are written every 200 ms, not OpenTelemetry's 5 s: a crash loses at most the
  // last moment. (2 s leaves room for a slow machine and still fails with a 5 s delay.)
  CHECK(eventually([&] { return read_file(trace_file(dir)).find("\"invoke_agent researcher\"") != std::string::npos; }, 2s));
  demo.signal(SIGKILL);
  const auto status = demo.wait(10s);
  REQUIRE(status.has_value());
  CHECK(WIFSIGNALED(*status));
  check_researcher_run_on_disk(dir);

  fs::create_directories(dir.path() / "view");
  ChildProcess view({AGENTRACE_CLI_EXE, "view", trace_file(dir).string(), "--no-color"}, dir.path() / "view");
  const auto view_status = view.wait(30s);
  REQUIRE(view_status.has_value());
  INFO(view.out() << view.err());
  CHECK(WIFEXITED(*view_status));
  CHECK_THAT(view.out(), Contains("(root span missing)") && Contains("unfinished") && Contains("incomplete trace") &&
                             Contains("researcher  completed"));
}

TEST_CASE("SIGTERM or SIGINT mid-run writes the spans that ended, then exits with 128 + the signal", "[demo][crash]") {
  for (const int signal : {SIGTERM, SIGINT}) {
    INFO("signal " << signal);
    TempDir dir;
    const fs::path files = slow_demo_files(dir);
    // Only the signal's flush can write the spans: the periodic export is ten minutes away.
    ChildProcess demo(demo_command(dir, files), dir.path(), {"OTEL_BSP_SCHEDULE_DELAY=600000"});
    REQUIRE(demo.wait_for_output(researcher_done, 60s));
    demo.signal(signal);
    const auto status = demo.wait(10s);  // the flush is bounded by 2 s
    REQUIRE(status.has_value());
    INFO(demo.out() << demo.err());
    REQUIRE(WIFEXITED(*status));
    CHECK(WEXITSTATUS(*status) == 128 + signal);
    CHECK_THAT(demo.err(), Contains(signal == SIGTERM ? "interrupted by SIGTERM" : "interrupted by SIGINT"));
    check_researcher_run_on_disk(dir);
  }
}
