#include <catch2/catch.hpp>

#include <sstream>

#include "agentrace/memory/run_memory.hpp"

using namespace agentrace;
using namespace agentrace::memory;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

llm::ToolCall call(std::string id, std::string name, llm::Json arguments) {
  llm::ToolCall c;
  c.id = std::move(id);
  c.name = std::move(name);
  c.arguments = std::move(arguments);
  return c;
}

Observation observation(std::string call_id, std::string tool, std::string content, bool is_error = false) {
  Observation o;
  o.call_id = std::move(call_id);
  o.tool_name = std::move(tool);
  o.content = std::move(content);
  o.is_error = is_error;
  return o;
}

// A run that planned, called two tools, made a mistake, then answered.
RunMemory sample_run() {
  RunMemory memory("You are a calculator.");
  memory.add(TaskStep{"What is 2 + 3 * 4?"});
  memory.add(PlanningStep{"1. multiply 3 by 4\n2. add 2", {}, 0, 0});

  ActionStep first;
  first.number = 1;
  first.model_output = llm::Message::assistant(
      "Computing.", {call("c1", "mul", {{"a", 3}, {"b", 4}}), call("c2", "add", {{"a", 2}, {"b", 12}})});
  first.observations = {observation("c1", "mul", "12"), observation("c2", "add", "14")};
  memory.add(first);

  ActionStep second;
  second.number = 2;
  second.error = "the reply had neither text nor a tool call";
  memory.add(second);

  ActionStep third;
  third.number = 3;
  third.model_output = llm::Message::assistant("14");
  third.final_answer = "14";
  memory.add(third);
  memory.add(FinalAnswerStep{"14"});
  return memory;
}

}  // namespace

TEST_CASE("run memory becomes the model's messages in order", "[memory]") {
  const auto messages = sample_run().to_messages();
  REQUIRE(messages.size() == 8);

  CHECK(messages[0] == llm::Message::system("You are a calculator."));
  CHECK(messages[1] == llm::Message::user("What is 2 + 3 * 4?"));
  CHECK(messages[2].role == llm::Role::assistant);
  CHECK_THAT(messages[2].content, StartsWith("Plan:"));
  CHECK_THAT(messages[2].content, Contains("multiply 3 by 4"));

  CHECK(messages[3].role == llm::Role::assistant);
  CHECK(messages[3].content == "Computing.");
  REQUIRE(messages[3].tool_calls.size() == 2);
  CHECK(messages[3].tool_calls[0].id == "c1");
  CHECK(messages[3].tool_calls[1].id == "c2");
  CHECK(messages[4] == llm::Message::tool_result("c1", "mul", "12"));
  CHECK(messages[5] == llm::Message::tool_result("c2", "add", "14"));

  // The malformed step has no assistant message, only the correction.
  CHECK(messages[6].role == llm::Role::user);
  CHECK_THAT(messages[6].content, StartsWith("Error:"));
  CHECK_THAT(messages[6].content, Contains("the reply had neither text nor a tool call"));

  // The final answer is the model's own reply, not repeated by the FinalAnswerStep.
  CHECK(messages[7] == llm::Message::assistant("14"));
}

TEST_CASE("error observations are shown to the model as tool results", "[memory]") {
  RunMemory memory;
  memory.add(TaskStep{"t"});
  ActionStep step;
  step.number = 1;
  step.model_output = llm::Message::assistant("", {call("x1", "nope", llm::Json::object())});
  step.observations = {observation("x1", "nope", "Error: unknown tool 'nope'", true)};
  memory.add(step);

  const auto messages = memory.to_messages();
  REQUIRE(messages.size() == 3);  // no system message without a prompt
  CHECK(messages[0] == llm::Message::user("t"));
  CHECK(messages[1].tool_calls.size() == 1);
  CHECK(messages[2] == llm::Message::tool_result("x1", "nope", "Error: unknown tool 'nope'"));
}

TEST_CASE("run memory lists action steps and finds the final answer", "[memory]") {
  const auto memory = sample_run();
  const auto actions = memory.action_steps();
  REQUIRE(actions.size() == 3);
  CHECK(actions[0]->number == 1);
  CHECK(actions[1]->number == 2);
  CHECK(actions[2]->number == 3);
  CHECK(actions[0]->observations.size() == 2);
  CHECK(memory.final_answer() == std::optional<std::string>("14"));
  CHECK(memory.system_prompt() == "You are a calculator.");

  RunMemory empty;
  CHECK(empty.action_steps().empty());
  CHECK_FALSE(empty.final_answer());

  // An answer recorded only on the action step still counts; the latest answer wins.
  RunMemory follow_up;
  ActionStep answered;
  answered.final_answer = "first";
  follow_up.add(answered);
  CHECK(follow_up.final_answer() == std::optional<std::string>("first"));
  follow_up.add(TaskStep{"again"});
  follow_up.add(FinalAnswerStep{"second"});
  CHECK(follow_up.final_answer() == std::optional<std::string>("second"));
}

TEST_CASE("an observation's error kind is the tool error enum, written as traces write it", "[memory]") {
  Observation o;
  CHECK(o.error_kind == ToolErrorKind::none);
  o.is_error = true;
  o.error_kind = ToolErrorKind::invalid_arguments;
  CHECK(to_string(o.error_kind) == "invalid_arguments");
  std::ostringstream out;
  out << ToolErrorKind::unknown_tool << ' ' << ToolErrorKind::execution << ' ' << ToolErrorKind::timeout << ' '
      << ToolErrorKind::cancelled << ' ' << ToolErrorKind::none;
  CHECK(out.str() == "unknown_tool execution timeout cancelled none");
}
