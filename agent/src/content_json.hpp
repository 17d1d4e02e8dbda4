// Messages as the GenAI semantic conventions record them (gen_ai.input.messages and
// gen_ai.output.messages: [{"role": .., "parts": [{"type": "text", "content": ..}, ..]}]),
// written straight into a string: every chat span records the whole history, so this runs on
// the agent's path and must not build a JSON DOM per message.
#pragma once

#include <string>
#include <vector>

#include "agentrace/base/json_text.hpp"
#include "agentrace/llm/message.hpp"

namespace agentrace::agent::detail {

// Tool arguments and results as JSON text: base::json_text (dump()'s output, without recursion).
using base::json_text;

std::string messages_json(const std::vector<llm::Message>& messages);
std::string message_json(const llm::Message& message);

// messages_json of a history that only grows, kept between calls: each call writes only the
// messages added since the last, so a run of n steps serializes each message once instead of
// up to n times. A history shorter than last time is written again from the start. The caller
// guarantees that messages already written do not change (the Runner's request only appends).
class GrowingMessagesJson {
 public:
  const std::string& update(const std::vector<llm::Message>& messages);

 private:
  std::string json_;  // "[m0,...,mk]" for the first count_ messages
  std::size_t count_ = 0;
};

}  // namespace agentrace::agent::detail
