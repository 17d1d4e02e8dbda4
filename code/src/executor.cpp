#include "agentrace/code/executor.hpp"

namespace agentrace::code {

std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::none: return "none";
    case ErrorKind::syntax: return "syntax";
    case ErrorKind::runtime: return "runtime";
    case ErrorKind::instructions: return "instructions";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::memory: return "memory";
    case ErrorKind::depth: return "depth";
    case ErrorKind::stopped: return "stopped";
  }
  return "unknown";
}

std::string Execution::final_answer_text() const {
  if (!final_answer) return {};
  if (final_answer->is_string()) return final_answer->get<std::string>();
  return final_answer->dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string Execution::observation() const {
  std::string text;
  if (!output.empty()) {
    text += "Output:\n";
    text += output;
    if (text.back() != '\n') text += '\n';
  }
  if (value) {
    text += "Last value: ";
    text += *value;
    text += '\n';
  }
  if (!ok()) {
    text += "Error: ";
    text += error;
    text += '\n';
  }
  if (text.empty()) text = "The code ran, printed nothing and its last line has no value.\n";
  text.pop_back();
  return text;
}

std::optional<std::string> extract_code(std::string_view reply, std::string_view language) {
  std::optional<std::string> code;
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = reply.find("```", pos);
    if (open == std::string_view::npos) break;
    // The fence must start a line.
    if (open != 0 && reply[open - 1] != '\n') {
      pos = open + 3;
      continue;
    }
    const std::size_t info_end = reply.find('\n', open + 3);
    if (info_end == std::string_view::npos) break;
    std::string_view info = reply.substr(open + 3, info_end - open - 3);
    while (!info.empty() && (info.back() == ' ' || info.back() == '\r' || info.back() == '\t')) info.remove_suffix(1);
    while (!info.empty() && info.front() == ' ') info.remove_prefix(1);
    // The closing fence: ``` at the start of a line.
    std::size_t close = info_end + 1;
    std::size_t end = std::string_view::npos;
    while (close <= reply.size()) {
      const std::size_t found = reply.find("```", close);
      if (found == std::string_view::npos) break;
      if (reply[found - 1] == '\n') {
        end = found;
        break;
      }
      close = found + 3;
    }
    // An unclosed block runs to the end of the reply (a model cut at max_tokens, or one that
    // forgot the fence): its code is still what it meant.
    const std::size_t body_end = end == std::string_view::npos ? reply.size() : end;
    if (info.empty() || info == language) {
      std::string_view body = reply.substr(info_end + 1, body_end - info_end - 1);
      if (code) *code += '\n';
      else code.emplace();
      code->append(body);
    }
    if (end == std::string_view::npos) break;
    pos = end + 3;
  }
  return code;
}

}  // namespace agentrace::code
