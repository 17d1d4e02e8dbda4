#include "agentrace/llm/scripted.hpp"

#include <cerrno>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace agentrace::llm {

namespace {

// Script errors name the reply the way a reader counts them: the first reply is reply 1, and
// call N consumes reply N.
class ReplyParser {
 public:
  explicit ReplyParser(std::size_t number) : prefix_("reply " + std::to_string(number) + ": ") {}

  ScriptedReply parse(const Json& r) const {
    if (!r.is_object()) fail(std::string("must be an object, got ") + r.type_name());
    reject_unknown(r, "", {"text", "tool_calls", "error", "delay_ms", "usage", "finish_reason", "id"});

    ScriptedReply reply;
    if (auto it = r.find("delay_ms"); it != r.end()) {
      reply.delay = std::chrono::milliseconds(non_negative(*it, "delay_ms"));
    }
    if (auto it = r.find("error"); it != r.end()) {
      for (const char* other : {"text", "tool_calls", "usage", "finish_reason", "id"}) {
        if (r.contains(other)) fail(std::string("'error' cannot be combined with '") + other + "'");
      }
      reply.error = parse_error(*it);
      return reply;
    }
    if (!r.contains("text") && !r.contains("tool_calls")) {
      fail("needs 'text', 'tool_calls' or 'error'");
    }

    ChatResponse response;
    if (auto it = r.find("text"); it != r.end()) {
      if (!it->is_string()) wrong_type("text", "a string", *it);
      response.message.content = it->get<std::string>();
    }
    if (auto it = r.find("tool_calls"); it != r.end()) {
      if (!it->is_array()) wrong_type("tool_calls", "an array", *it);
      for (std::size_t i = 0; i < it->size(); ++i) response.message.tool_calls.push_back(parse_call((*it)[i], i));
    }
    if (auto it = r.find("usage"); it != r.end()) response.usage = parse_usage(*it);
    if (auto it = r.find("finish_reason"); it != r.end()) {
      if (!it->is_string()) wrong_type("finish_reason", "a string", *it);
      response.finish_reason = it->get<std::string>();
    }
    if (auto it = r.find("id"); it != r.end()) {
      if (!it->is_string()) wrong_type("id", "a string", *it);
      response.id = it->get<std::string>();
    }
    reply.response = std::move(response);
    return reply;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw std::invalid_argument(prefix_ + what); }

  [[noreturn]] void wrong_type(const std::string& field, std::string_view expected, const Json& value) const {
    fail("'" + field + "' must be " + std::string(expected) + ", got " + value.type_name());
  }

  void reject_unknown(const Json& object, const std::string& where, std::initializer_list<std::string_view> known) const {
    for (const auto& item : object.items()) {
      bool found = false;
      for (auto k : known) found = found || item.key() == k;
      if (!found) fail(where + "unknown field '" + item.key() + "'");
    }
  }

  std::int64_t non_negative(const Json& value, const std::string& field) const {
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0) {
      wrong_type(field, "a non-negative integer", value);
    }
    return value.get<std::int64_t>();
  }

  ToolCall parse_call(const Json& c, std::size_t index) const {
    const std::string where = "tool_calls[" + std::to_string(index) + "]";
    if (!c.is_object()) wrong_type(where, "an object", c);
    reject_unknown(c, where + ": ", {"id", "name", "arguments"});
    auto name = c.find("name");
    if (name == c.end()) fail(where + ": missing 'name'");
    if (!name->is_string()) wrong_type(where + ".name", "a string", *name);
    std::string id;
    if (auto it = c.find("id"); it != c.end()) {
      if (!it->is_string()) wrong_type(where + ".id", "a string", *it);
      id = it->get<std::string>();
    }
    ToolCall call{.id = std::move(id), .name = name->get<std::string>()};
    if (auto it = c.find("arguments"); it != c.end()) {
      if (!it->is_object() && !it->is_string()) wrong_type(where + ".arguments", "an object or a string", *it);
      // A string of bad JSON (or JSON nested too deep) reaches the Runner as raw_arguments, as a
      // real model's reply would arrive.
      if (it->is_string()) {
        set_arguments_from_text(call, it->get_ref<const std::string&>());
      } else {
        set_arguments_from_value(call, *it);
      }
    }
    return call;
  }

  Usage parse_usage(const Json& u) const {
    if (!u.is_object()) wrong_type("usage", "an object", u);
    reject_unknown(u, "usage: ", {"input_tokens", "output_tokens", "total_tokens"});
    Usage usage;
    if (auto it = u.find("input_tokens"); it != u.end()) usage.input_tokens = non_negative(*it, "usage.input_tokens");
    if (auto it = u.find("output_tokens"); it != u.end()) usage.output_tokens = non_negative(*it, "usage.output_tokens");
    usage.total_tokens = usage.input_tokens + usage.output_tokens;
    if (auto it = u.find("total_tokens"); it != u.end()) usage.total_tokens = non_negative(*it, "usage.total_tokens");
    return usage;
  }

