// `agentrace demo --model ... --model-timeout S` against a model server that never answers: the
// demo reports each retry as it happens and fails after its attempts, instead of waiting silently.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include "support/child_process.hpp"
#include "support/loopback_http_server.hpp"
#include "support/test_support.hpp"

using agentrace::testing::ChildProcess;
using agentrace::testing::TempDir;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

TEST_CASE("demo --model-timeout bounds each attempt against a silent server and logs the retries", "[demo][timeouts]") {
  agentrace::testing::ServerOptions silent;
  silent.silent = true;
  agentrace::testing::LoopbackHttpServer server(
      [](const agentrace::testing::ServerRequest&) { return agentrace::testing::ServerResponse{}; }, silent);
  TempDir dir;
  ChildProcess demo({AGENTRACE_CLI_EXE, "demo", "--quiet", "--no-color", "--model",
                     "openai-compatible:" + server.url("/v1") + "#silent", "--model-timeout", "0.2", "--trace-dir",
                     (dir.path() / "traces").string()},
                    dir.path());
  const auto status = demo.wait(60s);  // 3 attempts of 0.2 s and two short back-offs
  REQUIRE(status.has_value());
  INFO(demo.out() << demo.err());
  REQUIRE(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 1);
  CHECK_THAT(demo.out(), Contains("Final answer (failed") && Contains("model call failed after 3 attempt(s)") &&
                             Contains("within 200 ms"));
  CHECK_THAT(demo.err(), Contains("model call attempt 1 of 3 failed") && Contains("model call attempt 2 of 3 failed"));
}
