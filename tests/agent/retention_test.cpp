// Retention of the default tracing's directory (AGENTRACE_TRACE_RETENTION): count, age, size.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "retention.hpp"  // agent/src: the Runner's retention, tested directly
#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using namespace std::chrono_literals;
using agentrace::testing::ScopedEnv;
using agentrace::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// A trace `name`.jsonl of `bytes` bytes written `age` ago, with a cassette when asked.
void trace(const fs::path& dir, const std::string& name, std::size_t bytes, std::chrono::seconds age,
           bool cassette = false) {
  const auto written = fs::file_time_type::clock::now() - age;
  {
    std::ofstream(dir / (name + ".jsonl")) << std::string(bytes, 'x');
  }
  fs::last_write_time(dir / (name + ".jsonl"), written);
  if (cassette) std::ofstream(dir / (name + ".cassette.json")) << "{}";
}

std::set<std::string> files(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

}  // namespace

TEST_CASE("retention parses count, age and size, and warns about the rest", "[agent][retention]") {
  const auto r = agent::TraceRetention::parse("count=500, age=7d,size=1GiB");
  CHECK(r.max_traces == 500u);
  CHECK(r.max_age == std::chrono::seconds(7 * 86400));
  CHECK(r.max_bytes == (1ULL << 30));
  CHECK(agent::TraceRetention::parse("size=2MB").max_bytes == 2'000'000u);
  CHECK(agent::TraceRetention::parse("age=90m").max_age == std::chrono::seconds(5400));
  CHECK_FALSE(agent::TraceRetention::parse("").limited());
  testing::LogCapture log;
  const auto bad = agent::TraceRetention::parse("count=0,age=7y,size=lots,colour=blue,count=3");
  CHECK(bad.max_traces == 3u);  // the valid part stays
  CHECK_FALSE(bad.max_age);
  CHECK_FALSE(bad.max_bytes);
  CHECK_THAT(log.text(), Catch::Contains("'age=7y'") && Catch::Contains("'colour=blue'") && Catch::Contains("'count=0'"));
  CHECK_FALSE(agent::TraceRetention::parse("age=99999999999999d").max_age);  // no overflow
  ScopedEnv env("AGENTRACE_TRACE_RETENTION", "count=2");
  CHECK(agent::DefaultTracing::from_env().retention.max_traces == 2u);
}

TEST_CASE("retention deletes the oldest traces, with their cassettes, until each limit holds", "[agent][retention]") {
  TempDir dir;
  trace(dir.path(), "a", 100, 40h, /*cassette=*/true);
  trace(dir.path(), "b", 100, 30h);
  trace(dir.path(), "c", 100, 20h, true);
  trace(dir.path(), "d", 100, 1h);
  std::ofstream(dir.path() / "demo-memory.sqlite") << "not a trace";
  SECTION("count") {
    const auto removed = agent::detail::prune_traces(dir.path(), {.max_traces = 2});
    CHECK(removed.size() == 2);
    CHECK(files(dir.path()) == std::set<std::string>{"c.jsonl", "c.cassette.json", "d.jsonl", "demo-memory.sqlite"});
  }
  SECTION("age") {
    agent::detail::prune_traces(dir.path(), {.max_age = 25h});
    CHECK(files(dir.path()) == std::set<std::string>{"c.jsonl", "c.cassette.json", "d.jsonl", "demo-memory.sqlite"});
  }
  SECTION("size, cassettes counted") {
    agent::detail::prune_traces(dir.path(), {.max_bytes = 250});  // c is 102 with its cassette
    CHECK(files(dir.path()) == std::set<std::string>{"c.jsonl", "c.cassette.json", "d.jsonl", "demo-memory.sqlite"});
  }
  SECTION("no limit, or limits that hold: nothing") {
    CHECK(agent::detail::prune_traces(dir.path(), {}).empty());
    CHECK(agent::detail::prune_traces(dir.path(), {.max_traces = 4, .max_age = 48h, .max_bytes = 1000}).empty());
    CHECK(files(dir.path()).size() == 7);
  }
  SECTION("a directory that is missing or not a directory: nothing, no throw") {
    CHECK(agent::detail::prune_traces(dir.path() / "missing", {.max_traces = 1}).empty());
    CHECK(agent::detail::prune_traces(dir.path() / "demo-memory.sqlite", {.max_traces = 1}).empty());
  }
}

TEST_CASE("a Runner keeps its trace directory within the retention", "[agent][retention]") {
  TempDir dir;
  {
    agent::RunnerOptions options;
    options.default_tracing.trace_dir = dir.path();
    options.default_tracing.retention = {.max_traces = 2};
    options.log_trace_location = false;
    options.cassettes.enabled = true;
    agent::Runner runner(options);
    for (int i = 0; i < 5; ++i) {
      agent::Agent a;
      a.name = "one";
      a.model = std::make_shared<llm::ScriptedLlmClient>(std::vector{llm::ScriptedLlmClient::text("done")});
      REQUIRE(runner.run(a, "Say done.").ok());
    }
  }
  std::size_t traces = 0;
  std::size_t cassettes = 0;
  for (const auto& name : files(dir.path())) {
    if (name.ends_with(".cassette.json")) ++cassettes;
    else if (name.ends_with(".jsonl")) ++traces;
  }
  CHECK(traces == 2);
  CHECK(cassettes == 2);  // each kept trace keeps its cassette; the others' went with them
}