  LlmError parse_error(const Json& e) const {
    if (!e.is_object()) wrong_type("error", "an object", e);
    reject_unknown(e, "error: ", {"kind", "message", "status", "retry_after_ms"});
    auto kind_it = e.find("kind");
    if (kind_it == e.end()) fail("error: missing 'kind'");
    if (!kind_it->is_string()) wrong_type("error.kind", "a string", *kind_it);
    const auto& kind_name = kind_it->get_ref<const std::string&>();
    const std::optional<LlmErrorKind> kind = error_kind_from_string(kind_name);
    std::string known;
    for (auto k = static_cast<int>(LlmErrorKind::transport); k <= static_cast<int>(LlmErrorKind::cancelled); ++k) {
      known.append(known.empty() ? "" : ", ").append(to_string(static_cast<LlmErrorKind>(k)));
    }
    if (!kind) fail("error: unknown kind \"" + kind_name + "\" (known: " + known + ")");

    auto message = e.find("message");
    if (message == e.end()) fail("error: missing 'message'");
    if (!message->is_string()) wrong_type("error.message", "a string", *message);
    int status = 0;
    if (auto it = e.find("status"); it != e.end()) status = static_cast<int>(non_negative(*it, "error.status"));
    std::optional<std::chrono::milliseconds> retry_after;
    if (auto it = e.find("retry_after_ms"); it != e.end()) {
      retry_after = std::chrono::milliseconds(non_negative(*it, "error.retry_after_ms"));
    }
    return LlmError(*kind, message->get<std::string>(), status, retry_after);
  }

  std::string prefix_;
};

std::int64_t tokens_for(std::size_t chars) { return static_cast<std::int64_t>((chars + 3) / 4); }

// Four characters per token: close enough for tests and demos to show plausible costs.
Usage estimate_usage(const ChatRequest& request, const Message& reply) {
  std::size_t in_chars = 0;
  for (const auto& m : request.messages) in_chars += m.content.size();
  std::size_t out_chars = reply.content.size();
  for (const auto& call : reply.tool_calls) {
    out_chars += call.raw_arguments ? call.raw_arguments->size() : call.arguments.dump(-1, ' ', false, Json::error_handler_t::replace).size();
  }
  Usage usage;
  usage.input_tokens = tokens_for(in_chars);
  usage.output_tokens = tokens_for(out_chars);
  usage.total_tokens = usage.input_tokens + usage.output_tokens;
  return usage;
}

// Placeholders a script may use so that its replies quote what really happened in the run:
// {{last_tool_result}} is the content of the request's last tool message, {{task}} the first
// user message. Unknown placeholders are left as written.
std::string fill_placeholders(std::string text, const ChatRequest& request) {
  if (text.find("{{") == std::string::npos) return text;
  auto replace_all = [&text](std::string_view name, const std::string& value) {
    for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size())) {
      text.replace(at, name.size(), value);
    }
  };
  std::string last_tool;
  std::string task;
  for (const auto& m : request.messages) {
    if (m.role == Role::tool) last_tool = m.content;
    if (m.role == Role::user && task.empty()) task = m.content;
  }
  replace_all("{{last_tool_result}}", last_tool);
  replace_all("{{task}}", task);
  return text;
}

void fill_placeholders(Json& value, const ChatRequest& request) {
  if (value.is_string()) {
    value = fill_placeholders(value.get<std::string>(), request);
  } else if (value.is_structured()) {
    for (auto& item : value) fill_placeholders(item, request);
  }
}

}  // namespace

ScriptedLlmClient::ScriptedLlmClient(std::vector<ScriptedReply> replies, std::string model)
    : model_(std::move(model)), replies_(std::move(replies)) {
  // Ids and finish reasons are fixed here, not per call, so that a script gives the same ids
  // however calls interleave.
  std::size_t call_number = 0;
  for (std::size_t i = 0; i < replies_.size(); ++i) {
    auto& reply = replies_[i];
    if (reply.response.has_value() == reply.error.has_value()) {
      throw std::invalid_argument("reply " + std::to_string(i + 1) + ": needs exactly one of a response or an error");
    }
    if (!reply.response) continue;
    auto& response = *reply.response;
    for (auto& call : response.message.tool_calls) {
      ++call_number;
      if (call.id.empty()) call.id = "call_" + std::to_string(call_number);
    }
    if (response.finish_reason.empty()) {
      response.finish_reason = response.message.tool_calls.empty() ? "stop" : "tool_calls";
    }
  }
}

