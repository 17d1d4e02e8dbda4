// Code agents: a reply's Lua program run by the Runner, its calls traced under execute_code, the
// interpreter kept across steps, and the model's mistakes and abuse as error observations.
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/schema/names.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using namespace std::chrono_literals;
using agent::Agent;
using agent::RunStatus;
using llm::ScriptedLlmClient;

namespace {

agent::RunnerOptions options_for(const testing::InMemoryTracing& t) {
  agent::RunnerOptions o;
  o.tracer = t.tracer;
  o.default_tracing.enabled = false;
  o.content.mode = agent::ContentCapture::full;
  o.cassettes.enabled = false;
  return o;
}

tools::ToolPtr add_tool() {
  return tools::make_tool("add", "Adds two numbers").param<double>("a", "first").param<double>("b", "second").handler(
      [](double a, double b) { return a + b; });
}

tools::ToolPtr flaky_tool() {
  return tools::make_function_tool("flaky", "Always fails", tools::Json{{"type", "object"}, {"properties", tools::Json::object()}},
                                   [](const tools::Json&, tools::ToolContext&) -> tools::ToolResult {
                                     throw std::runtime_error("the service is down");
                                   });
}

llm::ScriptedReply code_reply(const std::string& code) {
  return ScriptedLlmClient::text("Thought: next.\n```lua\n" + code + "\n```");
}

Agent code_agent(std::vector<llm::ScriptedReply> replies) {
  Agent a;
  a.name = "coder";
  a.instructions = "You compute.";
  a.model = std::make_shared<ScriptedLlmClient>(std::move(replies));
  a.tools = {add_tool(), flaky_tool()};
  a.actions = agent::Actions::code;
  a.code_limits.instructions = 1'000'000;
  return a;
}

const tracing::SpanData& parent_of(const std::vector<tracing::SpanData>& spans, const tracing::SpanData& s) {
  for (const auto& p : spans) {
    if (p.span_id == s.parent_span_id) return p;
  }
  FAIL("no parent for " << s.name);
  throw std::logic_error("unreachable");
}

std::string str(const tracing::SpanData& s, std::string_view key) {
  const auto* v = tracing::find_attribute_as<std::string>(s.attributes, key);
  return v != nullptr ? *v : std::string();
}

}  // namespace

TEST_CASE("code agent: globals persist across steps and final_answer ends the run", "[agent][code]") {
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  Agent a = code_agent({code_reply("x = add{a = 2, b = 3}\nprint('sum', x)"), code_reply("final_answer(x * 2)")});
  auto* model = static_cast<ScriptedLlmClient*>(a.model.get());
  const auto result = runner.run(a, "double the sum");
  REQUIRE(result.status == RunStatus::completed);
  CHECK(result.output == "10");
  CHECK(result.steps == 2);
  const auto requests = model->requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].tools.empty());  // the tools are functions of the code, not tools offered
  CHECK_THAT(requests[0].messages.front().content, Catch::StartsWith("You compute.\n\nYou act by writing Lua 5.4 code."));
  CHECK_THAT(requests[0].messages.front().content, Catch::Contains("- add{a = <number>, b = <number>}\n    Adds two numbers"));
  CHECK(requests[1].messages.back().content == "Observation:\nOutput:\nsum\t5");
  const auto* step1 = result.memory.action_steps().front();
  REQUIRE(step1->code);
  CHECK(step1->code->language == "lua");
  CHECK(step1->code->code == "x = add{a = 2, b = 3}\nprint('sum', x)\n");
  REQUIRE(step1->observations.size() == 1);
  CHECK(step1->observations[0].tool_name == "add");
  CHECK(step1->observations[0].arguments == tools::Json{{"a", 2}, {"b", 3}});

  // The tree: step > chat, decide, execute_code > execute_tool add.
  const auto spans = t.spans();
  const auto code_spans = testing::spans_named(spans, "execute_code");
  REQUIRE_FALSE(code_spans.empty());
  const auto& code_span = code_spans.front();
  CHECK(parent_of(spans, code_span).name == "step 1");
  CHECK(str(code_span, schema::attr::input_value) == "x = add{a = 2, b = 3}\nprint('sum', x)\n");
  CHECK(str(code_span, schema::attr::output_value) == "Output:\nsum\t5");
  CHECK(str(code_span, schema::attr::code_language) == "lua");
  const auto& add_span = testing::only_span(spans, "execute_tool add");
  CHECK(add_span.parent_span_id == code_span.span_id);
  CHECK(add_span.trace_id == code_span.trace_id);
  CHECK(str(add_span, schema::attr::tool_call_id) == "code_1_1");
  const auto decides = testing::spans_named(spans, "decide");
  REQUIRE(decides.size() == 2);
  CHECK(str(decides[0], schema::attr::decision_action) == "code");
  const auto* lines = tracing::find_attribute_as<std::int64_t>(decides[0].attributes, schema::attr::code_lines);
  REQUIRE(lines != nullptr);
  CHECK(*lines == 2);
  CHECK(str(testing::only_span(spans, "step 1"), schema::attr::step_action) == "code");
}

