// What the Runner says goes to stderr through the library's logger, never to stdout.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using agentrace::testing::TempDir;

namespace {

// Points file descriptors 1 and 2 at files for the object's lifetime (what a service's stdout and
// stderr would receive), then puts them back.
class RedirectedOutput {
 public:
  explicit RedirectedOutput(const std::filesystem::path& dir) : out_(dir / "stdout.txt"), err_(dir / "stderr.txt") {
    std::fflush(stdout);
    std::fflush(stderr);
    saved_out_ = dup(1);
    saved_err_ = dup(2);
    const int out = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
  }
  ~RedirectedOutput() { restore(); }
  RedirectedOutput(const RedirectedOutput&) = delete;
  RedirectedOutput& operator=(const RedirectedOutput&) = delete;

  void restore() {
    if (saved_out_ < 0) return;
    std::fflush(stdout);
    std::fflush(stderr);
    dup2(saved_out_, 1);
    dup2(saved_err_, 2);
    close(saved_out_);
    close(saved_err_);
    saved_out_ = saved_err_ = -1;
  }
  [[nodiscard]] std::string out() const { return read(out_); }
  [[nodiscard]] std::string err() const { return read(err_); }

 private:
  static std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::filesystem::path out_;
  std::filesystem::path err_;
  int saved_out_ = -1;
  int saved_err_ = -1;
};

agent::Agent one_step_agent() {
  agent::Agent a;
  a.name = "quiet";
  a.model = std::make_shared<llm::ScriptedLlmClient>(std::vector{llm::ScriptedLlmClient::text("done")});
  return a;
}

}  // namespace

TEST_CASE("the trace location goes to stderr, and the library writes nothing to stdout", "[agent][log]") {
  tracing::set_logger(nullptr);  // the default logger, whatever an earlier test did
  TempDir dir;
  agent::RunnerOptions options;
  options.default_tracing.trace_dir = dir.path() / "traces";
  options.cassettes.enabled = false;
  agent::RunResult result;
  RedirectedOutput output(dir.path());
  {
    agent::Runner runner(options);
    result = runner.run(one_step_agent(), "Say done.");
  }
  output.restore();
  REQUIRE(result.ok());
  CHECK(output.out().empty());
  CHECK(output.err().find("agentrace: trace " + result.trace_id + " written to") != std::string::npos);
}

TEST_CASE("the Runner's messages reach a logger the application sets, and none when it is silenced", "[agent][log]") {
  TempDir dir;
  agent::RunnerOptions options;
  options.default_tracing.trace_dir = dir.path();
  options.cassettes.enabled = false;
  agent::Runner runner(options);
  {
    testing::LogCapture log;
    const auto result = runner.run(one_step_agent(), "Say done.");
    CHECK(log.text().find("trace " + result.trace_id + " written to") != std::string::npos);
  }
  {
    testing::LogCapture log;
    tracing::logger()->set_level(spdlog::level::off);
    runner.run(one_step_agent(), "Say done.");
    CHECK(log.text().empty());
  }
}
