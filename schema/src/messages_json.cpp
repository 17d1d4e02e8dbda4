#include "messages_json.hpp"

#include "agentrace/schema/writers.hpp"


#include "agentrace/base/json_text.hpp"

namespace agentrace::schema::detail {
namespace {

using base::append_json;
using base::append_json_string;

void append_part_text(std::string& out, std::string_view type, std::string_view key, std::string_view text) {
  out += R"({"type":)";
  append_json_string(out, type);
  out += ',';
  append_json_string(out, key);
  out += ':';
  append_json_string(out, text);
  out += '}';
}

void append_message(std::string& out, const llm::Message& m) {
  out += R"({"role":)";
  append_json_string(out, llm::to_string(m.role));
  out += R"(,"parts":[)";
  bool first = true;
  auto separate = [&] {
    if (!first) out += ',';
    first = false;
  };
  if (m.role == llm::Role::tool) {
    separate();
    out += R"({"type":"tool_call_response","id":)";
    append_json_string(out, m.tool_call_id);
    out += R"(,"response":)";
    append_json_string(out, m.content);
    out += '}';
  } else if (!m.content.empty()) {
    separate();
    append_part_text(out, "text", "content", m.content);
  }
  for (const auto& call : m.tool_calls) {
    separate();
    out += R"({"type":"tool_call","id":)";
    append_json_string(out, call.id);
    out += R"(,"name":)";
    append_json_string(out, call.name);
    out += R"(,"arguments":)";
    if (call.raw_arguments) {
      append_json_string(out, *call.raw_arguments);
    } else {
      append_json(out, call.arguments);
    }
    out += '}';
  }
  out += "]}";
}

}  // namespace

std::string messages_json(const std::vector<llm::Message>& messages) {
  std::string out;
  std::size_t estimate = 2;
  for (const auto& m : messages) estimate += m.content.size() + 48 + 96 * m.tool_calls.size();
  out.reserve(estimate);
  out += '[';
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) out += ',';
    append_message(out, messages[i]);
  }
  out += ']';
  return out;
}

}  // namespace agentrace::schema::detail

namespace agentrace::schema {

const std::string& MessagesJson::tools(const std::vector<llm::ToolSchema>& tools) {
  // The same agent offers the same tools at every step: written once, compared after.
  if (tools_json_.empty() || tools != tools_) {
    tools_ = tools;
    tools_json_ = detail::tool_definitions_json(tools);
  }
  return tools_json_;
}

const std::string& MessagesJson::update(const std::vector<llm::Message>& messages) {
  if (messages.size() < count_ || json_.empty()) {
    json_ = detail::messages_json(messages);
    count_ = messages.size();
    return json_;
  }
  json_.pop_back();  // the closing ']'
  for (; count_ < messages.size(); ++count_) {
    if (count_ > 0) json_ += ',';
    detail::append_message(json_, messages[count_]);
  }
  json_ += ']';
  return json_;
}

}  // namespace agentrace::schema

namespace agentrace::schema::detail {

std::string message_json(const llm::Message& message) {
  std::string out;
  out.reserve(message.content.size() + 64);
  out += '[';
  append_message(out, message);
  out += ']';
  return out;
}

std::string tool_definitions_json(const std::vector<llm::ToolSchema>& tools) {
  std::string out = "[";
  for (std::size_t i = 0; i < tools.size(); ++i) {
    if (i > 0) out += ',';
    out += R"({"type":"function","name":)";
    append_json_string(out, tools[i].name);
    out += R"(,"description":)";
    append_json_string(out, tools[i].description);
    out += R"(,"parameters":)";
    append_json(out, tools[i].parameters);
    out += '}';
  }
  out += ']';
  return out;
}

}  // namespace agentrace::schema::detail
