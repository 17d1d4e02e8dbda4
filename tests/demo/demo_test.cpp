// The demo's agents run in-process, as `agentrace demo` runs them: the exact span tree, the
// answer built from the calculator's result, the per-iteration view of the trace, and replay
// from the cassette the run recorded (also with a tampered cassette).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>

#include "agentrace/inspect/model.hpp"
#include "agentrace/inspect/text.hpp"
#include "agentrace/agent/replay.hpp"
#include "agentrace/agent/runner.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/otlp/otlp_exporter.hpp"
#include "agentrace/schema/render_hints.hpp"
#include "agentrace/testkit/catch2.hpp"
#include "demo_agents.hpp"
#include "support/otlp_receiver.hpp"
#include "support/test_support.hpp"

namespace ag = agentrace::agent;
namespace cli = agentrace::cli;
namespace formats = agentrace::formats;
namespace tr = agentrace::tracing;
using agentrace::testkit::SpanTree;
using namespace agentrace::testkit;
using agentrace::testing::TempDir;

namespace {

struct DemoRun {
  TempDir dir;
  cli::DemoFiles files = cli::DemoFiles::locate();
  ag::RunResult result;
  std::vector<tr::SpanData> spans;
  ag::Agent agents;

  DemoRun() {
    auto store = std::make_shared<agentrace::memory::SqliteStore>(dir.path() / "memory.sqlite");
    agents = cli::make_demo_agents(files, cli::load_demo_script(files.script()), store);
    ag::RunnerOptions options;
    options.default_tracing.enabled = true;
    options.default_tracing.trace_dir = dir.path() / "traces";
    options.default_tracing.also_export = agentrace::otlp::collector_exporter_from_env;  // as the demo command
    options.content.mode = ag::ContentCapture::full;
    options.cassettes.enabled = true;
    options.log_trace_location = false;
    ag::Runner runner(std::move(options));
    result = runner.run(agents, std::string(cli::demo_question));
    runner.flush();
    spans = formats::read_jsonl_file(trace_file()).spans;
  }
  [[nodiscard]] std::filesystem::path trace_file() const { return dir.path() / "traces" / (result.trace_id + ".jsonl"); }
};

std::string text_attribute(const tr::SpanData& s, std::string_view key) {
  const auto* v = s.attribute(key);
  REQUIRE(v != nullptr);
  return std::get<std::string>(*v);
}

}  // namespace

TEST_CASE("the demo's trace has the expected tree and its answer quotes the calculator", "[demo]") {
  DemoRun run;
  REQUIRE(run.result.ok());
  const SpanTree tree(run.spans, agentrace::schema::render_options());
  REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());

  const std::string researcher = "invoke_agent manager/step 1/execute_tool researcher/invoke_agent researcher";
  const std::string analyst = "invoke_agent manager/step 2/execute_tool analyst/invoke_agent analyst";
  CHECK_THAT(tree, HasSpans("invoke_agent manager", 1));
  CHECK_THAT(tree, HasSpans("invoke_agent manager/step 3/chat scripted-demo", 1));
  CHECK_THAT(tree, HasSpans(researcher + "/step 1/execute_tool search", 1));
  CHECK_THAT(tree, HasSpans(researcher + "/step 2/execute_tool read_file", 1));
  CHECK_THAT(tree, HasSpans(researcher + "/step 3/execute_tool remember/memory put", 1));
  CHECK_THAT(tree, HasSpans(researcher + "/step 4/decide", 1));
  CHECK_THAT(tree, HasSpans(analyst + "/step 1/execute_tool calculator", 1));
  CHECK_THAT(tree, HasSpans(analyst + "/step 2/decide", 1));
  CHECK(tree.at("invoke_agent manager/step 4").empty());
  CHECK(tree.named("invoke_agent researcher").size() == 1);
  CHECK(tree.named("invoke_agent analyst").size() == 1);

  // The search really ranked the corpus and the calculator really computed.
  const auto& search = tree.one(researcher + "/step 1/execute_tool search");
  CHECK(text_attribute(search, "gen_ai.tool.call.result").starts_with("1. us_gdp_2024.md"));
  const std::string computed = text_attribute(tree.one(analyst + "/step 1/execute_tool calculator"), "gen_ai.tool.call.result");
  CHECK(computed == "25.1");
  CHECK(run.result.output.find(computed + " years") != std::string::npos);
  CHECK(run.result.total_usage.input_tokens == 4245);
}

