// The inspection model on traces written through the span schema's writers: a manager whose tool
// call ran a managed agent, with usage, a memory operation and an error; and the same trace with
// its pieces missing. Also its text and JSON forms (json.hpp's shape is public API).
#include <catch2/catch.hpp>

#include <algorithm>
#include <utility>

#include "agentrace/inspect/json.hpp"
#include "agentrace/inspect/model.hpp"
#include "agentrace/inspect/text.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/schema/writers.hpp"
#include "support/test_support.hpp"

using namespace agentrace;

namespace {

const schema::ContentPolicy full{.mode = schema::ContentCapture::full};

// manager: step 1 calls `helper` (a managed agent answering in one step, which reads its memory);
// step 2 calls `broken`, which fails, and answers.
std::vector<tracing::SpanData> two_agent_trace() {
  testing::InMemoryTracing t;
  llm::ScriptedLlmClient model({}, "m");
  auto chat = [&](const tracing::Span& step, std::int64_t in, std::int64_t out) {
    llm::ChatRequest request;
    request.model = "m";
    tracing::Span span = schema::start_chat_span(t.tracer, step, request, model, full, nullptr);
    llm::ChatResponse response;
    response.model = "m";
    response.usage = {.input_tokens = in, .output_tokens = out, .total_tokens = in + out};
    schema::record_chat_response(span, response, 1, full);
  };
  {
    tracing::Span manager = schema::start_agent_span(t.tracer, {}, {.name = "manager", .model = "m"}, "the task", full);
    {
      tracing::Span step = schema::start_step_span(t.tracer, manager, 1);
      chat(step, 100, 10);
      const llm::ToolCall call{.id = "c1", .name = "helper", .arguments = {{"task", "help"}}};
      {
        tracing::Span decide = schema::start_decide_span(t.tracer, step, {"helper", "broken"});
        schema::record_tool_calls(decide, {call});
      }
      {
        tracing::Span tool = schema::start_tool_span(t.tracer, step, call, nullptr, /*is_agent=*/true, full);
        {
          tracing::Span helper =
              schema::start_agent_span(t.tracer, tool.context(), {.name = "helper", .model = "m", .depth = 1}, "help", full);
          tracing::Span hstep = schema::start_step_span(t.tracer, helper, 1);
          chat(hstep, 40, 4);
          {
            tracing::Scope current(hstep);
            tracing::Span memory = schema::start_memory_span(t.tracer, "get", "in_memory", true);
            schema::record_memory_key(memory, "note");
            schema::record_memory_hit(memory, true);
          }
          schema::end_step_span(hstep, "final_answer", {.input_tokens = 40, .output_tokens = 4}, {.input_tokens = 40, .output_tokens = 4});
          schema::end_agent_span(helper, {.status = "completed", .steps = 1, .own = {.input_tokens = 40, .output_tokens = 4},
                                          .total = {.input_tokens = 40, .output_tokens = 4}, .output = "helped"},
                                 full);
        }
        schema::record_tool_result(tool, tools::ToolResult::text("helped"), "helped", full);
      }
      schema::end_step_span(step, "tool_calls", {.input_tokens = 100, .output_tokens = 10}, {.input_tokens = 140, .output_tokens = 14});
    }
    {
      tracing::Span step = schema::start_step_span(t.tracer, manager, 2);
      chat(step, 120, 12);
      const llm::ToolCall call{.id = "c2", .name = "broken"};
      tracing::Span tool = schema::start_tool_span(t.tracer, step, call, nullptr, false, full);
      schema::record_tool_result(tool, tools::ToolResult::error("it broke", tools::ToolErrorKind::execution), "it broke", full);
      tool.end();
      schema::end_step_span(step, "tool_calls", {.input_tokens = 120, .output_tokens = 12}, {.input_tokens = 120, .output_tokens = 12});
    }
    schema::end_agent_span(manager, {.status = "completed", .steps = 2, .own = {.input_tokens = 220, .output_tokens = 22},
                                     .total = {.input_tokens = 260, .output_tokens = 26}, .output = "done"},
                           full);
  }
  return t.spans();
}

}  // namespace

