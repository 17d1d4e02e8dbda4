// An agent run's trace rendered with the schema's hints (render_hints.hpp): outcome, tokens and
// choices first; classification, identifiers, whole conversations and what the name shows left out.
// tests/tracing/render_test.cpp tests the renderer itself, with no schema.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/schema/names.hpp"
#include "agentrace/schema/render_hints.hpp"
#include "agentrace/tracing/render.hpp"
#include "tracing/sample_spans.hpp"

using namespace agentrace;
namespace attr = schema::attr;
using tracing::SpanData;

namespace {

constexpr std::uint64_t base_ns = 1'700'000'000'000'000'000ULL;
constexpr std::uint64_t ms = 1'000'000;

// Ids are bytes repeated, times are milliseconds after a fixed epoch; parent 0 means a root.
SpanData make_span(std::uint8_t id, std::uint8_t parent, std::string name, std::uint64_t start_ms, std::uint64_t end_ms) {
  return testing::numbered_span(0x4b, id, parent, std::move(name), start_ms, end_ms);
}

const tracing::Status ok{tracing::StatusCode::ok, {}};

// One run of a weather agent, in the order a batch processor would export it (children first).
std::vector<SpanData> agent_run() {
  SpanData root = make_span(0x01, 0, "invoke_agent weather", 0, 1500);
  root.status = ok;
  root.attributes = {{attr::agent_name, "weather"}, {attr::operation_name, "invoke_agent"}};
  SpanData step1 = make_span(0x02, 0x01, "step 1", 0, 800);
  step1.attributes = {{attr::step_number, 1}};
  SpanData chat1 = make_span(0x03, 0x02, "chat gpt-4o", 10, 600);
  chat1.status = ok;
  chat1.attributes = {{attr::usage_output_tokens, 30},
                      {attr::usage_input_tokens, 120},
                      {attr::request_model, "gpt-4o"},
                      {attr::operation_name, "chat"}};
  SpanData tool = make_span(0x04, 0x02, "execute_tool get_weather", 610, 790);
  tool.status = tracing::Status{tracing::StatusCode::error, "timeout"};
  tool.attributes = {{attr::tool_name, "get_weather"}};
  tool.events.push_back(tracing::Event{"exception",
                                       base_ns + 790 * ms,
                                       {{"exception.type", "TimeoutError"}, {"exception.message", "no answer after 180 ms"}},
                                       0});
  SpanData step2 = make_span(0x05, 0x01, "step 2", 800, 1500);
  step2.attributes = {{attr::step_number, 2}};
  SpanData chat2 = make_span(0x06, 0x05, "chat gpt-4o", 810, 1490);
  chat2.status = ok;
  return {chat1, tool, step1, chat2, step2, root};
}

// The tree line of a lone span.
std::string tree_line(const SpanData& span, const tracing::RenderOptions& options) {
  std::istringstream in(tracing::render_tree(std::vector<SpanData>{span}, options));
  std::string line;
  std::getline(in, line);  // the trace id
  std::getline(in, line);
  return line;
}

std::filesystem::path golden_path(const std::string& name) {
  const char* root = std::getenv("AGENTRACE_SOURCE_DIR");
  if (root != nullptr && *root != '\0') return std::filesystem::path(root) / "tests" / "schema" / "golden" / name;
  return std::filesystem::path(__FILE__).parent_path() / "golden" / name;
}

// AGENTRACE_UPDATE_GOLDEN=1 rewrites the file instead of comparing: review the diff, then commit.
void check_golden(const std::string& name, const std::string& actual) {
  const auto path = golden_path(name);
  if (const char* update = std::getenv("AGENTRACE_UPDATE_GOLDEN"); update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
  }
  std::ifstream in(path, std::ios::binary);
  INFO("golden file " << path.string());
  REQUIRE(in.is_open());
  const std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(actual == expected);
}

}  // namespace

TEST_CASE("render hints: the lists are the schema's names, each once, none both first and hidden", "[schema][render]") {
  const auto first = schema::summary_keys();
  const auto hidden = schema::hidden_keys();
  REQUIRE(first.size() == 17);
  REQUIRE(hidden.size() == 17);
  CHECK(first.front() == attr::run_status.view());
  CHECK(std::find(hidden.begin(), hidden.end(), attr::input_messages.view()) != hidden.end());
  std::set<std::string_view> seen;
  for (const auto key : first) {
    INFO(key);
    CHECK(!key.empty());
    CHECK(seen.insert(key).second);
  }
  for (const auto key : hidden) {
    INFO(key);
    CHECK(!key.empty());
    CHECK(seen.insert(key).second);
  }

  const tracing::RenderOptions options = schema::render_options();
  CHECK(options.first_keys.data() == first.data());
  CHECK(options.first_keys.size() == first.size());
  CHECK(options.hidden_keys.data() == hidden.data());
  CHECK(options.hidden_keys.size() == hidden.size());
  const tracing::RenderOptions defaults;
  CHECK(options.width == defaults.width);
  CHECK(options.color == defaults.color);
  CHECK(options.show_attributes == defaults.show_attributes);
  CHECK(options.max_attribute_chars == defaults.max_attribute_chars);
}