TEST_CASE("the per-iteration view of the demo's trace", "[demo]") {
  DemoRun run;
  const auto views = agentrace::inspect::build_trace_views(run.spans);
  REQUIRE(views.size() == 1);
  const auto& v = views.front();
  CHECK(v.complete());
  CHECK(v.status == "completed");
  CHECK(v.totals.agent_runs == 3);
  CHECK(v.totals.iterations == 9);
  CHECK(v.totals.model_calls == 9);
  CHECK(v.totals.tool_calls == 6);
  CHECK(v.totals.memory_operations == 1);
  CHECK(v.totals.total == agentrace::inspect::Tokens{4245, 380});
  REQUIRE(v.runs.size() == 3);
  CHECK(v.runs[1].agent == "researcher");
  CHECK(v.runs[1].parent_run == std::optional<std::size_t>(0));
  CHECK(v.runs[1].parent_step == 1);

  const auto step = agentrace::inspect::render_iteration(v, 2, "researcher");
  REQUIRE(step.has_value());
  CHECK_THAT(*step, Catch::Contains("researcher · step 2 of 4"));
  CHECK_THAT(*step, Catch::Contains("called by manager in its step 1"));
  CHECK_THAT(*step, Catch::Contains("[3] tool (call_1):"));          // the search result the model saw
  CHECK_THAT(*step, Catch::Contains("-> read_file {\"path\":\"us_gdp_2024.md\"}"));
  CHECK_THAT(*step, Catch::Contains("options offered: search, read_file, remember, final_answer"));
  CHECK_THAT(*step, Catch::Contains("increased 2.8 percent in 2024"));  // the tool's result
  CHECK_FALSE(agentrace::inspect::render_iteration(v, 5, "researcher").has_value());
  CHECK_FALSE(agentrace::inspect::render_iteration(v, 1, "nobody").has_value());

  const auto manager_step = agentrace::inspect::render_iteration(v, 1);
  REQUIRE(manager_step.has_value());
  CHECK_THAT(*manager_step, Catch::Contains("child agent:"));
  CHECK_THAT(*manager_step, Catch::Contains("researcher  completed  4 steps"));
}

TEST_CASE("a trace with spans missing still builds a view, with the gaps named", "[demo]") {
  DemoRun run;
  std::vector<tr::SpanData> partial;
  std::string removed;
  for (auto s : run.spans) {
    if (s.name == "invoke_agent researcher") {
      removed = s.span_id.hex();
      continue;
    }
    if (s.name == "step 3") s.end_unix_ns = 0;  // as if the process died during that step
    partial.push_back(std::move(s));
  }
  const auto views = agentrace::inspect::build_trace_views(partial);
  REQUIRE(views.size() == 1);
  const auto& v = views.front();
  CHECK_FALSE(v.complete());
  std::size_t missing = 0;
  std::size_t unended = 0;
  for (const auto& g : v.gaps) {
    missing += g.kind == agentrace::inspect::Gap::Kind::missing_parent;
    unended += g.kind == agentrace::inspect::Gap::Kind::unended;
  }
  CHECK(missing == 4);  // the researcher's four steps
  CHECK(unended == 2);  // the manager's step 3 and the researcher's
  const std::string text = agentrace::inspect::render_summary(v);
  CHECK_THAT(text, Catch::Contains("(unknown agent: span " + removed + " is missing)"));
  CHECK_THAT(text, Catch::Contains("incomplete trace: 6 gaps"));
  CHECK_THAT(text, Catch::Contains("step 3  unfinished"));
}

