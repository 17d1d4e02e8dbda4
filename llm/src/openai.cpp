#include "agentrace/llm/openai.hpp"

#include <map>
#include <stdexcept>
#include <utility>

#include "agentrace/base/saturating.hpp"
#include "http_transport.hpp"
#include "token_count.hpp"
#include "stream_replies.hpp"

namespace agentrace::llm {

namespace {

constexpr std::string_view api_name = "OpenAI-compatible API";

Json tool_call_json(const ToolCall& call) {
  // The API carries arguments as a JSON string; an invalid original is sent back as it was.
  std::string arguments = call.raw_arguments ? *call.raw_arguments : call.arguments.dump();
  return Json{{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", std::move(arguments)}}}};
}

Json message_json(const Message& m) {
  Json j{{"role", to_string(m.role)}};
  switch (m.role) {
    case Role::assistant:
      // With tool calls and no text, content is null (as the API itself answers).
      j["content"] = m.content.empty() && !m.tool_calls.empty() ? Json(nullptr) : Json(m.content);
      if (!m.tool_calls.empty()) {
        Json calls = Json::array();
        for (const ToolCall& c : m.tool_calls) calls.push_back(tool_call_json(c));
        j["tool_calls"] = std::move(calls);
      }
      if (!m.name.empty()) j["name"] = m.name;
      break;
    case Role::tool:
      j["tool_call_id"] = m.tool_call_id;
      j["content"] = m.content;
      break;
    case Role::system:
    case Role::user:
      j["content"] = m.content;
      if (!m.name.empty()) j["name"] = m.name;
      break;
  }
  return j;
}

std::string error_message(std::string_view body) {
  try {
    const Json j = Json::parse(body);
    if (j.is_object()) {
      if (auto e = j.find("error"); e != j.end()) {
        if (e->is_string()) return e->get<std::string>();
        if (e->is_object()) {
          if (auto m = e->find("message"); m != e->end() && m->is_string()) return m->get<std::string>();
        }
      }
      if (auto m = j.find("message"); m != j.end() && m->is_string()) return m->get<std::string>();
    }
  } catch (const Json::exception&) {
  }
  return {};
}

[[noreturn]] void malformed(const std::string& what, std::string_view body) {
  throw LlmError(LlmErrorKind::malformed_response, std::string(api_name) + " reply " + what + ": " + detail::excerpt(body));
}

std::string string_or_empty(const Json& j, const char* key) {
  if (auto it = j.find(key); it != j.end() && it->is_string()) return it->get<std::string>();
  return {};
}

// A tool call's arguments string as JSON; invalid JSON stays raw for the Runner to report.
void set_arguments(ToolCall& call, const std::string& text) {
  if (text.empty()) {  // some servers send "" for a function without parameters
    call.arguments = Json::object();
    return;
  }
  set_arguments_from_text(call, text);
}

Usage usage_from(const Json& u) {
  Usage usage;
  if (!u.is_object()) return usage;
  usage.input_tokens = detail::token_count(u, "prompt_tokens");
  usage.output_tokens = detail::token_count(u, "completion_tokens");
  usage.total_tokens = detail::token_count(u, "total_tokens");
  if (usage.total_tokens == 0) usage.total_tokens = base::saturating_add(usage.input_tokens, usage.output_tokens);
  if (auto d = u.find("prompt_tokens_details"); d != u.end() && d->is_object()) {
    usage.cached_input_tokens = detail::token_count(*d, "cached_tokens");
  }
  return usage;
}

// Assembles a streamed reply from its chunks.
struct StreamState {
  ChatResponse response;
  std::map<std::int64_t, ToolCall> calls;  // by the delta's index
  std::map<std::int64_t, std::string> arguments;
  std::function<void(std::string_view)> on_text;
  std::size_t chunks = 0;

  bool on_event(const net::SseEvent& event) {
    if (event.data == "[DONE]") return true;
    ++chunks;
    Json chunk;
    try {
      chunk = Json::parse(event.data);
    } catch (const Json::exception& e) {
      throw LlmError(LlmErrorKind::malformed_response, std::string(api_name) + " stream chunk " +
                                                           std::to_string(chunks) + " is not valid JSON (" +
                                                           e.what() + "): " + detail::excerpt(event.data));
    }
    if (!chunk.is_object()) malformed("stream chunk " + std::to_string(chunks) + " is not an object", event.data);
    if (auto e = chunk.find("error"); e != chunk.end() && !e->is_null()) {
      throw LlmError(LlmErrorKind::server, std::string(api_name) + " stream reported an error: " +
                                               (error_message(event.data).empty() ? detail::excerpt(event.data)
                                                                                   : error_message(event.data)));
    }
    if (response.id.empty()) response.id = string_or_empty(chunk, "id");
    if (auto m = string_or_empty(chunk, "model"); !m.empty()) response.model = m;
    if (auto u = chunk.find("usage"); u != chunk.end() && u->is_object()) response.usage = usage_from(*u);
    auto choices = chunk.find("choices");
    if (choices == chunk.end() || !choices->is_array() || choices->empty()) return false;
    const Json& choice = (*choices)[0];
    if (!choice.is_object()) malformed("stream chunk " + std::to_string(chunks) + " has a choice that is not an object", event.data);
    if (auto f = choice.find("finish_reason"); f != choice.end() && f->is_string()) response.finish_reason = f->get<std::string>();
    auto delta = choice.find("delta");
    if (delta == choice.end() || !delta->is_object()) return false;
    if (auto c = delta->find("content"); c != delta->end() && c->is_string() && !c->get_ref<const std::string&>().empty()) {
      const std::string& text = c->get_ref<const std::string&>();
      response.message.content += text;
      if (on_text) on_text(text);
    }
    if (auto tcs = delta->find("tool_calls"); tcs != delta->end() && tcs->is_array()) {
      for (const Json& tc : *tcs) {
        if (!tc.is_object()) continue;
        const std::int64_t index = tc.contains("index") && tc["index"].is_number_integer()
                                       ? tc["index"].get<std::int64_t>()
                                       : static_cast<std::int64_t>(calls.size());
        ToolCall& call = calls[index];
        if (auto id = string_or_empty(tc, "id"); !id.empty()) call.id = id;
        if (auto fn = tc.find("function"); fn != tc.end() && fn->is_object()) {
          // The name arrives whole in the first fragment; some servers repeat it: keep the first.
          if (auto name = string_or_empty(*fn, "name"); !name.empty() && call.name.empty()) call.name = name;
          if (auto args = fn->find("arguments"); args != fn->end() && args->is_string()) {
            arguments[index] += args->get<std::string>();
          }
        }
      }
    }
    return false;
  }

  ChatResponse finish() {
    for (auto& [index, call] : calls) {
      set_arguments(call, arguments[index]);
      response.message.tool_calls.push_back(std::move(call));
    }
    return std::move(response);
  }
};

}  // namespace

OpenAiOptions OpenAiOptions::from_env() {
  OpenAiOptions options;
  options.api_key = detail::env_or_empty("OPENAI_API_KEY");
  if (auto base = detail::env_or_empty("OPENAI_BASE_URL"); !base.empty()) options.base_url = base;
  return options;
}

ChatResponse parse_openai_response(std::string_view body) {
  const Json j = detail::parse_json_body(body, std::string(api_name) + " reply");
  if (!j.is_object()) malformed("is not a JSON object", body);
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty()) malformed("has no choices", body);
  const Json& choice = (*choices)[0];
  auto message = choice.is_object() ? choice.find("message") : choice.end();
  if (!choice.is_object() || message == choice.end() || !message->is_object()) malformed("has no message in its first choice", body);
  ChatResponse out;
  out.id = string_or_empty(j, "id");
  out.model = string_or_empty(j, "model");
  out.finish_reason = string_or_empty(choice, "finish_reason");
  if (auto u = j.find("usage"); u != j.end()) out.usage = usage_from(*u);
  out.message.content = string_or_empty(*message, "content");
  if (auto tcs = message->find("tool_calls"); tcs != message->end() && tcs->is_array()) {
    for (const Json& tc : *tcs) {
      auto fn = tc.is_object() ? tc.find("function") : tc.end();
      if (!tc.is_object() || fn == tc.end() || !fn->is_object()) malformed("has a tool call without a function", body);
      ToolCall call;
      call.id = string_or_empty(tc, "id");
      call.name = string_or_empty(*fn, "name");
      if (call.name.empty()) malformed("has a tool call without a name", body);
      set_arguments(call, string_or_empty(*fn, "arguments"));
      out.message.tool_calls.push_back(std::move(call));
    }
  }
  return out;
}

struct OpenAiClient::Impl {
  OpenAiOptions options;
  detail::ModelTransport transport;

