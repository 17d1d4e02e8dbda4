// Messages as the GenAI semantic conventions record them (gen_ai.input.messages and
// gen_ai.output.messages: [{"role": .., "parts": [{"type": "text", "content": ..}, ..]}]),
// written straight into a string: every chat span records the whole history, so this runs on
// the agent's path and must not build a JSON DOM per message.
#pragma once

#include <string>
#include <vector>

#include "agentrace/llm/message.hpp"

namespace agentrace::schema::detail {

std::string messages_json(const std::vector<llm::Message>& messages);
std::string message_json(const llm::Message& message);
// gen_ai.tool.definitions: [{"type": "function", "name": .., "description": .., "parameters": {..}}].
std::string tool_definitions_json(const std::vector<llm::ToolSchema>& tools);

}  // namespace agentrace::schema::detail
