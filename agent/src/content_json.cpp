#include "content_json.hpp"

#include <charconv>
#include <cmath>

#include "agentrace/tracing/json_text.hpp"

namespace agentrace::agent::detail {
namespace {

using tracing::append_json_string;

template <typename T>
void append_integer(std::string& out, T value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round trip
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";  // 1.0, not 1: still a double
}

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

void append_json(std::string& out, const llm::Json& value) {
  using Type = llm::Json::value_t;
  switch (value.type()) {
    case Type::null:
    case Type::discarded: out += "null"; return;
    case Type::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Type::number_integer: append_integer(out, value.get<std::int64_t>()); return;
    case Type::number_unsigned: append_integer(out, value.get<std::uint64_t>()); return;
    case Type::number_float: append_double(out, value.get<double>()); return;
    case Type::string: append_json_string(out, value.get_ref<const std::string&>()); return;
    case Type::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value) {
        if (!first) out += ',';
        first = false;
        append_json(out, item);
      }
      out += ']';
      return;
    }
    case Type::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, key);
        out += ':';
        append_json(out, item);
      }
      out += '}';
      return;
    }
    case Type::binary: out += value.dump(-1, ' ', false, llm::Json::error_handler_t::replace); return;
  }
}

std::string json_text(const llm::Json& value) {
  std::string out;
  append_json(out, value);
  return out;
}

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

const std::string& GrowingMessagesJson::update(const std::vector<llm::Message>& messages) {
  if (messages.size() < count_ || json_.empty()) {
    json_ = messages_json(messages);
    count_ = messages.size();
    return json_;
  }
  json_.pop_back();  // the closing ']'
  for (; count_ < messages.size(); ++count_) {
    if (count_ > 0) json_ += ',';
    append_message(json_, messages[count_]);
  }
  json_ += ']';
  return json_;
}

std::string message_json(const llm::Message& message) {
  std::string out;
  out.reserve(message.content.size() + 64);
  out += '[';
  append_message(out, message);
  out += ']';
  return out;
}

}  // namespace agentrace::agent::detail