  Impl(OpenAiOptions o, net::Url base)
      : options(std::move(o)), transport(std::string(api_name), std::move(base), options.http, options.api_key) {}
};

namespace {

net::Url checked_base(const OpenAiOptions& options) {
  if (options.require_api_key && options.api_key.empty()) {
    throw LlmError(LlmErrorKind::authentication,
                   "no API key for the OpenAI API: set OPENAI_API_KEY (or OpenAiOptions::api_key), or use "
                   "openai-compatible:<url>#<model> for a server that needs none");
  }
  return detail::parse_base_url(options.base_url, "the OpenAI base URL (OPENAI_BASE_URL)");
}

}  // namespace

OpenAiClient::OpenAiClient(OpenAiOptions options) {
  net::Url base = checked_base(options);
  impl_ = std::make_shared<Impl>(std::move(options), std::move(base));
}

OpenAiClient::~OpenAiClient() = default;

std::string OpenAiClient::provider() const { return impl_->options.provider; }
std::string OpenAiClient::default_model() const { return impl_->options.model; }
std::optional<ServerAddress> OpenAiClient::server() const { return impl_->transport.server(); }

Json OpenAiClient::request_body(const ChatRequest& request, bool stream) const {
  Json body = Json::object();
  body["model"] = request.model.empty() ? impl_->options.model : request.model;
  Json messages = Json::array();
  for (const Message& m : request.messages) messages.push_back(message_json(m));
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    Json tools = Json::array();
    for (const ToolSchema& t : request.tools) {
      Json fn{{"name", t.name}, {"parameters", t.parameters.empty() ? Json{{"type", "object"}, {"properties", Json::object()}} : t.parameters}};
      if (!t.description.empty()) fn["description"] = t.description;
      tools.push_back(Json{{"type", "function"}, {"function", std::move(fn)}});
    }
    body["tools"] = std::move(tools);
  }
  if (!request.tool_choice.empty()) {
    if (request.tool_choice == "auto" || request.tool_choice == "none" || request.tool_choice == "required") {
      body["tool_choice"] = request.tool_choice;
    } else {
      body["tool_choice"] = Json{{"type", "function"}, {"function", {{"name", request.tool_choice}}}};
    }
  }
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (request.seed) body["seed"] = *request.seed;
  if (!request.response_format.is_null()) body["response_format"] = request.response_format;
  if (stream) {
    body["stream"] = true;
    body["stream_options"] = Json{{"include_usage", true}};
  }
  if (request.extra.is_object()) body.update(request.extra);
  return body;
}

asio::awaitable<ChatResponse> OpenAiClient::do_complete(const ChatRequest& request, CallOptions options) {
  auto impl = impl_;  // alive until the call ends
  const bool stream = impl->options.stream;
  net::Headers headers = impl->options.headers;
  if (!impl->options.api_key.empty()) headers.set("Authorization", "Bearer " + impl->options.api_key);
  std::string body = request_body(request, stream).dump(-1, ' ', false, Json::error_handler_t::replace);
  auto call = impl->transport.call<StreamState>("/chat/completions", std::move(headers), std::move(body), std::move(options),
                                                stream, parse_openai_response, error_message);
  co_return co_await std::move(call);
}

namespace detail {

ChatResponse openai_stream_reply(std::span<const net::SseEvent> events) {
  return assemble_stream_reply<StreamState>(api_name, events);
}

}  // namespace detail

}  // namespace agentrace::llm
