// What the model was offered and given, as the trace records it: gen_ai.tool.definitions on the
// chat span, shown by `view --step` and emitted as JSON (not JSON in a string) by `--json`.
#include <catch2/catch.hpp>

#include "agentrace/inspect/json.hpp"
#include "agentrace/inspect/model.hpp"
#include "agentrace/inspect/text.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/schema/names.hpp"
#include "agentrace/schema/readers.hpp"
#include "agentrace/schema/writers.hpp"
#include "support/test_support.hpp"

using namespace agentrace;

namespace {

llm::ChatRequest request_offering_add() {
  llm::ChatRequest request;
  request.model = "m";
  request.messages = {llm::Message::user("Add 2 and 3.")};
  request.tools = {llm::ToolSchema{.name = "add",
                                   .description = "Add two integers",
                                   .parameters = {{"type", "object"},
                                                  {"properties", {{"a", {{"type", "integer"}}}, {"b", {{"type", "integer"}}},
                                                                  {"note", {{"type", "string"}}}}},
                                                  {"required", {"a", "b"}}}}};
  return request;
}

// One agent, one step, one chat span recorded under `content`.
std::vector<tracing::SpanData> one_step_trace(const schema::ContentPolicy& content, schema::MessagesJson* history) {
  testing::InMemoryTracing t;
  llm::ScriptedLlmClient model({}, "m");
  {
    tracing::Span agent = schema::start_agent_span(t.tracer, {}, {.name = "adder", .model = "m"}, "Add 2 and 3.", content);
    tracing::Span step = schema::start_step_span(t.tracer, agent, 1);
    {
      tracing::Span chat = schema::start_chat_span(t.tracer, step, request_offering_add(), model, content, history);
      llm::ChatResponse response;
      response.model = "m";
      response.message = llm::Message::assistant("5");
      schema::record_chat_response(chat, response, 1, content);
    }
    schema::end_step_span(step, "final_answer", {}, {});
    schema::end_agent_span(agent, {.status = "completed", .steps = 1, .output = "5"}, content);
  }
  return t.spans();
}

const tracing::SpanData& chat_span(const std::vector<tracing::SpanData>& spans) {
  for (const auto& s : spans) {
    if (schema::role_of(s) == schema::SpanRole::chat) return s;
  }
  FAIL("no chat span");
  return spans.front();
}

}  // namespace

TEST_CASE("the chat span records the tools offered as gen_ai.tool.definitions", "[inspect][schema]") {
  const schema::ContentPolicy full{.mode = schema::ContentCapture::full};
  schema::MessagesJson history;
  const auto spans = one_step_trace(full, &history);
  const auto* recorded = chat_span(spans).attribute(schema::attr::tool_definitions);
  REQUIRE(recorded != nullptr);
  const auto tools = nlohmann::json::parse(std::get<std::string>(*recorded));
  REQUIRE(tools.size() == 1);
  CHECK(tools[0]["type"] == "function");
  CHECK(tools[0]["name"] == "add");
  CHECK(tools[0]["description"] == "Add two integers");
  CHECK(tools[0]["parameters"]["properties"]["a"]["type"] == "integer");
  CHECK(schema::read_chat(chat_span(spans)).tool_definitions == std::get<std::string>(*recorded));

  SECTION("a one-off request (no history) records the same") {
    const auto again = one_step_trace(full, nullptr);
    CHECK(*chat_span(again).attribute(schema::attr::tool_definitions) == *recorded);
  }
  SECTION("with content capture off, nothing") {
    const auto off = one_step_trace({.mode = schema::ContentCapture::off}, nullptr);
    CHECK(chat_span(off).attribute(schema::attr::tool_definitions) == nullptr);
  }
}

TEST_CASE("the history writes the tool definitions again only when they change", "[schema]") {
  schema::MessagesJson history;
  auto request = request_offering_add();
  const std::string first = history.tools(request.tools);
  CHECK(&history.tools(request.tools) == &history.tools(request.tools));
  CHECK(history.tools(request.tools) == first);
  request.tools[0].description = "Add two whole numbers";
  CHECK(history.tools(request.tools) != first);
  CHECK(nlohmann::json::parse(history.tools(request.tools))[0]["description"] == "Add two whole numbers");
}

TEST_CASE("view --step lists the tools offered with their parameters", "[inspect]") {
  const auto spans = one_step_trace({.mode = schema::ContentCapture::full}, nullptr);
  const auto views = inspect::build_trace_views(spans);
  const auto text = inspect::render_iteration(views.front(), 1);
  REQUIRE(text);
  CHECK_THAT(*text, Catch::Contains("Tools offered:"));
  CHECK_THAT(*text, Catch::Contains("add(a: integer, b: integer, note?: string)  Add two integers"));
}

