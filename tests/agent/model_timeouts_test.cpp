// A model server that never answers: the wait is bounded by defaults a person can live with, and
// each attempt that times out is a log line, not silence.
#include <catch2/catch.hpp>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/openai.hpp"
#include "agentrace/net/http_client.hpp"
#include "support/loopback_http_server.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using namespace std::chrono_literals;
using agentrace::testing::LogCapture;
using Catch::Matchers::Contains;

TEST_CASE("a silent model fails within minutes by default, not half an hour", "[agent][timeouts]") {
  const net::Timeouts defaults;
  const agent::RetryPolicy retry;
  // A server that accepts and never answers costs one first-byte wait per attempt.
  CHECK(defaults.first_byte <= 60s);
  CHECK(defaults.body_idle <= 60s);
  CHECK(defaults.total <= 300s);
  CHECK(defaults.first_byte * retry.max_attempts + retry.max_backoff * (retry.max_attempts - 1) <= 4min);
}

TEST_CASE("each attempt a silent model server times out is logged, and the run fails with a timeout", "[agent][timeouts]") {
  testing::ServerOptions silent;
  silent.silent = true;  // accepts the connection, never reads or answers
  testing::LoopbackHttpServer server([](const testing::ServerRequest&) { return testing::ServerResponse{}; }, silent);
  llm::OpenAiOptions o;
  o.base_url = server.url("/v1");
  o.api_key = "sk-timeouts-test";
  o.model = "silent";
  o.http.timeouts.first_byte = 100ms;
  agent::Agent a;
  a.name = "waiter";
  a.model = std::make_shared<llm::OpenAiClient>(o);

  agent::RunnerOptions options;
  options.default_tracing.enabled = false;
  options.cassettes.enabled = false;
  options.retry.max_attempts = 2;
  options.retry.initial_backoff = 1ms;
  agent::Runner runner(std::move(options));
  LogCapture capture;
  const agent::RunResult result = runner.run(a, "anyone there?");
  CHECK(result.status == agent::RunStatus::failed);
  CHECK_THAT(result.error, Contains("after 2 attempt(s)") && Contains("timeout (first_byte)"));
  const std::string log = capture.text();
  CHECK_THAT(log, Contains("agent 'waiter' step 1: model call attempt 1 of 2 failed") && Contains("timeout (first_byte)") &&
                      Contains("retrying in"));
  CHECK_THAT(log, !Contains("attempt 2 of 2 failed"));  // the last failure is the run's error, not a retry
}