TEST_CASE("inspect: runs, iterations, calls and totals of a two-agent trace", "[inspect]") {
  const auto spans = two_agent_trace();
  const auto views = inspect::build_trace_views(spans);
  REQUIRE(views.size() == 1);
  const inspect::TraceView& v = views.front();
  CHECK(v.complete());
  CHECK(v.status == "completed");
  CHECK(v.root_name == "invoke_agent manager");
  REQUIRE(v.runs.size() == 2);

  const auto& manager = v.runs[0];
  CHECK(manager.agent == "manager");
  CHECK_FALSE(manager.parent_run);
  CHECK(manager.own == inspect::Tokens{220, 22});
  CHECK(manager.total == inspect::Tokens{260, 26});
  REQUIRE(manager.iterations.size() == 2);
  const auto& first = manager.iterations[0];
  CHECK(first.number == 1);
  REQUIRE(first.chats.size() == 1);
  CHECK(first.chats[0].tokens == inspect::Tokens{100, 10});
  REQUIRE(first.decision);
  CHECK(first.decision->tool_calls == std::vector<std::string>{"helper"});
  REQUIRE(first.tools.size() == 1);
  CHECK(first.tools[0].type == "agent");
  CHECK(first.tools[0].agent_runs == std::vector<std::size_t>{1});
  const auto& second = manager.iterations[1];
  REQUIRE(second.tools.size() == 1);
  CHECK(second.tools[0].is_error);
  CHECK(second.tools[0].error_kind == "execution");
  CHECK(second.tools[0].result == "it broke");

  const auto& helper = v.runs[1];
  CHECK(helper.agent == "helper");
  CHECK(helper.parent_run == 0u);
  CHECK(helper.parent_step == 1);
  REQUIRE(helper.iterations.size() == 1);
  REQUIRE(helper.iterations[0].memory.size() == 1);
  CHECK(helper.iterations[0].memory[0].key == "note");
  CHECK(helper.iterations[0].memory[0].hit == true);

  CHECK(v.totals.agent_runs == 2);
  CHECK(v.totals.iterations == 3);
  CHECK(v.totals.model_calls == 3);
  CHECK(v.totals.tool_calls == 2);
  CHECK(v.totals.memory_operations == 1);
  CHECK(v.totals.errors == 1);
  CHECK(v.totals.own == inspect::Tokens{220, 22});
  CHECK(v.totals.total == inspect::Tokens{260, 26});
}

TEST_CASE("inspect: a trace missing its managed agent's span and an end still builds, gaps named", "[inspect]") {
  auto spans = two_agent_trace();
  std::vector<tracing::SpanData> partial;
  for (auto& s : spans) {
    if (s.name == "invoke_agent helper") continue;
    if (s.name == "step 2") s.end_unix_ns = 0;
    partial.push_back(s);
  }
  const auto views = inspect::build_trace_views(partial);
  REQUIRE(views.size() == 1);
  const auto& v = views.front();
  CHECK_FALSE(v.complete());
  std::vector<std::pair<inspect::Gap::Kind, std::string>> gaps;
  for (const auto& g : v.gaps) gaps.emplace_back(g.kind, g.span->name);
  std::sort(gaps.begin(), gaps.end());
  CHECK(gaps == std::vector<std::pair<inspect::Gap::Kind, std::string>>{
                    {inspect::Gap::Kind::missing_parent, "step 1"},  // the helper's step
                    {inspect::Gap::Kind::unended, "step 2"}});
  CHECK_THAT(inspect::render_summary(v), Catch::Contains("incomplete trace: 2 gaps"));
}

TEST_CASE("inspect: the JSON form has the documented shape", "[inspect]") {
  const auto spans = two_agent_trace();
  const auto views = inspect::build_trace_views(spans);
  const nlohmann::json j = inspect::to_json(views.front());
  for (const char* key : {"trace_id", "root", "status", "start_unix_ns", "complete", "totals", "runs", "gaps"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  CHECK(j["totals"]["tokens_total"] == nlohmann::json{{"input", 260}, {"output", 26}});
  const auto& run = j["runs"][0];
  for (const char* key : {"agent", "depth", "status", "error", "input", "output", "model", "tokens_own", "tokens_total",
                          "span", "parent_run", "parent_step", "iterations"}) {
    INFO(key);
    CHECK(run.contains(key));
  }
  const auto& iteration = run["iterations"][0];
  for (const char* key : {"number", "action", "error", "tokens_own", "tokens_total", "span", "chats", "decision", "tools", "memory"}) {
    INFO(key);
    CHECK(iteration.contains(key));
  }
  CHECK(iteration["tools"][0]["agent_runs"] == nlohmann::json::array({1}));
  CHECK(j["runs"][1]["parent_run"] == 0);
  CHECK(j["runs"][1]["iterations"][0]["memory"][0]["key"] == "note");
}

TEST_CASE("inspect: one iteration in full names its calls and results", "[inspect]") {
  const auto spans = two_agent_trace();
  const auto views = inspect::build_trace_views(spans);
  const auto text = inspect::render_iteration(views.front(), 2);
  REQUIRE(text);
  CHECK_THAT(*text, Catch::Contains("broken"));
  CHECK_THAT(*text, Catch::Contains("it broke"));
  CHECK_FALSE(inspect::render_iteration(views.front(), 9));
}