TEST_CASE("a trace continued from another process and one whose root is not an agent take their root's status",
          "[demo]") {
  DemoRun run;
  const auto root_of = [](std::vector<tr::SpanData>& spans) -> tr::SpanData& {
    for (auto& s : spans) {
      if (s.is_root()) return s;
    }
    FAIL("the demo's trace has no root");
    throw std::logic_error("unreachable");
  };

  SECTION("the root agent's parent is remote (a traceparent was continued)") {
    auto spans = run.spans;
    tr::SpanData& root = root_of(spans);
    root.parent_span_id = tr::SpanId::random();
    root.parent_remote = true;
    const auto views = agentrace::inspect::build_trace_views(spans);
    REQUIRE(views.size() == 1);
    CHECK(views.front().complete());
    CHECK(views.front().status == "completed");
    CHECK(views.front().root_name == "invoke_agent manager");
    CHECK_THAT(agentrace::inspect::render_summary(views.front()), Catch::Contains("invoke_agent manager  completed"));
  }

  SECTION("the agent runs inside a pipeline span") {
    auto spans = run.spans;
    tr::SpanData& agent_root = root_of(spans);
    tr::SpanData pipeline = agent_root;
    pipeline.name = "pipeline run";
    pipeline.span_id = tr::SpanId::random();
    pipeline.attributes = {};
    pipeline.start_unix_ns -= 1000;
    pipeline.end_unix_ns += 1000;
    agent_root.parent_span_id = pipeline.span_id;
    spans.insert(spans.begin(), pipeline);

    auto status_of = [](const std::vector<tr::SpanData>& all) {
      const auto views = agentrace::inspect::build_trace_views(all);
      REQUIRE(views.size() == 1);
      CHECK(views.front().root_name == "pipeline run");
      return views.front().status;
    };
    CHECK(status_of(spans) == "completed");
    spans.front().status = {tr::StatusCode::error, "the pipeline failed"};
    CHECK(status_of(spans) == "failed");
    spans.front().end_unix_ns = 0;  // still running when the file was read
    CHECK(status_of(spans) == "incomplete");
  }
}

TEST_CASE("replaying the demo's cassette reproduces its answer and tree", "[demo][replay]") {
  DemoRun run;
  REQUIRE_FALSE(run.result.cassette.empty());
  CHECK(run.result.cassette == ag::cassette_path_for_trace(run.trace_file()));
  const auto cassette = ag::Cassette::load(run.result.cassette);
  CHECK(cassette.calls.size() == 9);
  CHECK(cassette.root_agent == "manager");
  CHECK(cassette.task == cli::demo_question);

  const auto report = ag::replay(run.agents, cassette, run.spans);
  INFO(report.describe(cassette));
  CHECK(report.matches());
  CHECK(report.tree_matches == std::optional<bool>(true));
  CHECK(report.calls_replayed == 9);
  CHECK(report.result.output == run.result.output);
  // The replay's spans come from the replay model.
  const SpanTree tree(report.spans, agentrace::schema::render_options());
  CHECK(text_attribute(tree.one("invoke_agent manager/step 1/chat scripted-demo"), "gen_ai.provider.name") == "replay");
}

TEST_CASE("a tampered cassette is reported with the first request that differs", "[demo][replay]") {
  DemoRun run;
  auto j = ag::Cassette::load(run.result.cassette).to_json();
  // Change what the researcher's read_file returned in the recording: its next request (step 3)
  // then differs from what the replay, reading the real file, sends.
  bool tampered = false;
  for (auto& call : j["calls"]) {
    for (auto& m : call["request"]["messages"]) {
      const auto& content = m["content"].get_ref<const std::string&>();
      if (m["role"] == "tool" && content.starts_with("# United States")) {
        m["content"] = std::regex_replace(m["content"].get<std::string>(), std::regex("2\\.8 percent"), "3.1 percent");
        tampered = true;
      }
    }
  }
  REQUIRE(tampered);
  const auto cassette = ag::Cassette::from_json(j);
  const auto report = ag::replay(run.agents, cassette, run.spans);
  CHECK_FALSE(report.matches());
  CHECK(report.answer_matches);  // the recorded replies still lead to the same answer
  REQUIRE(report.first_difference.has_value());
  CHECK(report.first_difference->agent == "researcher");
  CHECK(report.first_difference->step == 3);
  CHECK_THAT(report.first_difference->diff, Catch::Contains("- ") && Catch::Contains("3.1 percent"));
  CHECK_THAT(report.first_difference->diff, Catch::Contains("+ ") && Catch::Contains("2.8 percent"));
  CHECK_THAT(report.describe(cassette), Catch::Contains("first differing request: agent researcher, step 3"));
}