std::unique_ptr<ScriptedLlmClient> ScriptedLlmClient::from_json(const Json& script) {
  if (!script.is_object()) {
    throw std::invalid_argument(std::string("script must be an object with a 'replies' array, got ") +
                                script.type_name());
  }
  for (const auto& item : script.items()) {
    if (item.key() != "model" && item.key() != "replies" && item.key() != "description") {
      throw std::invalid_argument("script: unknown field '" + item.key() + "'");
    }
  }
  std::string model = "scripted";
  if (auto it = script.find("model"); it != script.end()) {
    if (!it->is_string()) throw std::invalid_argument(std::string("script: 'model' must be a string, got ") + it->type_name());
    model = it->get<std::string>();
  }
  auto replies_it = script.find("replies");
  if (replies_it == script.end()) throw std::invalid_argument("script: missing 'replies'");
  if (!replies_it->is_array()) {
    throw std::invalid_argument(std::string("script: 'replies' must be an array, got ") + replies_it->type_name());
  }
  std::vector<ScriptedReply> replies;
  replies.reserve(replies_it->size());
  for (std::size_t i = 0; i < replies_it->size(); ++i) {
    replies.push_back(ReplyParser(i + 1).parse((*replies_it)[i]));
  }
  return std::make_unique<ScriptedLlmClient>(std::move(replies), std::move(model));
}

std::unique_ptr<ScriptedLlmClient> ScriptedLlmClient::from_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw std::system_error(std::make_error_code(std::errc::is_a_directory), "cannot read script " + name);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno != 0 ? errno : ENOENT;
    throw std::system_error(err, std::generic_category(), "cannot open script " + name);
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw std::system_error(std::make_error_code(std::errc::io_error), "cannot read script " + name);

  Json script;
  try {
    script = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw std::invalid_argument(name + ": not valid JSON: " + e.what());
  }
  try {
    return from_json(script);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(name + ": " + e.what());
  }
}

ScriptedReply ScriptedLlmClient::text(std::string text, Usage usage) {
  ScriptedReply reply;
  reply.response = ChatResponse{Message::assistant(std::move(text)), usage, {}, {}, {}};
  return reply;
}

ScriptedReply ScriptedLlmClient::tool_calls(std::vector<ToolCall> calls, std::string text, Usage usage) {
  ScriptedReply reply;
  reply.response = ChatResponse{Message::assistant(std::move(text), std::move(calls)), usage, {}, {}, {}};
  return reply;
}

ScriptedReply ScriptedLlmClient::failure(LlmErrorKind kind, std::string message, int http_status) {
  ScriptedReply reply;
  reply.error = LlmError(kind, message, http_status);
  return reply;
}

asio::awaitable<ChatResponse> ScriptedLlmClient::do_complete(const ChatRequest& request, CallOptions options) {
  std::size_t call = 0;
  std::size_t script_size = 0;
  std::optional<ScriptedReply> reply;
  {
    std::lock_guard lock(mutex_);
    call = ++next_;
    script_size = replies_.size();
    if (recording_) requests_.push_back(request);
    if (call <= script_size) reply = std::move(replies_[call - 1]);  // each reply is used once
  }
  if (!reply) {
    throw LlmError(LlmErrorKind::script_exhausted, "scripted model: call " + std::to_string(call) +
                                                       " has no reply (the script has " +
                                                       std::to_string(script_size) + " replies)");
  }
  if (reply->delay.count() > 0) {
    // On the caller's executor, so concurrent calls overlap instead of blocking its thread.
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, reply->delay);
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (reply->error) throw *reply->error;

  ChatResponse response = std::move(*reply->response);
  response.message.content = fill_placeholders(std::move(response.message.content), request);
  for (auto& call : response.message.tool_calls) fill_placeholders(call.arguments, request);
  response.model = request.model.empty() ? model_ : request.model;
  // A usage of all zeros means the script gave none.
  if (response.usage == Usage{}) response.usage = estimate_usage(request, response.message);
  // One chunk with the whole text lets streaming consumers be tested offline.
  if (options.on_text && !response.message.content.empty()) options.on_text(response.message.content);
  co_return response;
}

std::vector<ChatRequest> ScriptedLlmClient::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t ScriptedLlmClient::calls() const {
  std::lock_guard lock(mutex_);
  return next_;
}

std::size_t ScriptedLlmClient::remaining() const {
  std::lock_guard lock(mutex_);
  return next_ >= replies_.size() ? 0 : replies_.size() - next_;
}

void ScriptedLlmClient::set_recording(bool on) {
  std::lock_guard lock(mutex_);
  recording_ = on;
}

}  // namespace agentrace::llm