TEST_CASE("the JSON form gives recorded messages and tool definitions as JSON, cut ones as text", "[inspect]") {
  SECTION("whole") {
    const auto spans = one_step_trace({.mode = schema::ContentCapture::full}, nullptr);
    const auto j = inspect::to_json(inspect::build_trace_views(spans).front());
    const auto& chat = j["runs"][0]["iterations"][0]["chats"][0];
    REQUIRE(chat["input_messages"].is_array());
    CHECK(chat["input_messages"][0]["role"] == "user");
    REQUIRE(chat["tool_definitions"].is_array());
    CHECK(chat["tool_definitions"][0]["name"] == "add");
    CHECK(chat["output_messages"].is_array());
  }
  SECTION("cut by the content policy: the text as recorded") {
    const auto spans = one_step_trace({.mode = schema::ContentCapture::truncated, .max_bytes = 20}, nullptr);
    const auto j = inspect::to_json(inspect::build_trace_views(spans).front());
    const auto& chat = j["runs"][0]["iterations"][0]["chats"][0];
    CHECK(chat["input_messages"].is_string());
    CHECK(chat["tool_definitions"].is_string());
  }
  SECTION("content capture off: null") {
    const auto spans = one_step_trace({.mode = schema::ContentCapture::off}, nullptr);
    const auto j = inspect::to_json(inspect::build_trace_views(spans).front());
    CHECK(j["runs"][0]["iterations"][0]["chats"][0]["input_messages"].is_null());
  }
}

TEST_CASE("recorded JSON nested deeper than any message is shown as text, without recursing", "[inspect]") {
  auto spans = one_step_trace({.mode = schema::ContentCapture::full}, nullptr);
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  for (auto& s : spans) {  // as a hostile trace file could hold them
    for (auto& a : s.attributes) {
      if (a.key == schema::attr::input_messages || a.key == schema::attr::tool_definitions) a.value = deep;
    }
  }
  const auto views = inspect::build_trace_views(spans);
  const auto j = inspect::to_json(views.front());
  CHECK(j["runs"][0]["iterations"][0]["chats"][0]["input_messages"].is_string());
  CHECK(j["runs"][0]["iterations"][0]["chats"][0]["tool_definitions"].is_string());
  const auto text = inspect::render_iteration(views.front(), 1);
  REQUIRE(text);
  CHECK_THAT(*text, Catch::Contains("[[[["));
}

namespace {

// adder: step 1 says "Let me add." and calls add, which fails once; step 2 answers. Step 2's
// request is step 1's plus the reply and the tool result, as the loop builds it.
std::vector<tracing::SpanData> two_step_trace() {
  const schema::ContentPolicy full{.mode = schema::ContentCapture::full};
  testing::InMemoryTracing t;
  llm::ScriptedLlmClient model({}, "m");
  schema::MessagesJson history;
  auto request = request_offering_add();
  const llm::ToolCall call{.id = "c1", .name = "add", .arguments = {{"a", "two"}, {"b", 3}}};
  {
    tracing::Span agent = schema::start_agent_span(t.tracer, {}, {.name = "adder", .model = "m"}, "Add 2 and 3.", full);
    {
      tracing::Span step = schema::start_step_span(t.tracer, agent, 1);
      {
        tracing::Span chat = schema::start_chat_span(t.tracer, step, request, model, full, &history);
        llm::ChatResponse response;
        response.message = llm::Message::assistant("Let me add.", {call});
        schema::record_chat_response(chat, response, 1, full);
      }
      {
        tracing::Span tool = schema::start_tool_span(t.tracer, step, call, nullptr, false, full);
        schema::record_tool_result(tool, tools::ToolResult::error("a: expected integer, got string", tools::ToolErrorKind::invalid_arguments),
                                   "a: expected integer, got string", full);
      }
      schema::end_step_span(step, "tool_calls", {}, {});
    }
    request.messages.push_back(llm::Message::assistant("Let me add.", {call}));
    request.messages.push_back(llm::Message::tool_result("c1", "add", "a: expected integer, got string"));
    {
      tracing::Span step = schema::start_step_span(t.tracer, agent, 2);
      {
        tracing::Span chat = schema::start_chat_span(t.tracer, step, request, model, full, &history);
        llm::ChatResponse response;
        response.message = llm::Message::assistant("5");
        schema::record_chat_response(chat, response, 1, full);
      }
      schema::end_step_span(step, "final_answer", {}, {});
    }
    schema::end_agent_span(agent, {.status = "completed", .steps = 2, .output = "5"}, full);
  }
  return t.spans();
}

}  // namespace

TEST_CASE("the summary shows a failed tool's message and the model's thought beside its calls", "[inspect]") {
  const auto spans = two_step_trace();  // the views point into it
  const auto views = inspect::build_trace_views(spans);
  const auto text = inspect::render_summary(views.front());
  CHECK_THAT(text, Catch::Contains("[error: invalid_arguments: a: expected integer, got string]"));
  CHECK_THAT(text, Catch::Contains("thought: Let me add."));
  CHECK(text.find("thought: 5") == std::string::npos);  // the final answer is not a thought
}

TEST_CASE("the step view can show only the messages the model had not seen", "[inspect]") {
  const auto spans = two_step_trace();  // the views point into it
  const auto views = inspect::build_trace_views(spans);
  const auto whole = inspect::render_iteration(views.front(), 2);
  REQUIRE(whole);
  CHECK_THAT(*whole, Catch::Contains("Add 2 and 3."));
  inspect::InspectRenderOptions only_new;
  only_new.only_new_messages = true;
  const auto fresh = inspect::render_iteration(views.front(), 2, {}, only_new);
  REQUIRE(fresh);
  CHECK_THAT(*fresh, Catch::Contains("(2 earlier messages not shown)"));
  CHECK_THAT(*fresh, Catch::Contains("[2] tool (c1)"));
  CHECK(fresh->find("[0] user") == std::string::npos);
  const auto first = inspect::render_iteration(views.front(), 1, {}, only_new);  // nothing before step 1
  REQUIRE(first);
  CHECK_THAT(*first, Catch::Contains("[0] user"));
  CHECK(first->find("not shown") == std::string::npos);
}
