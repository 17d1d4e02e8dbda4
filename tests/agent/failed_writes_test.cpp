// A run whose trace file or cassette cannot be written: the run completes as if nothing
// happened, one warning names the problem with the system's reason, the loss is counted in the
// Runner's trace stats, and the result says the trace is incomplete instead of claiming it.
#include <catch2/catch.hpp>

#include <filesystem>

#include "agentrace/agent/cassette.hpp"
#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/tracing/propagation.hpp"
#include "support/file_size_limit.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using agentrace::testing::FileSizeLimit;
using agentrace::testing::LogCapture;
using agentrace::testing::TempDir;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

constexpr const char* trace_hex = "4bf92f3577b34da6a3ce929d0e0e4736";

agent::Agent answering_agent() {
  agent::Agent a;
  a.name = "answerer";
  a.model = std::make_shared<llm::ScriptedLlmClient>(std::vector{llm::ScriptedLlmClient::text("42")});
  return a;
}

agent::RunConfig in_known_trace() {
  agent::RunConfig config;
  config.parent = *tracing::parse_traceparent(std::string("00-") + trace_hex + "-00f067aa0ba902b7-01");
  return config;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a run whose trace file is on a full disk completes, warns once and reports the trace incomplete",
          "[agent][failed_writes]") {
  TempDir dir;
  // The run's trace file is /dev/full, which fails every write with ENOSPC, as a full disk does.
  const fs::path trace_file = dir.path() / (std::string(trace_hex) + ".jsonl");
  fs::create_symlink("/dev/full", trace_file);
  LogCapture capture;
  agent::RunnerOptions options;
  options.default_tracing.trace_dir = dir.path();
  options.cassettes.enabled = false;
  agent::Runner runner(std::move(options));
  const agent::RunResult result = runner.run(answering_agent(), "question", in_known_trace());

  CHECK(result.ok());
  CHECK(result.output == "42");
  CHECK(result.trace_file == trace_file);
  CHECK_THAT(result.trace_error, Contains("cannot write") && Contains("No space left on device"));
  const agent::TraceStats stats = runner.trace_stats();
  CHECK(stats.files.produced > 0);
  CHECK(stats.files.dropped == stats.files.produced);
  CHECK(stats.files.exported == 0);
  CHECK_THAT(stats.files.last_error, Contains("No space left on device"));
  const std::string log = capture.text();
  CHECK(occurrences(log, "warning") == 1);
  CHECK_THAT(log, Contains("No space left on device"));
  CHECK_THAT(log, !Contains("written to"));  // the location line does not claim the file
  CHECK_THAT(log, Contains("is incomplete"));
}

TEST_CASE("a run whose trace file is written reports no error and counts every span", "[agent][failed_writes]") {
  TempDir dir;
  agent::RunnerOptions options;
  options.default_tracing.trace_dir = dir.path();
  options.cassettes.enabled = false;
  options.log_trace_location = false;
  agent::Runner runner(std::move(options));
  const agent::RunResult result = runner.run(answering_agent(), "question");
  CHECK(result.trace_error.empty());
  CHECK(fs::is_regular_file(result.trace_file));
  const agent::TraceStats stats = runner.trace_stats();
  CHECK(stats.files.produced == 4);  // invoke_agent, step, chat, decide
  CHECK(stats.files.exported == 4);
  CHECK(stats.files.dropped == 0);
  CHECK(stats.files.last_error.empty());
  CHECK_FALSE(stats.also_export.has_value());
}

TEST_CASE("a cassette that cannot be written says why and leaves no temporary file", "[agent][failed_writes]") {
  TempDir dir;
  agent::Cassette cassette;
  cassette.trace_id = trace_hex;
  cassette.task = std::string(4000, 't');
  const fs::path path = dir.path() / "run.cassette.json";
  std::string error;
  {
    // The disk fills up part way through the cassette (a file size limit: tests run as root).
    FileSizeLimit limit(1000);
    try {
      cassette.save(path);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  CHECK_THAT(error, Contains("run.cassette.json") && Contains("File too large"));
  CHECK_THAT(error, !Contains("Input/output error"));
  CHECK(fs::is_empty(dir.path()));  // no cassette, and no .tmp file beside it
}
