#include "content_json.hpp"

#include <cstdio>

namespace agentrace::agent::detail {
namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 when it is not one.
std::size_t utf8_sequence(std::string_view text, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  // Overlong three- and four-byte forms, surrogates, and code points above U+10FFFF.
  if (c == 0xE0 && byte(i + 1) < 0xA0) return 0;
  if (c == 0xED && byte(i + 1) > 0x9F) return 0;
  if (c == 0xF0 && byte(i + 1) < 0x90) return 0;
  if (c == 0xF4 && byte(i + 1) > 0x8F) return 0;
  return n;
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
      out += call.arguments.dump(-1, ' ', false, llm::Json::error_handler_t::replace);
    }
    out += '}';
  }
  out += "]}";
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy runs of plain ASCII at once.
    std::size_t j = i;
    while (j < text.size()) {
      const auto c = static_cast<unsigned char>(text[j]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++j;
    }
    out.append(text.data() + i, j - i);
    i = j;
    if (i >= text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      if (const std::size_t n = utf8_sequence(text, i)) {
        out.append(text.data() + i, n);
        i += n;
      } else {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
    ++i;
  }
  out += '"';
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

std::string message_json(const llm::Message& message) {
  std::string out;
  out.reserve(message.content.size() + 64);
  out += '[';
  append_message(out, message);
  out += ']';
  return out;
}

}  // namespace agentrace::agent::detail
