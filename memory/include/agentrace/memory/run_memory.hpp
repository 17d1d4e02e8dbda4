// The run's memory: its ordered, typed steps. to_messages() is the one conversion of a run's
// history into model input; the Runner appends a step per iteration; the RunResult keeps it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agentrace/llm/message.hpp"
#include "agentrace/memory/tool_error_kind.hpp"

namespace agentrace::memory {

using Json = nlohmann::json;

struct TaskStep {
  std::string task;
};

struct PlanningStep {
  std::string plan;
  llm::Usage usage;
  std::uint64_t start_unix_ns = 0;
  std::uint64_t end_unix_ns = 0;
};

// One tool call's outcome as the model will see it.
struct Observation {
  std::string call_id;
  std::string tool_name;
  Json arguments = Json::object();
  std::string content;  // the text the model sees
  bool is_error = false;
  ToolErrorKind error_kind = ToolErrorKind::none;  // why it failed; none when !is_error
  std::uint64_t duration_ns = 0;
};

// A code action (an agent whose actions are code): the program its reply carried and what the
// model reads of its run. The calls the program made are the step's observations.
struct CodeAction {
  std::string language;
  std::string code;
  std::string observation;  // what it printed, the value of its last line, its error
};

struct ActionStep {
  int number = 0;                 // 1-based
  llm::Message model_output{llm::Role::assistant, {}, {}, {}, {}};  // the reply: text and tool calls
  std::vector<Observation> observations;  // in call order
  std::optional<std::string> error;       // a model mistake reported back (malformed reply, ...)
  std::optional<CodeAction> code;         // a code agent's program, when the reply had one
  std::optional<std::string> final_answer;
  llm::Usage usage;  // this step's model usage (own, not managed agents')
  std::uint64_t start_unix_ns = 0;
  std::uint64_t end_unix_ns = 0;
};

struct FinalAnswerStep {
  std::string answer;
};

using Step = std::variant<TaskStep, PlanningStep, ActionStep, FinalAnswerStep>;

class RunMemory {
 public:
  RunMemory() = default;
  explicit RunMemory(std::string system_prompt) : system_prompt_(std::move(system_prompt)) {}

  void add(Step step) { steps_.push_back(std::move(step)); }
  [[nodiscard]] const std::vector<Step>& steps() const noexcept { return steps_; }
  [[nodiscard]] const std::string& system_prompt() const noexcept { return system_prompt_; }
  [[nodiscard]] std::vector<const ActionStep*> action_steps() const;
  [[nodiscard]] std::optional<std::string> final_answer() const;

  // system prompt (when set) -> user task -> per planning step an assistant "Plan:" message ->
  // per action step: the assistant reply with its tool calls, then one tool message per
  // observation (in call order); an action step's error becomes a user message telling the model
  // what was wrong, so it can correct itself on the next step. A code action's step is the reply,
  // then one user message "Observation:" with what its program printed, its last value and its
  // error (the calls it made are not messages of their own).
  [[nodiscard]] std::vector<llm::Message> to_messages() const;
  // The same conversion, incremental: appends the messages of steps [from_step, end) to
  // `messages` (and the system prompt when from_step is 0); returns the step count, to pass as
  // from_step next time. A Runner keeps one growing request this way instead of converting the
  // whole history at every step.
  std::size_t append_messages(std::vector<llm::Message>& messages, std::size_t from_step = 0) const;

 private:
  std::string system_prompt_;
  std::vector<Step> steps_;
};

}  // namespace agentrace::memory
