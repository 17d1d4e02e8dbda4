// The span schema's writers and readers agree: each span kind written through writers.hpp reads
// back through readers.hpp as what was written, and is classified as its kind.
#include <catch2/catch.hpp>

#include "agentrace/llm/scripted.hpp"
#include "agentrace/schema/names.hpp"
#include "agentrace/schema/readers.hpp"
#include "agentrace/schema/writers.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using schema::SpanRole;

namespace {

const tracing::SpanData& named(const std::vector<tracing::SpanData>& spans, std::string_view name) {
  for (const auto& s : spans) {
    if (s.name == name) return s;
  }
  FAIL("no span named " << name);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("schema: what the writers record, the readers read back", "[schema]") {
  testing::InMemoryTracing t;
  const schema::ContentPolicy full{.mode = schema::ContentCapture::full};
  llm::ScriptedLlmClient model({}, "m-1");
  {
    tracing::Span agent = schema::start_agent_span(t.tracer, {},
                                                   {.name = "researcher",
                                                    .id = "researcher-1",
                                                    .provider = "scripted",
                                                    .model = "m-1",
                                                    .conversation_id = "conv",
                                                    .depth = 1},
                                                   "find it", full);
    tracing::Span step = schema::start_step_span(t.tracer, agent, 2);
    {
      llm::ChatRequest request;
      request.model = "m-1";
      request.messages = {llm::Message::user("find it")};
      tracing::Span chat = schema::start_chat_span(t.tracer, step, request, model, full, nullptr);
      schema::record_chat_attempt_failed(chat, 1, llm::LlmError(llm::LlmErrorKind::rate_limited, "slow down", 429));
      llm::ChatResponse response;
      response.model = "m-1";
      response.message = llm::Message::assistant("calling search");
      response.usage = {.input_tokens = 30, .output_tokens = 7, .total_tokens = 37};
      response.finish_reason = "tool_calls";
      schema::record_chat_response(chat, response, 2, full);
    }
    const llm::ToolCall call{.id = "c1", .name = "search", .arguments = {{"q", "gdp"}}};
    {
      tracing::Span decide = schema::start_decide_span(t.tracer, step, {"search", "final_answer"});
      schema::record_tool_calls(decide, {call});
    }
    {
      tracing::Span tool = schema::start_tool_span(t.tracer, step, call, nullptr, false, full);
      schema::record_tool_result(tool, tools::ToolResult::error("no index", tools::ToolErrorKind::execution), "no index", full);
    }
    {
      tracing::Scope current(step);
      tracing::Span memory = schema::start_memory_span(t.tracer, "get", "sqlite", true);
      schema::record_memory_key(memory, "k");
      schema::record_memory_hit(memory, false);
      schema::record_memory_result_count(memory, 0);
    }
    schema::end_step_span(step, "tool_calls", {.input_tokens = 30, .output_tokens = 7}, {.input_tokens = 40, .output_tokens = 9});
    schema::end_agent_span(agent, {.status = "max_steps", .steps = 2, .own = {.input_tokens = 30, .output_tokens = 7},
                                   .total = {.input_tokens = 40, .output_tokens = 9}, .output = "partial", .error = "out of steps"},
                           full);
  }
  const auto spans = t.spans();
  REQUIRE(spans.size() == 6);

  const auto& agent_span = named(spans, "invoke_agent researcher");
  CHECK(schema::role_of(agent_span) == SpanRole::agent);
  const auto agent = schema::read_agent(agent_span);
  CHECK(agent.agent == "researcher");
  CHECK(agent.depth == 1);
  CHECK(agent.status == "max_steps");
  CHECK(agent.error == "out of steps");
  CHECK(agent.input == "find it");
  CHECK(agent.output == "partial");
  CHECK(agent.model == "m-1");
  CHECK(agent.own == schema::Tokens{30, 7});
  CHECK(agent.total == schema::Tokens{40, 9});
  CHECK(agent.has_usage);

  const auto& step_span = named(spans, "step 2");
  CHECK(schema::role_of(step_span) == SpanRole::step);
  const auto step = schema::read_step(step_span);
  CHECK(step.number == 2);
  CHECK(step.action == "tool_calls");
  CHECK(step.total == schema::Tokens{40, 9});

  const auto& chat_span = named(spans, "chat m-1");
  CHECK(schema::role_of(chat_span) == SpanRole::chat);
  const auto chat = schema::read_chat(chat_span);
  CHECK(chat.provider == "scripted");
  CHECK(chat.tokens == schema::Tokens{30, 7});
  CHECK(chat.attempts == 2);
  CHECK(chat.finish_reasons == std::vector<std::string>{"tool_calls"});
  CHECK(chat.output_text == "calling search");
  CHECK(chat.input_messages.find("find it") != std::string::npos);
  CHECK(chat.failed_attempts == std::vector<std::string>{"attempt 1: slow down"});

  const auto& decide_span = named(spans, "decide");
  CHECK(schema::role_of(decide_span) == SpanRole::decide);
  const auto decision = schema::read_decision(decide_span);
  CHECK(decision.action == "tool_calls");
  CHECK(decision.options == std::vector<std::string>{"search", "final_answer"});
  CHECK(decision.tool_calls == std::vector<std::string>{"search"});
  CHECK(decision.error.empty());

  const auto& tool_span = named(spans, "execute_tool search");
  CHECK(schema::role_of(tool_span) == SpanRole::tool);
  const auto tool = schema::read_tool(tool_span);
  CHECK(tool.call_id == "c1");
  CHECK(tool.type == "function");
  CHECK(tool.arguments == R"({"q":"gdp"})");
  CHECK(tool.result == "no index");
  CHECK(tool.is_error);
  CHECK(tool.error_kind == "execution");

  const auto& memory_span = named(spans, "memory get");
  CHECK(schema::role_of(memory_span) == SpanRole::memory);
  CHECK(memory_span.parent_span_id == step_span.span_id);
  const auto memory = schema::read_memory(memory_span);
  CHECK(memory.operation == "get");
  CHECK(memory.store == "sqlite");
  CHECK(memory.key == "k");
  CHECK(memory.hit == false);
  CHECK(memory.result_count == 0);
}

TEST_CASE("schema: a failed tool call's exception event names what the tool threw, when it threw", "[schema]") {
  testing::InMemoryTracing t;
  const schema::ContentPolicy full{.mode = schema::ContentCapture::full};
  const llm::ToolCall fetch{.id = "c1", .name = "fetch", .arguments = llm::Json::object()};
  const llm::ToolCall search{.id = "c2", .name = "search", .arguments = llm::Json::object()};
  tools::ToolResult thrown = tools::ToolResult::error("tool 'fetch' failed: disk on fire");
  thrown.exception_type = "std::runtime_error";
  {
    tracing::Span threw = schema::start_tool_span(t.tracer, {}, fetch, nullptr, false, full);
    schema::record_tool_result(threw, thrown, thrown.to_text(), full);
    tracing::Span returned = schema::start_tool_span(t.tracer, {}, search, nullptr, false, full);
    schema::record_tool_result(returned, tools::ToolResult::error("no index"), "no index", full);
  }
  const auto spans = t.spans();
  REQUIRE(spans.size() == 2);
  auto exception = [&](std::string_view span, std::string_view key) {
    const auto& s = named(spans, span);
    REQUIRE(s.events.size() == 1);
    return *tracing::find_attribute_as<std::string>(s.events[0].attributes, key);
  };
  CHECK(exception("execute_tool fetch", "exception.type") == "std::runtime_error");
  CHECK(exception("execute_tool fetch", "exception.message") == "tool 'fetch' failed: disk on fire");
  CHECK(exception("execute_tool search", "exception.type") == "agentrace.ToolExecutionError");
  for (const auto& s : spans) {  // the classification stays on the span either way
    CHECK(*tracing::find_attribute_as<std::string>(s.attributes, schema::attr::error_type) == "agentrace.ToolExecutionError");
    CHECK(*tracing::find_attribute_as<std::string>(s.attributes, schema::attr::tool_error_kind) == "execution");
  }
}

TEST_CASE("schema: spans of other writers are classified by name and read with fallbacks", "[schema]") {
  testing::InMemoryTracing t;
  {
    tracing::Span a = t.tracer.start_span("invoke_agent planner");
    tracing::Span s = t.tracer.start_span("step 3", {.parent = a});
    tracing::Span c = t.tracer.start_span("execute_tool lookup", {.parent = s});
    tracing::Span o = t.tracer.start_span("http get", {.parent = c});
  }
  const auto spans = t.spans();
  CHECK(schema::role_of(named(spans, "invoke_agent planner")) == SpanRole::agent);
  CHECK(schema::read_agent(named(spans, "invoke_agent planner")).agent == "planner");
  CHECK(schema::read_agent(named(spans, "invoke_agent planner")).status == "completed");
  CHECK_FALSE(schema::read_agent(named(spans, "invoke_agent planner")).has_usage);
  CHECK(schema::read_step(named(spans, "step 3")).number == 3);
  CHECK(schema::read_tool(named(spans, "execute_tool lookup")).name == "lookup");
  CHECK(schema::role_of(named(spans, "http get")) == SpanRole::other);
}

TEST_CASE("schema: a token count that no int64 holds reads as absent, not as undefined behaviour", "[schema]") {
  // Another writer's double of 1e300 used to be cast to int64 (undefined; UBSan's
  // float-cast-overflow); it now reads as missing, and the count falls back to zero.
  testing::InMemoryTracing t;
  {
    tracing::Span chat = t.tracer.start_span("chat m");
    chat.set_attribute(schema::attr::usage_input_tokens, 1e300).set_attribute(schema::attr::usage_output_tokens, 12.0);
  }
  const auto spans = t.spans();
  CHECK(schema::read_chat_tokens(named(spans, "chat m")) == schema::Tokens{0, 12});
}
