// A cassette holds every message in full, so it follows the content policy unless asked for.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using agentrace::testing::ScopedEnv;
using agentrace::testing::TempDir;

namespace {

const std::string long_answer = "The answer, longer than the truncation budget: " + std::string(400, 'x');

agent::Agent answering_agent() {
  agent::Agent a;
  a.name = "answerer";
  a.model = std::make_shared<llm::ScriptedLlmClient>(std::vector{llm::ScriptedLlmClient::text(long_answer)});
  return a;
}

agent::RunnerOptions options_into(const std::filesystem::path& dir, agent::ContentCapture capture) {
  agent::RunnerOptions o;
  o.default_tracing.trace_dir = dir;
  o.log_trace_location = false;
  o.content.mode = capture;
  o.content.max_bytes = 64;
  o.cassettes = agent::CassetteOptions{};  // whatever the environment says: the defaults
  return o;
}

std::size_t cassettes_in(const std::filesystem::path& dir) {
  std::size_t n = 0;
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().string().ends_with(".cassette.json")) ++n;
  }
  return n;
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

agent::RunResult run_with(const agent::RunnerOptions& options) {
  agent::Runner runner(options);
  auto result = runner.run(answering_agent(), "Answer at length.");
  REQUIRE(result.ok());
  return result;
}

}  // namespace

TEST_CASE("by default a cassette is written only when content capture is full", "[agent][cassette]") {
  TempDir dir;
  SECTION("truncated (the library's default): none") {
    const auto result = run_with(options_into(dir.path(), agent::ContentCapture::truncated));
    CHECK(result.cassette.empty());
    CHECK(cassettes_in(dir.path()) == 0);
  }
  SECTION("off: none") {
    const auto result = run_with(options_into(dir.path(), agent::ContentCapture::off));
    CHECK(result.cassette.empty());
    CHECK(cassettes_in(dir.path()) == 0);
  }
  SECTION("full: beside the trace, in full") {
    const auto result = run_with(options_into(dir.path(), agent::ContentCapture::full));
    REQUIRE_FALSE(result.cassette.empty());
    CHECK(result.cassette.parent_path() == dir.path());
    CHECK(read(result.cassette).find(long_answer) != std::string::npos);
  }
}

TEST_CASE("cassettes asked for are written in full whatever the capture, and refused ones never", "[agent][cassette]") {
  TempDir dir;
  SECTION("enabled = true with truncated capture") {
    auto options = options_into(dir.path(), agent::ContentCapture::truncated);
    options.cassettes.enabled = true;
    const auto result = run_with(options);
    REQUIRE_FALSE(result.cassette.empty());
    CHECK(read(result.cassette).find(long_answer) != std::string::npos);  // not cut to 64 bytes
  }
  SECTION("a directory given with truncated capture") {
    auto options = options_into(dir.path() / "traces", agent::ContentCapture::truncated);
    options.cassettes.dir = dir.path() / "cassettes";
    const auto result = run_with(options);
    REQUIRE_FALSE(result.cassette.empty());
    CHECK(result.cassette.parent_path() == dir.path() / "cassettes");
  }
  SECTION("AGENTRACE_CASSETTES=on") {
    ScopedEnv on("AGENTRACE_CASSETTES", "on");
    auto options = options_into(dir.path(), agent::ContentCapture::truncated);
    options.cassettes = agent::CassetteOptions::from_env();
    CHECK(options.cassettes.enabled == true);
    CHECK_FALSE(run_with(options).cassette.empty());
  }
  SECTION("enabled = false with full capture") {
    auto options = options_into(dir.path(), agent::ContentCapture::full);
    options.cassettes.enabled = false;
    CHECK(run_with(options).cassette.empty());
    CHECK(cassettes_in(dir.path()) == 0);
  }
  SECTION("AGENTRACE_CASSETTES unset leaves the choice to the content policy") {
    ScopedEnv unset("AGENTRACE_CASSETTES", nullptr);
    CHECK_FALSE(agent::CassetteOptions::from_env().enabled.has_value());
  }
}

TEST_CASE("a cassette is written only after its trace file is complete, run_async too", "[agent][cassette]") {
  // run_async does not wait for the trace file as run() does; its cassette must not appear
  // before the trace it belongs to (a process that dies then would leave a cassette of nothing).
  TempDir dir;
  auto options = options_into(dir.path(), agent::ContentCapture::full);
  options.default_tracing.also_export = {};
  agent::Runner runner(options);
  asio::io_context io;
  agent::RunResult result;
  const agent::Agent agent = answering_agent();
  asio::co_spawn(io, runner.run_async(agent, "Answer at length."), [&](std::exception_ptr e, agent::RunResult r) {
    REQUIRE_FALSE(e);
    result = std::move(r);
  });
  io.run();
  REQUIRE(result.ok());
  REQUIRE_FALSE(result.cassette.empty());
  CHECK(std::filesystem::exists(result.cassette));
  const auto trace = dir.path() / (result.trace_id + ".jsonl");
  REQUIRE(std::filesystem::exists(trace));  // already, before the Runner flushes or ends
  const std::string text = read(trace);
  CHECK(text.find("\"name\":\"invoke_agent answerer\"") != std::string::npos);  // the root, which ends last
}
