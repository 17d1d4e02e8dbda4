// No secret a user can set ends up in what agentrace writes or prints. The test sets recognisable
// secrets everywhere a user can (the model API keys, the OTLP headers, credentials in URLs), runs
// `agentrace demo` against a loopback model server and a loopback OTLP collector, so that the
// secrets are really sent, and servers that echo them back in their errors, then searches every
// output for them: stdout, stderr, every file the run left (trace, cassette, memory database),
// and every span the collector received.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/child_process.hpp"
#include "support/fake_llm_server.hpp"
#include "support/otlp_receiver.hpp"
#include "support/test_support.hpp"

using namespace agentrace::testing;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string openai_key = "sk-SECRET-openai-7f3a9c";
const std::string anthropic_key = "sk-ant-SECRET-anthropic-41d2e8";
const std::string otlp_token = "SECRET-otlp-bearer-c0ffee";
const std::string otlp_team = "SECRET-otlp-team-5eed";
const std::string url_password = "SECRET-url-password-b4d";
const std::vector<std::string> secrets{openai_key, anthropic_key, otlp_token, otlp_team, url_password};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every secret that appears in `text`, named by where it was found.
void check_no_secret(const std::string& where, const std::string& text) {
  for (const auto& secret : secrets) {
    INFO(where << " holds " << secret << ":\n" << text.substr(0, 4000));
    CHECK(text.find(secret) == std::string::npos);
  }
}

void check_outputs(const fs::path& dir, const ChildProcess& demo, const OtlpReceiver& collector) {
  check_no_secret("stdout", demo.out());
  check_no_secret("stderr", demo.err());
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "traces")) {
    if (!entry.is_regular_file()) continue;
    ++files;
    check_no_secret(entry.path().string(), read_file(entry.path()));
  }
  CHECK(files >= 3);  // the trace, the cassette, the memory database
  std::string spans;
  for (const auto& span : collector.spans()) {
    spans += span.name + " " + span.status_message + "\n";
    for (const auto& [key, value] : span.attributes) spans += key + "=" + value + "\n";
    for (const auto& event : span.events) {
      spans += event.name + "\n";
      for (const auto& [key, value] : event.attributes) spans += key + "=" + value + "\n";
    }
  }
  CHECK_FALSE(collector.spans().empty());
  check_no_secret("the spans sent to the collector", spans);
}

std::vector<std::string> secret_environment(const OtlpReceiver& collector) {
  return {"OPENAI_API_KEY=" + openai_key, "ANTHROPIC_API_KEY=" + anthropic_key,
          "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=" + collector.url(),
          "OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20" + otlp_token + ",x-team=" + otlp_team,
          "OTEL_BSP_SCHEDULE_DELAY=50", "NO_COLOR=1"};
}

}  // namespace

TEST_CASE("no API key or OTLP header reaches a span, a log line, a cassette or an error message", "[demo][secrets]") {
  for (const FakeApi api : {FakeApi::openai, FakeApi::anthropic}) {
    const bool openai = api == FakeApi::openai;
    INFO((openai ? "OpenAI" : "Anthropic"));
    FakeLlmServer model(api);
    // A server that echoes the key in its error (some do, in part), then a tool call and an answer.
    model.push(FakeEntry::error(500, "internal error for key " + (openai ? openai_key : anthropic_key)));
    model.push(FakeReply{.tool_calls = {FakeToolCall{.id = "call_1", .name = "researcher", .arguments = R"({"task": "US GDP growth 2024?"})"}}});
    model.push(FakeReply{.text = "US real GDP grew 2.8% in 2024 (us_gdp_2024.md)."});
    model.push(FakeReply{.text = "It grew 2.8%."});
    OtlpReceiver collector;
    // The collector refuses the first export and quotes the token it was sent.
    collector.script({ServerResponse::text("bad token " + otlp_token + " for team " + otlp_team, 400)});
    TempDir dir;
    ChildProcess demo({AGENTRACE_CLI_EXE, "demo", "--no-color", "--model",
                       std::string(openai ? "openai-compatible:" : "anthropic-compatible:") + model.base_url() + "#m",
                       "--trace-dir", (dir.path() / "traces").string()},
                      dir.path(), secret_environment(collector));
    const auto status = demo.wait(60s);
    REQUIRE(status.has_value());
    INFO(demo.out() << demo.err());
    CHECK(WIFEXITED(*status));
    // The secrets were really used.
    const auto requests = model.requests();
    REQUIRE(requests.size() >= 2);
    CHECK(std::string(requests[0].header(openai ? "Authorization" : "x-api-key")).find(openai ? openai_key : anthropic_key) !=
          std::string::npos);
    const auto exports = collector.raw_requests();
    REQUIRE_FALSE(exports.empty());
    CHECK(exports[0].header("authorization") == "Bearer " + otlp_token);
    CHECK(exports[0].header("x-team") == otlp_team);
    check_outputs(dir.path(), demo, collector);
  }
}

TEST_CASE("credentials written into a model or collector URL are refused without being repeated", "[demo][secrets]") {
  OtlpReceiver collector;
  TempDir dir;
  SECTION("in the model string") {
    ChildProcess demo({AGENTRACE_CLI_EXE, "demo", "--quiet", "--model",
                       "openai-compatible:http://user:" + url_password + "@127.0.0.1:9/v1#m", "--trace-dir",
                       (dir.path() / "traces").string()},
                      dir.path());
    const auto status = demo.wait(60s);
    REQUIRE(status.has_value());
    INFO(demo.err());
    CHECK_THAT(demo.err(), Contains("user information"));
    check_no_secret("stderr", demo.err());
    check_no_secret("stdout", demo.out());
  }
  SECTION("in the collector's endpoint") {
    const std::string endpoint = "http://user:" + url_password + "@127.0.0.1:" + std::to_string(collector.port());
    ChildProcess demo({AGENTRACE_CLI_EXE, "demo", "--quiet", "--trace-dir", (dir.path() / "traces").string()}, dir.path(),
                      // Refused, the endpoint falls back to localhost:4318, where nothing listens: a short
                      // export timeout keeps the demo's final flush from waiting its 5 s.
                      {"OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint, "OTEL_EXPORTER_OTLP_TIMEOUT=100"});
    const auto status = demo.wait(60s);
    REQUIRE(status.has_value());
    INFO(demo.err());
    CHECK_THAT(demo.err(), Contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
    check_no_secret("stderr", demo.err());
    check_no_secret("stdout", demo.out());
  }
}
