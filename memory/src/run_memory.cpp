#include "agentrace/memory/run_memory.hpp"

#include <type_traits>

namespace agentrace::memory {

std::vector<const ActionStep*> RunMemory::action_steps() const {
  std::vector<const ActionStep*> out;
  for (const auto& step : steps_) {
    if (const auto* action = std::get_if<ActionStep>(&step)) out.push_back(action);
  }
  return out;
}

std::optional<std::string> RunMemory::final_answer() const {
  // The latest answer wins: a memory reused for a follow-up task holds several.
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    if (const auto* final_step = std::get_if<FinalAnswerStep>(&*it)) return final_step->answer;
    if (const auto* action = std::get_if<ActionStep>(&*it); action != nullptr && action->final_answer) {
      return action->final_answer;
    }
  }
  return std::nullopt;
}

std::vector<llm::Message> RunMemory::to_messages() const {
  std::vector<llm::Message> messages;
  append_messages(messages, 0);
  return messages;
}

std::size_t RunMemory::append_messages(std::vector<llm::Message>& messages, std::size_t from_step) const {
  if (from_step == 0 && !system_prompt_.empty()) messages.push_back(llm::Message::system(system_prompt_));
  for (std::size_t i = from_step; i < steps_.size(); ++i) {
    const Step& step = steps_[i];
    std::visit(
        [&messages](const auto& s) {
          using T = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<T, TaskStep>) {
            messages.push_back(llm::Message::user(s.task));
          } else if constexpr (std::is_same_v<T, PlanningStep>) {
            messages.push_back(llm::Message::assistant("Plan:\n" + s.plan));
          } else if constexpr (std::is_same_v<T, ActionStep>) {
            const auto& out = s.model_output;
            // A malformed reply can be empty; an empty assistant message would only confuse the model.
            if (!out.content.empty() || !out.tool_calls.empty()) {
              llm::Message reply = out;
              reply.role = llm::Role::assistant;
              messages.push_back(std::move(reply));
            }
            if (s.code) {
              messages.push_back(llm::Message::user("Observation:\n" + s.code->observation));
              return;
            }
            for (const auto& obs : s.observations) {
              messages.push_back(llm::Message::tool_result(obs.call_id, obs.tool_name, obs.content));
            }
            if (s.error) {
              messages.push_back(llm::Message::user("Error: " + *s.error +
                                                    "\nNow let's retry: take care not to repeat previous errors."));
            }
          } else {
            // FinalAnswerStep: the action step that produced the answer already holds the reply
            // the model gave, so repeating it would show the model an answer it never wrote.
            static_assert(std::is_same_v<T, FinalAnswerStep>);
          }
        },
        step);
  }
  return steps_.size();
}

}  // namespace agentrace::memory