TEST_CASE("render hints: an agent run's tree shows tokens first and leaves out the step number", "[schema][render]") {
  // What the name shows (the model, the tool) is left out by the renderer; the step number and the
  // operation by the hints.
  const std::string expected =
      "trace 4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b\n"
      "invoke_agent weather  1.50 s  [ok]\n"
      "|-- step 1  800 ms\n"
      "|   |-- chat gpt-4o  590 ms  [ok]  gen_ai.usage.input_tokens=120 gen_ai.usage.output_tokens=30\n"
      "|   `-- execute_tool get_weather  180 ms  [error: timeout]\n"
      "|           ! exception: TimeoutError: no answer after 180 ms\n"
      "`-- step 2  700 ms\n"
      "    `-- chat gpt-4o  680 ms  [ok]\n";
  CHECK(tracing::render_tree(agent_run(), schema::render_options()) == expected);
  // Without them, the same run in recording order, step numbers and all.
  CHECK(tracing::render_tree(agent_run()) != expected);
}

TEST_CASE("render hints: tree and timeline of an agent run match the golden file", "[schema][render]") {
  tracing::RenderOptions options = schema::render_options();
  options.width = 100;
  const auto spans = agent_run();
  check_golden("agent_run.txt", tracing::render_tree(spans, options) + "\n" + tracing::render_timeline(spans, options));
}

TEST_CASE("render hints: summary keys first, conversations and classification left out", "[schema][render]") {
  SpanData s = make_span(0x01, 0, "chat", 0, 1);
  s.attributes = {{"custom.first", true},
                  {attr::usage_input_tokens, 12},
                  {attr::request_model, "gpt-4o"},
                  {attr::input_messages, std::string(200, 'x')},
                  {"temperature", 0.5},
                  {attr::operation_name, "chat"}};
  tracing::RenderOptions options = schema::render_options();
  options.max_attribute_chars = 10;
  CHECK(tree_line(s, options) ==
        "chat  1.00 ms  gen_ai.usage.input_tokens=12 custom.first=true gen_ai.request.model=gpt-4o temperature=0.5");
  // OpenInference's input.value repeats gen_ai.input.messages, which is hidden: not shown either.
  s.attributes.push_back({attr::input_value, std::string(200, 'x')});
  s.attributes.push_back({attr::output_value, "yes"});
  CHECK(tree_line(s, options) ==
        "chat  1.00 ms  gen_ai.usage.input_tokens=12 custom.first=true gen_ai.request.model=gpt-4o temperature=0.5 "
        "(+1 more)");

  // The run's outcome and the decision come before the tokens, whatever the recording order.
  SpanData agent = make_span(0x02, 0, "invoke_agent weather", 0, 1);
  agent.attributes = {{attr::total_output_tokens, 9},
                      {attr::conversation_id, "conv-1"},
                      {attr::agent_id, "weather-1"},
                      {attr::span_kind, schema::span_kind::agent},
                      {attr::run_status, "completed"}};
  CHECK(tree_line(agent, schema::render_options()) ==
        "invoke_agent weather  1.00 ms  agentrace.run.status=completed agentrace.usage.total.output_tokens=9");
  CHECK(tree_line(agent, {}) ==
        "invoke_agent weather  1.00 ms  agentrace.usage.total.output_tokens=9 gen_ai.conversation.id=conv-1 "
        "gen_ai.agent.id=weather-1 openinference.span.kind=AGENT (+1 more)");
}

TEST_CASE("render hints: OpenInference's token counts and the step number are left out by key", "[schema][render]") {
  // The same numbers under other names, and a number the name shows; equal numbers under the
  // summary keys are still different facts.
  SpanData s = make_span(0x01, 0, "chat gpt-4o", 0, 1);
  s.attributes = {{attr::usage_input_tokens, 4},     {attr::usage_output_tokens, 4},
                  {attr::llm_token_prompt, 4},       {attr::llm_token_completion, 4},
                  {attr::request_model, "gpt-4o"},   {attr::llm_model_name, "gpt-4o"},
                  {"custom.family", "gpt"}};
  CHECK(tree_line(s, schema::render_options()) ==
        "chat gpt-4o  1.00 ms  gen_ai.usage.input_tokens=4 gen_ai.usage.output_tokens=4 custom.family=gpt");

  SpanData step = make_span(0x02, 0, "step 24", 0, 1);
  step.attributes = {{attr::step_number, 24}, {attr::total_input_tokens, 24}, {attr::total_output_tokens, 24}};
  CHECK(tree_line(step, schema::render_options()) ==
        "step 24  1.00 ms  agentrace.usage.total.input_tokens=24 agentrace.usage.total.output_tokens=24");
}
