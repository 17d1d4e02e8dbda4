#include "agentrace/llm/anthropic.hpp"

#include <map>
#include <stdexcept>
#include <utility>

#include "agentrace/base/saturating.hpp"
#include "http_transport.hpp"
#include "token_count.hpp"
#include "stream_replies.hpp"

namespace agentrace::llm {

namespace {

constexpr std::string_view api_name = "Anthropic API";

std::string string_or_empty(const Json& j, const char* key) {
  if (auto it = j.find(key); it != j.end() && it->is_string()) return it->get<std::string>();
  return {};
}

std::int64_t integer_or_zero(const Json& j, const char* key) {
  if (auto it = j.find(key); it != j.end() && it->is_number_integer()) return it->get<std::int64_t>();
  return 0;
}

[[noreturn]] void malformed(const std::string& what, std::string_view body) {
  throw LlmError(LlmErrorKind::malformed_response, std::string(api_name) + " reply " + what + ": " + detail::excerpt(body));
}

std::string error_message(std::string_view body) {
  try {
    const Json j = Json::parse(body);
    if (j.is_object()) {
      if (auto e = j.find("error"); e != j.end() && e->is_object()) {
        std::string out = string_or_empty(*e, "message");
        if (auto type = string_or_empty(*e, "type"); !type.empty()) out = out.empty() ? type : type + ": " + out;
        return out;
      }
    }
  } catch (const Json::exception&) {
  }
  return {};
}

// The Messages API wants the tool's input as an object; arguments that were not valid JSON (the
// model's own mistake, already reported to it) are sent as an empty object.
Json tool_input(const ToolCall& call) { return call.arguments.is_object() ? call.arguments : Json::object(); }

// One message's content as blocks.
Json blocks_of(const Message& m) {
  Json blocks = Json::array();
  if (m.role == Role::tool) {
    blocks.push_back(Json{{"type", "tool_result"}, {"tool_use_id", m.tool_call_id}, {"content", m.content}});
    return blocks;
  }
  if (!m.content.empty()) blocks.push_back(Json{{"type", "text"}, {"text", m.content}});
  for (const ToolCall& c : m.tool_calls) {
    blocks.push_back(Json{{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", tool_input(c)}});
  }
  return blocks;
}

// Usage as this project counts it: input tokens include those read from and written to the cache
// (the API reports them apart), cached_input_tokens the ones read.
Usage usage_from(const Json& u, Usage usage = {}) {
  if (!u.is_object()) return usage;
  if (u.contains("input_tokens") || u.contains("cache_read_input_tokens") || u.contains("cache_creation_input_tokens")) {
    const std::int64_t cache_read = detail::token_count(u, "cache_read_input_tokens");
    usage.input_tokens = base::saturating_add(base::saturating_add(detail::token_count(u, "input_tokens"), cache_read),
                                              detail::token_count(u, "cache_creation_input_tokens"));
    usage.cached_input_tokens = cache_read;
  }
  if (u.contains("output_tokens")) usage.output_tokens = detail::token_count(u, "output_tokens");
  usage.total_tokens = base::saturating_add(usage.input_tokens, usage.output_tokens);
  return usage;
}

LlmErrorKind error_kind_of(std::string_view type) {
  if (type == "rate_limit_error") return LlmErrorKind::rate_limited;
  if (type == "authentication_error" || type == "permission_error") return LlmErrorKind::authentication;
  if (type == "invalid_request_error" || type == "not_found_error" || type == "request_too_large") {
    return LlmErrorKind::bad_request;
  }
  return LlmErrorKind::server;  // overloaded_error, api_error, and anything new
}

// Assembles a streamed reply from its events.
struct StreamState {
  ChatResponse response;
  std::map<std::int64_t, ToolCall> calls;  // tool_use blocks by index
  std::map<std::int64_t, std::string> partial_json;
  std::function<void(std::string_view)> on_text;
  std::size_t events = 0;

  static std::int64_t index_of(const Json& j) { return integer_or_zero(j, "index"); }

  bool on_event(const net::SseEvent& event) {
    ++events;
    Json j;
    try {
      j = Json::parse(event.data);
    } catch (const Json::exception& e) {
      throw LlmError(LlmErrorKind::malformed_response, std::string(api_name) + " stream event " + std::to_string(events) +
                                                           " (" + event.event + ") is not valid JSON (" + e.what() +
                                                           "): " + detail::excerpt(event.data));
    }
    if (!j.is_object()) malformed("stream event " + std::to_string(events) + " is not an object", event.data);
    // The type is in the data too; servers that omit the event: line still work.
    const std::string type = j.contains("type") ? string_or_empty(j, "type") : event.event;
    if (type == "message_start") {
      if (auto m = j.find("message"); m != j.end() && m->is_object()) {
        response.id = string_or_empty(*m, "id");
        response.model = string_or_empty(*m, "model");
        if (auto u = m->find("usage"); u != m->end()) response.usage = usage_from(*u, response.usage);
      }
    } else if (type == "content_block_start") {
      const auto block = j.find("content_block");
      if (block == j.end() || !block->is_object()) malformed("content_block_start without a content_block", event.data);
      const std::string kind = string_or_empty(*block, "type");
      if (kind == "text") {
        const std::string text = string_or_empty(*block, "text");
        if (!text.empty()) {
          response.message.content += text;
          if (on_text) on_text(text);
        }
      } else if (kind == "tool_use") {
        ToolCall& call = calls[index_of(j)];
        call.id = string_or_empty(*block, "id");
        call.name = string_or_empty(*block, "name");
      }
    } else if (type == "content_block_delta") {
      const auto delta = j.find("delta");
      if (delta == j.end() || !delta->is_object()) malformed("content_block_delta without a delta", event.data);
      const std::string kind = string_or_empty(*delta, "type");
      if (kind == "text_delta") {
        const std::string text = string_or_empty(*delta, "text");
        response.message.content += text;
        if (on_text && !text.empty()) on_text(text);
      } else if (kind == "input_json_delta") {
        partial_json[index_of(j)] += string_or_empty(*delta, "partial_json");
      }
    } else if (type == "message_delta") {
      if (auto d = j.find("delta"); d != j.end() && d->is_object()) {
        if (auto reason = string_or_empty(*d, "stop_reason"); !reason.empty()) response.finish_reason = reason;
      }
      if (auto u = j.find("usage"); u != j.end()) response.usage = usage_from(*u, response.usage);
    } else if (type == "message_stop") {
      return true;
    } else if (type == "error") {
      std::string message = error_message(event.data);
      std::string kind;
      if (auto e = j.find("error"); e != j.end() && e->is_object()) kind = string_or_empty(*e, "type");
      throw LlmError(error_kind_of(kind), std::string(api_name) + " stream reported an error: " +
                                              (message.empty() ? detail::excerpt(event.data) : message));
    }
    // ping, content_block_stop and unknown events carry nothing we keep.
    return false;
  }

  ChatResponse finish() {
    for (auto& [index, call] : calls) {
      const std::string& text = partial_json[index];
      if (text.empty()) {
        call.arguments = Json::object();  // a tool without parameters streams no input
      } else {
        set_arguments_from_text(call, text);
      }
      response.message.tool_calls.push_back(std::move(call));
    }
    return std::move(response);
  }
};

net::Url checked_base(const AnthropicOptions& options) {
  if (options.require_api_key && options.api_key.empty()) {
    throw LlmError(LlmErrorKind::authentication,
                   "no API key for the Anthropic API: set ANTHROPIC_API_KEY (or AnthropicOptions::api_key), or use "
                   "anthropic-compatible:<url>#<model> for a server that needs none");
  }
  return detail::parse_base_url(options.base_url, "the Anthropic base URL (ANTHROPIC_BASE_URL)");
}

}  // namespace

AnthropicOptions AnthropicOptions::from_env() {
  AnthropicOptions options;
  options.api_key = detail::env_or_empty("ANTHROPIC_API_KEY");
  if (auto base = detail::env_or_empty("ANTHROPIC_BASE_URL"); !base.empty()) options.base_url = base;
  return options;
}

ChatResponse parse_anthropic_response(std::string_view body) {
  const Json j = detail::parse_json_body(body, std::string(api_name) + " reply");
  if (!j.is_object()) malformed("is not a JSON object", body);
  auto content = j.find("content");
  if (content == j.end() || !content->is_array()) malformed("has no content array", body);
  ChatResponse out;
  out.id = string_or_empty(j, "id");
  out.model = string_or_empty(j, "model");
  out.finish_reason = string_or_empty(j, "stop_reason");
  if (auto u = j.find("usage"); u != j.end()) out.usage = usage_from(*u);
  for (const Json& block : *content) {
    if (!block.is_object()) malformed("has a content block that is not an object", body);
    const std::string type = string_or_empty(block, "type");
    if (type == "text") {
      out.message.content += string_or_empty(block, "text");
    } else if (type == "tool_use") {
      ToolCall call;
      call.id = string_or_empty(block, "id");
      call.name = string_or_empty(block, "name");
      if (call.name.empty()) malformed("has a tool_use block without a name", body);
      auto input = block.find("input");
      if (input == block.end() || input->is_null()) {
        call.arguments = Json::object();
      } else {
        set_arguments_from_value(call, *input);
      }
      out.message.tool_calls.push_back(std::move(call));
    }
    // thinking and other block types are not part of the answer.
  }
  return out;
}

struct AnthropicClient::Impl {
  AnthropicOptions options;
  detail::ModelTransport transport;

  Impl(AnthropicOptions o, net::Url base)
      : options(std::move(o)), transport(std::string(api_name), std::move(base), options.http, options.api_key) {}
};

AnthropicClient::AnthropicClient(AnthropicOptions options) {
  net::Url base = checked_base(options);
  impl_ = std::make_shared<Impl>(std::move(options), std::move(base));
}

AnthropicClient::~AnthropicClient() = default;

std::string AnthropicClient::provider() const { return impl_->options.provider; }
std::string AnthropicClient::default_model() const { return impl_->options.model; }
std::optional<ServerAddress> AnthropicClient::server() const { return impl_->transport.server(); }

Json AnthropicClient::request_body(const ChatRequest& request, bool stream) const {
  Json body = Json::object();
  body["model"] = request.model.empty() ? impl_->options.model : request.model;
  body["max_tokens"] = request.max_tokens ? *request.max_tokens : impl_->options.default_max_tokens;
  std::string system;
  Json messages = Json::array();
  for (const Message& m : request.messages) {
    if (m.role == Role::system) {
      if (!system.empty()) system += "\n\n";
      system += m.content;
      continue;
    }
    // Tool results travel in user messages; consecutive messages of one role merge into one,
    // as the API requires roles to alternate (several tool results answer one turn together).
    const std::string role = m.role == Role::assistant ? "assistant" : "user";
    Json blocks = blocks_of(m);
    if (!messages.empty() && messages.back()["role"] == role) {
      Json& last = messages.back()["content"];
      if (last.is_string()) last = Json::array({Json{{"type", "text"}, {"text", last.get<std::string>()}}});
      for (auto& b : blocks) last.push_back(std::move(b));
      continue;
    }
    // Plain text stays a string, the API's simplest form.
    const bool plain = m.role != Role::tool && m.tool_calls.empty();
    messages.push_back(Json{{"role", role}, {"content", plain ? Json(m.content) : std::move(blocks)}});
  }
  if (!system.empty()) body["system"] = system;
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    Json tools = Json::array();
    for (const ToolSchema& t : request.tools) {
      Json tool{{"name", t.name},
                {"input_schema", t.parameters.empty() ? Json{{"type", "object"}, {"properties", Json::object()}} : t.parameters}};
      if (!t.description.empty()) tool["description"] = t.description;
      tools.push_back(std::move(tool));
    }
    body["tools"] = std::move(tools);
  }
  if (!request.tool_choice.empty()) {
    if (request.tool_choice == "auto" || request.tool_choice == "none") {
      body["tool_choice"] = Json{{"type", request.tool_choice}};
    } else if (request.tool_choice == "required") {
      body["tool_choice"] = Json{{"type", "any"}};
    } else {
      body["tool_choice"] = Json{{"type", "tool"}, {"name", request.tool_choice}};
    }
  }
  if (request.temperature) body["temperature"] = *request.temperature;
  if (!request.stop.empty()) body["stop_sequences"] = request.stop;
  if (stream) body["stream"] = true;
  if (request.extra.is_object()) body.update(request.extra);
  return body;
}

asio::awaitable<ChatResponse> AnthropicClient::do_complete(const ChatRequest& request, CallOptions options) {
  auto impl = impl_;
  const bool stream = impl->options.stream;
  net::Headers headers = impl->options.headers;
  if (!impl->options.api_key.empty()) headers.set("x-api-key", impl->options.api_key);
  headers.set("anthropic-version", impl->options.version);
  std::string body = request_body(request, stream).dump(-1, ' ', false, Json::error_handler_t::replace);
  auto call = impl->transport.call<StreamState>("/v1/messages", std::move(headers), std::move(body), std::move(options),
                                                stream, parse_anthropic_response, error_message);
  co_return co_await std::move(call);
}

namespace detail {

ChatResponse anthropic_stream_reply(std::span<const net::SseEvent> events) {
  return assemble_stream_reply<StreamState>(api_name, events);
}

}  // namespace detail

}  // namespace agentrace::llm
