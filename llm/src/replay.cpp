#include "agentrace/llm/replay.hpp"

#include <algorithm>

namespace agentrace::llm {
namespace {

// A request as lines, the unit of the diff: settings first, then each message (multi-line
// content continues on indented lines, tool calls follow their message).
std::vector<std::string> request_lines(const ChatRequest& r) {
  std::vector<std::string> lines;
  lines.push_back("model: " + r.model);
  std::string tools = "tools:";
  for (const auto& t : r.tools) tools += " " + t.name;
  lines.push_back(tools);
  if (r.temperature) lines.push_back("temperature: " + Json(*r.temperature).dump());
  if (r.max_tokens) lines.push_back("max_tokens: " + std::to_string(*r.max_tokens));
  if (!r.stop.empty()) lines.push_back("stop: " + Json(r.stop).dump());
  if (!r.extra.empty()) lines.push_back("extra: " + r.extra.dump());
  for (std::size_t i = 0; i < r.messages.size(); ++i) {
    const Message& m = r.messages[i];
    std::string head = "[" + std::to_string(i) + "] " + std::string(to_string(m.role));
    if (!m.tool_call_id.empty()) head += " (" + m.tool_call_id + ")";
    head += ":";
    std::size_t start = 0;
    bool first = true;
    do {
      const std::size_t nl = m.content.find('\n', start);
      const std::string line = m.content.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      lines.push_back(first ? head + (line.empty() ? "" : " " + line) : "      " + line);
      first = false;
      start = nl == std::string::npos ? std::string::npos : nl + 1;
    } while (start != std::string::npos);
    for (const auto& c : m.tool_calls) {
      lines.push_back("      -> " + c.name + " " + (c.raw_arguments ? *c.raw_arguments : c.arguments.dump()) + " (" + c.id + ")");
    }
  }
  return lines;
}

}  // namespace

std::string diff_requests(const ChatRequest& recorded, const ChatRequest& replayed) {
  if (Json(recorded) == Json(replayed)) return {};
  const auto a = request_lines(recorded);
  const auto b = request_lines(replayed);
  std::size_t first = 0;
  while (first < a.size() && first < b.size() && a[first] == b[first]) ++first;
  if (first == a.size() && first == b.size()) {
    // Equal as lines but not as JSON (a schema or a setting the lines do not show).
    return "  (the messages are the same; the tool schemas or request settings differ)\n- " + Json(recorded).dump() +
           "\n+ " + Json(replayed).dump() + "\n";
  }
  std::string out;
  for (std::size_t i = first >= 2 ? first - 2 : 0; i < first; ++i) out += "  " + a[i] + "\n";
  constexpr std::size_t shown = 4;
  for (std::size_t i = first; i < std::min(a.size(), first + shown); ++i) out += "- " + a[i] + "\n";
  if (a.size() > first + shown) out += "- ... (" + std::to_string(a.size() - first - shown) + " more lines)\n";
  for (std::size_t i = first; i < std::min(b.size(), first + shown); ++i) out += "+ " + b[i] + "\n";
  if (b.size() > first + shown) out += "+ ... (" + std::to_string(b.size() - first - shown) + " more lines)\n";
  return out;
}

ReplayLlmClient::ReplayLlmClient(std::string name, std::vector<RecordedCall> calls, std::string model)
    : name_(std::move(name)), model_(std::move(model)), calls_(std::move(calls)) {}

asio::awaitable<ChatResponse> ReplayLlmClient::do_complete(const ChatRequest& request, CallOptions options) {
  std::optional<ChatResponse> response;
  std::optional<LlmError> error;
  {
    std::lock_guard lock(mutex_);
    const std::size_t index = next_++;
    if (index >= calls_.size()) {
      throw LlmError(LlmErrorKind::script_exhausted,
                     "replay of '" + name_ + "': call " + std::to_string(index + 1) + " was not recorded (the recording has " +
                         std::to_string(calls_.size()) + " calls)");
    }
    const RecordedCall& recorded = calls_[index];
    if (!mismatch_) {
      if (std::string diff = diff_requests(recorded.request, request); !diff.empty()) {
        mismatch_ = RequestMismatch{index, std::move(diff)};
      }
    }
    response = recorded.response;
    error = recorded.error;
  }
  if (error) throw *error;
  if (!response) throw LlmError(LlmErrorKind::malformed_response, "replay of '" + name_ + "': a recorded call has no reply");
  if (options.on_text && !response->message.content.empty()) options.on_text(response->message.content);
  co_return std::move(*response);
}

std::optional<RequestMismatch> ReplayLlmClient::first_mismatch() const {
  std::lock_guard lock(mutex_);
  return mismatch_;
}

std::size_t ReplayLlmClient::calls() const {
  std::lock_guard lock(mutex_);
  return next_;
}

std::size_t ReplayLlmClient::recorded() const {
  std::lock_guard lock(mutex_);
  return calls_.size();
}

}  // namespace agentrace::llm