TEST_CASE("code agent: a tool error is caught with pcall, or ends the program as its error", "[agent][code]") {
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  Agent a = code_agent({code_reply("local ok, err = pcall(flaky)\nprint(ok, err)\nflaky{}"), code_reply("final_answer('done')")});
  auto* model = static_cast<ScriptedLlmClient*>(a.model.get());
  const auto result = runner.run(a, "try");
  REQUIRE(result.status == RunStatus::completed);
  const std::string seen = model->requests()[1].messages.back().content;
  CHECK_THAT(seen, Catch::Contains("Output:\nfalse\tcode:1: tool 'flaky' failed: the service is down"));
  CHECK_THAT(seen, Catch::Contains("Error: code:3: tool 'flaky' failed: the service is down"));
  // Both failed calls and the program's error are the run's errors.
  REQUIRE(result.errors.size() == 3);
  CHECK(result.errors[0].message == "code:3: tool 'flaky' failed: the service is down");
  CHECK(result.errors[1].tool == "flaky");
  CHECK(result.errors[1].kind == tools::ToolErrorKind::execution);
  const auto spans = t.spans();
  const auto code_spans = testing::spans_named(spans, "execute_code");
  REQUIRE_FALSE(code_spans.empty());
  const auto& code_span = code_spans.front();
  CHECK(code_span.status.code == tracing::StatusCode::error);
  CHECK(str(code_span, schema::attr::code_error_kind) == "runtime");
  CHECK(str(code_span, schema::attr::code_error) == "code:3: tool 'flaky' failed: the service is down");
  for (const auto& s : testing::spans_named(spans, "execute_tool flaky")) CHECK(s.parent_span_id == code_span.span_id);
}

TEST_CASE("code agent: arguments are validated against the tool's schema as a tool call's are", "[agent][code]") {
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  Agent a = code_agent({code_reply("add{a = 'x', b = 1}"), code_reply("add{a = 1}"), code_reply("final_answer(add(1, 2))")});
  auto* model = static_cast<ScriptedLlmClient*>(a.model.get());
  const auto result = runner.run(a, "add");
  REQUIRE(result.status == RunStatus::completed);
  CHECK(result.output == "3");
  CHECK_THAT(model->requests()[1].messages.back().content, Catch::Contains("Error: code:1: add: "));
  CHECK_THAT(model->requests()[1].messages.back().content, Catch::Contains("'a' must be of type number"));
  CHECK_THAT(model->requests()[2].messages.back().content, Catch::Contains("missing required argument 'b'"));
  CHECK(result.errors[1].kind == tools::ToolErrorKind::invalid_arguments);
}

TEST_CASE("code agent: no code block, a syntax error and a limit are error observations and the run goes on",
          "[agent][code]") {
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  Agent a = code_agent({ScriptedLlmClient::text("I think the answer is 4."), code_reply("x = = 1"),
                        code_reply("while true do end"), code_reply("os.execute('touch /tmp/agentrace_pwned')"),
                        code_reply("final_answer(2 + 2)")});
  auto* model = static_cast<ScriptedLlmClient*>(a.model.get());
  const auto result = runner.run(a, "compute");
  REQUIRE(result.status == RunStatus::completed);
  CHECK(result.output == "4");
  const auto requests = model->requests();
  CHECK_THAT(requests[1].messages.back().content, Catch::StartsWith("Error: the reply has no ```lua code block"));
  CHECK_THAT(requests[2].messages.back().content, Catch::Contains("Error: code:1: unexpected symbol near '='"));
  CHECK_THAT(requests[3].messages.back().content, Catch::Contains("instruction budget (1000000 instructions)"));
  CHECK_THAT(requests[4].messages.back().content, Catch::Contains("attempt to call a nil value (field 'execute')"));
  CHECK_FALSE(std::filesystem::exists("/tmp/agentrace_pwned"));
  const auto spans = t.spans();
  const auto codes = testing::spans_named(spans, "execute_code");
  REQUIRE(codes.size() == 4);  // the reply without code has none
  CHECK(str(codes[0], schema::attr::code_error_kind) == "syntax");
  CHECK(str(codes[1], schema::attr::code_error_kind) == "instructions");
  const auto decides = testing::spans_named(spans, "decide");
  CHECK(str(decides[0], schema::attr::decision_action) == "malformed");
}

TEST_CASE("code agent: a managed agent called from code nests under its execute_tool span", "[agent][code]") {
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  Agent researcher;
  researcher.name = "researcher";
  researcher.description = "Finds facts";
  researcher.model = std::make_shared<ScriptedLlmClient>(std::vector{ScriptedLlmClient::text("7 percent a year")});
  Agent manager = code_agent({code_reply("local r = researcher{task = 'growth rate'}\n"
                                         "local rate = tonumber(r:match('(%d+) percent'))\n"
                                         "final_answer(string.format('%.1f years', math.log(2) / math.log(1 + rate / 100)))")});
  manager.name = "manager";
  manager.managed_agents = {researcher};
  const auto result = runner.run(manager, "doubling time?");
  REQUIRE(result.status == RunStatus::completed);
  CHECK(result.output == "10.2 years");
  const auto spans = t.spans();
  const auto& code_span = testing::only_span(spans, "execute_code");
  const auto& call = testing::only_span(spans, "execute_tool researcher");
  CHECK(call.parent_span_id == code_span.span_id);
  CHECK(str(call, schema::attr::tool_type) == "agent");
  const auto& nested = testing::only_span(spans, "invoke_agent researcher");
  CHECK(nested.parent_span_id == call.span_id);
  CHECK(nested.trace_id == code_span.trace_id);
  CHECK(result.total_usage.input_tokens > result.usage.input_tokens);
}

TEST_CASE("code agent: parallel runs each have their own interpreter", "[agent][code]") {
  testing::InMemoryTracing t;
  agent::Runner runner(options_for(t));
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&runner, &outputs, i] {
      std::vector<llm::ScriptedReply> replies;
      replies.push_back(code_reply("n = " + std::to_string(i)));
      for (int k = 0; k < 5; ++k) replies.push_back(code_reply("n = add{a = n, b = 10}"));
      replies.push_back(code_reply("final_answer(n)"));
      Agent a = code_agent(std::move(replies));
      a.max_steps = 10;
      outputs[static_cast<std::size_t>(i)] = runner.run(a, "count").output;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(outputs == std::vector<std::string>{"50", "51", "52", "53"});
}