TEST_CASE("replay reports a recording that runs out and agents that differ", "[demo][replay]") {
  DemoRun run;
  auto cassette = ag::Cassette::load(run.result.cassette);
  cassette.calls.pop_back();  // the manager's final call is missing
  const auto report = ag::replay(run.agents, cassette, run.spans);
  CHECK_FALSE(report.matches());
  CHECK_FALSE(report.answer_matches);
  CHECK(report.result.status == ag::RunStatus::failed);
  CHECK_THAT(report.result.error, Catch::Contains("call 3 was not recorded"));

  ag::Agent other = run.agents;
  other.managed_agents.pop_back();  // no analyst
  const auto full = ag::Cassette::load(run.result.cassette);
  const auto differs = ag::replay(other, full, run.spans);
  CHECK_FALSE(differs.agents_match);
  CHECK_FALSE(differs.matches());
}

TEST_CASE("a run recorded on another model replays on the demo's agents", "[demo][replay]") {
  // As `agentrace replay` does for a demo run with --model: the agents are rebuilt with the
  // scripted models, the recording names the real one. The models are replaced by the recording,
  // so only names, nesting and tools must agree.
  DemoRun run;
  auto cassette = ag::Cassette::load(run.result.cassette);
  for (auto& a : cassette.agents) a.model = "gpt-4o-mini";
  const auto report = ag::replay(run.agents, cassette, run.spans);
  INFO(report.describe(cassette));
  CHECK(report.agents_match);
  CHECK(report.matches());

  cassette.agents[1].tools.push_back("web_search");  // a tool the researcher no longer has
  CHECK_FALSE(ag::replay(run.agents, cassette, run.spans).agents_match);
}

TEST_CASE("a cassette that does not parse is a clear error", "[demo][replay]") {
  TempDir dir;
  const auto bad = dir.write("x.cassette.json", "{\"agentrace_cassette\": 1, \"trace_id\": \"t\"}");
  CHECK_THROWS_WITH(ag::Cassette::load(bad), Catch::Contains("x.cassette.json") && Catch::Contains("missing 'task'"));
  const auto garbage = dir.write("y.cassette.json", "not json");
  CHECK_THROWS_WITH(ag::Cassette::load(garbage), Catch::Contains("not valid JSON"));
  const auto future = dir.write("z.cassette.json", "{\"agentrace_cassette\": 7}");
  CHECK_THROWS_WITH(ag::Cassette::load(future), Catch::Contains("unsupported version 7"));
  CHECK_THROWS_AS(ag::Cassette::load(dir.path() / "missing.cassette.json"), std::system_error);
}

TEST_CASE("with OTEL_TRACES_EXPORTER=otlp the demo's spans also reach a collector, each one as written to the file",
          "[demo][otlp]") {
  agentrace::testing::OtlpReceiver receiver;
  for (const char* protocol : {"http/protobuf", "http/json"}) {
    DYNAMIC_SECTION(protocol) {
      agentrace::testing::ScopedEnv exporter("OTEL_TRACES_EXPORTER", "otlp");
      agentrace::testing::ScopedEnv endpoint("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.url().c_str());
      agentrace::testing::ScopedEnv proto("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", protocol);
      const std::size_t before = receiver.spans().size();
      DemoRun run;  // its Runner's destructor shuts the OTLP batch processor down: every span is sent
      REQUIRE(run.spans.size() == 37);
      const auto received = receiver.spans();
      REQUIRE(received.size() == before + run.spans.size());
      CHECK(receiver.errors().empty());
      std::map<std::string, agentrace::testing::ReceivedSpan> by_id;
      for (std::size_t i = before; i < received.size(); ++i) by_id[received[i].span_id] = received[i];
      for (const auto& span : run.spans) {
        INFO(span.name);
        auto it = by_id.find(span.span_id.hex());
        REQUIRE(it != by_id.end());
        CHECK(it->second == agentrace::testing::expected_record(span));
      }
    }
  }
}
