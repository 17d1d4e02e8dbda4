#include "support/fake_llm_server.hpp"

#include <algorithm>
#include <utility>

namespace agentrace::testing {

using Json = nlohmann::json;

namespace {

constexpr std::int64_t created_at = 1'700'000'000;  // a fixed "created" timestamp

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

// The text a reply carries, whether given whole or as deltas.
std::string text_of(const FakeReply& r) { return r.text.empty() ? joined(r.text_deltas) : r.text; }

std::vector<std::string> deltas_of(const FakeReply& r) {
  if (!r.text_deltas.empty()) return r.text_deltas;
  if (r.text.empty()) return {};
  return {r.text};
}

std::vector<std::string> fragments_of(const FakeToolCall& c) {
  if (!c.fragments.empty()) return c.fragments;
  return {c.arguments};
}

std::string finish_reason_of(FakeApi api, const FakeReply& r) {
  if (!r.finish_reason.empty()) return r.finish_reason;
  if (api == FakeApi::openai) return r.tool_calls.empty() ? "stop" : "tool_calls";
  return r.tool_calls.empty() ? "end_turn" : "tool_use";
}

// The key the request carried: Authorization: Bearer (OpenAI) or x-api-key (Anthropic).
std::string api_key_of(const ServerRequest& request) {
  if (auto key = request.header("x-api-key"); !key.empty()) return std::string(key);
  std::string_view auth = request.header("authorization");
  if (auth.substr(0, 7) == "Bearer ") auth.remove_prefix(7);
  return std::string(auth);
}

std::string default_error_type(FakeApi api, unsigned status) {
  if (api == FakeApi::openai) {
    switch (status) {
      case 401: return "invalid_request_error";
      case 403: return "permission_error";
      case 404: return "invalid_request_error";
      case 429: return "requests";
      default: return status >= 500 ? "server_error" : "invalid_request_error";
    }
  }
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string openai_error_code(unsigned status) {
  switch (status) {
    case 401: return "invalid_api_key";
    case 404: return "model_not_found";
    case 429: return "rate_limit_exceeded";
    default: return "";
  }
}

Json error_json(FakeApi api, unsigned status, std::string_view message, std::string_view error_type) {
  const std::string type = error_type.empty() ? default_error_type(api, status) : std::string(error_type);
  if (api == FakeApi::openai) {
    const std::string code = openai_error_code(status);
    return {{"error",
             {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code.empty() ? Json(nullptr) : Json(code)}}}};
  }
  return {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}, {"request_id", "req_fake"}};
}

// One Server-Sent Event as a body piece.
BodyPiece sse(std::string_view event, const Json& data, std::chrono::milliseconds delay) {
  std::string out;
  if (!event.empty()) out += "event: " + std::string(event) + "\n";
  out += "data: " + data.dump() + "\n\n";
  return {std::move(out), delay};
}

// ---- OpenAI -------------------------------------------------------------------------------------

Json openai_usage(const FakeUsage& u) {
  return {{"prompt_tokens", u.input_tokens},
          {"completion_tokens", u.output_tokens},
          {"total_tokens", u.input_tokens + u.output_tokens},
          {"prompt_tokens_details", {{"cached_tokens", u.cached_input_tokens}, {"audio_tokens", 0}}},
          {"completion_tokens_details", {{"reasoning_tokens", 0}, {"audio_tokens", 0}}}};
}

Json openai_body(const FakeReply& r, const std::string& id, const std::string& model) {
  const std::string text = text_of(r);
  Json message = {{"role", "assistant"},
                  {"content", text.empty() && !r.tool_calls.empty() ? Json(nullptr) : Json(text)},
                  {"refusal", nullptr}};
  if (!r.tool_calls.empty()) {
    Json calls = Json::array();
    for (const auto& c : r.tool_calls) {
      calls.push_back({{"id", c.id}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  return {{"id", id},
          {"object", "chat.completion"},
          {"created", created_at},
          {"model", model},
          {"system_fingerprint", "fp_fake"},
          {"choices",
           Json::array({{{"index", 0},
                         {"message", std::move(message)},
                         {"logprobs", nullptr},
                         {"finish_reason", finish_reason_of(FakeApi::openai, r)}}})},
          {"usage", openai_usage(r.usage)}};
}

std::vector<BodyPiece> openai_events(const FakeReply& r, const std::string& id, const std::string& model,
                                     bool include_usage) {
  std::vector<BodyPiece> out;
  auto chunk = [&](Json choices, Json usage = nullptr) {
    Json c = {{"id", id},
              {"object", "chat.completion.chunk"},
              {"created", created_at},
              {"model", model},
              {"system_fingerprint", "fp_fake"},
              {"choices", std::move(choices)}};
    if (include_usage) c["usage"] = std::move(usage);
    out.push_back(sse({}, c, out.empty() ? std::chrono::milliseconds(0) : r.event_delay));
  };
  auto delta = [&](Json d, Json finish = nullptr) {
    chunk(Json::array({{{"index", 0}, {"delta", std::move(d)}, {"logprobs", nullptr}, {"finish_reason", std::move(finish)}}}));
  };

  const auto deltas = deltas_of(r);
  delta({{"role", "assistant"}, {"content", deltas.empty() && !r.tool_calls.empty() ? Json(nullptr) : Json("")},
         {"refusal", nullptr}});
  for (const auto& d : deltas) delta({{"content", d}});

  // Each call's events: the first names it (id, type, name), the others carry argument fragments.
  std::vector<std::vector<Json>> per_call;
  for (std::size_t i = 0; i < r.tool_calls.size(); ++i) {
    const auto& c = r.tool_calls[i];
    std::vector<Json> events;
    events.push_back({{"index", i}, {"id", c.id}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", ""}}}});
    for (const auto& f : fragments_of(c)) events.push_back({{"index", i}, {"function", {{"arguments", f}}}});
    per_call.push_back(std::move(events));
  }
  if (r.interleave_tool_calls) {
    for (std::size_t k = 0;; ++k) {
      bool any = false;
      for (const auto& events : per_call) {
        if (k < events.size()) {
          delta({{"tool_calls", Json::array({events[k]})}});
          any = true;
        }
      }
      if (!any) break;
    }
  } else {
    for (const auto& events : per_call) {
      for (const auto& e : events) delta({{"tool_calls", Json::array({e})}});
    }
  }
  delta(Json::object(), finish_reason_of(FakeApi::openai, r));
  if (include_usage) chunk(Json::array(), openai_usage(r.usage));
  out.push_back({"data: [DONE]\n\n", r.event_delay});
  return out;
}

// ---- Anthropic ----------------------------------------------------------------------------------

Json anthropic_usage(const FakeUsage& u, std::int64_t output_tokens) {
  return {{"input_tokens", u.input_tokens - u.cached_input_tokens},
          {"cache_creation_input_tokens", 0},
          {"cache_read_input_tokens", u.cached_input_tokens},
          {"output_tokens", output_tokens}};
}

// Tool input as a JSON value: the parsed arguments ({} when empty), or the text itself when it is
// not JSON.
Json anthropic_input(const FakeToolCall& c) {
  if (c.arguments.empty()) return Json::object();  // a tool without parameters
  Json parsed = Json::parse(c.arguments, nullptr, false);
  return parsed.is_discarded() ? Json(c.arguments) : parsed;
}

Json anthropic_body(const FakeReply& r, const std::string& id, const std::string& model) {
  Json content = Json::array();
  if (const std::string text = text_of(r); !text.empty()) content.push_back({{"type", "text"}, {"text", text}});
  for (const auto& c : r.tool_calls) {
    content.push_back({{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", anthropic_input(c)}});
  }
  return {{"id", id},
          {"type", "message"},
          {"role", "assistant"},
          {"model", model},
          {"content", std::move(content)},
          {"stop_reason", finish_reason_of(FakeApi::anthropic, r)},
          {"stop_sequence", nullptr},
          {"usage", anthropic_usage(r.usage, r.usage.output_tokens)}};
}

std::vector<BodyPiece> anthropic_events(const FakeReply& r, const std::string& id, const std::string& model) {
  std::vector<BodyPiece> out;
  auto event = [&](std::string_view type, Json data) {
    data["type"] = type;
    out.push_back(sse(type, data, out.empty() ? std::chrono::milliseconds(0) : r.event_delay));
  };
  event("message_start", {{"message",
                           {{"id", id},
                            {"type", "message"},
                            {"role", "assistant"},
                            {"model", model},
                            {"content", Json::array()},
                            {"stop_reason", nullptr},
                            {"stop_sequence", nullptr},
                            {"usage", anthropic_usage(r.usage, 1)}}}});
  event("ping", Json::object());
  int index = 0;
  if (const auto deltas = deltas_of(r); !deltas.empty()) {
    event("content_block_start", {{"index", index}, {"content_block", {{"type", "text"}, {"text", ""}}}});
    for (const auto& d : deltas) {
      event("content_block_delta", {{"index", index}, {"delta", {{"type", "text_delta"}, {"text", d}}}});
    }
    event("content_block_stop", {{"index", index}});
    ++index;
  }
  for (const auto& c : r.tool_calls) {
    event("content_block_start",
          {{"index", index}, {"content_block", {{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", Json::object()}}}});
    for (const auto& f : fragments_of(c)) {
      event("content_block_delta", {{"index", index}, {"delta", {{"type", "input_json_delta"}, {"partial_json", f}}}});
    }
    event("content_block_stop", {{"index", index}});
    ++index;
  }
  event("message_delta", {{"delta", {{"stop_reason", finish_reason_of(FakeApi::anthropic, r)}, {"stop_sequence", nullptr}}},
                          {"usage", {{"output_tokens", r.usage.output_tokens}}}});
  event("message_stop", Json::object());
  return out;
}

ServerResponse json_response(unsigned status, const Json& body) {
  return ServerResponse::text(body.dump(), status, "application/json");
}

}  // namespace

// ---- FakeEntry ----------------------------------------------------------------------------------

FakeEntry FakeEntry::make_reply(FakeReply reply) {
  FakeEntry e;
  e.reply = std::move(reply);
  return e;
}

FakeEntry FakeEntry::error(unsigned status, std::string message, std::optional<std::string> retry_after,
                           std::string error_type) {
  FakeEntry e;
  e.kind = Kind::error;
  e.status = status;
  e.message = std::move(message);
  e.retry_after = std::move(retry_after);
  e.error_type = std::move(error_type);
  return e;
}

FakeEntry FakeEntry::slow(FakeReply reply, std::chrono::milliseconds delay) {
  FakeEntry e = make_reply(std::move(reply));
  e.header_delay = delay;
  return e;
}

FakeEntry FakeEntry::cut_stream(FakeReply reply, std::size_t events) {
  FakeEntry e = make_reply(std::move(reply));
  e.kind = Kind::cut_stream;
  e.events = events;
  return e;
}

FakeEntry FakeEntry::cut_mid_event(FakeReply reply, std::size_t events) {
  FakeEntry e = cut_stream(std::move(reply), events);
  e.mid_event = true;
  return e;
}

FakeEntry FakeEntry::short_stream(FakeReply reply, std::size_t events) {
  FakeEntry e = make_reply(std::move(reply));
  e.kind = Kind::short_stream;
  e.events = events;
  return e;
}

FakeEntry FakeEntry::stream_error(FakeReply reply, std::size_t events, std::string message, std::string error_type) {
  FakeEntry e = make_reply(std::move(reply));
  e.kind = Kind::stream_error;
  e.events = events;
  e.status = 500;
  e.message = std::move(message);
  e.error_type = std::move(error_type);
  return e;
}

FakeEntry FakeEntry::invalid_json(std::string body) {
  FakeEntry e;
  e.kind = Kind::invalid_json;
  e.body = std::move(body);
  return e;
}

FakeEntry FakeEntry::wrong_content_type(std::string body, std::string content_type) {
  FakeEntry e;
  e.kind = Kind::wrong_content_type;
  e.body = std::move(body);
  e.content_type = std::move(content_type);
  return e;
}

FakeEntry FakeEntry::drop() {
  FakeEntry e;
  e.kind = Kind::drop;
  return e;
}

bool FakeRequest::stream() const {
  return json.is_object() && json.contains("stream") && json["stream"].is_boolean() && json["stream"].get<bool>();
}

// ---- FakeLlmServer ------------------------------------------------------------------------------

FakeLlmServer::FakeLlmServer(FakeApi api, std::vector<FakeEntry> script, ServerOptions options)
    : api_(api), script_(std::move(script)) {
  http_ = std::make_unique<LoopbackHttpServer>([this](const ServerRequest& r) { return answer(r); }, std::move(options));
}

FakeLlmServer::~FakeLlmServer() { http_.reset(); }  // stops the handler before the script goes

void FakeLlmServer::set_responder(std::function<FakeEntry(const FakeRequest&)> responder) {
  std::lock_guard lock(mutex_);
  responder_ = std::move(responder);
}

void FakeLlmServer::push(FakeEntry entry) {
  std::lock_guard lock(mutex_);
  script_.push_back(std::move(entry));
}

std::size_t FakeLlmServer::remaining() const {
  std::lock_guard lock(mutex_);
  return script_.size() - next_;
}

std::string FakeLlmServer::base_url() const { return http_->url(api_ == FakeApi::openai ? "/v1" : ""); }

std::vector<FakeRequest> FakeLlmServer::requests() const {
  std::vector<FakeRequest> out;
  for (auto& r : http_->requests()) {
    FakeRequest f;
    static_cast<ServerRequest&>(f) = std::move(r);
    f.json = Json::parse(f.body, nullptr, false);
    if (f.json.is_discarded()) f.json = nullptr;
    out.push_back(std::move(f));
  }
  return out;
}

std::string FakeLlmServer::error_body(FakeApi api, unsigned status, std::string_view message, std::string_view error_type) {
  return error_json(api, status, message, error_type).dump();
}

ServerResponse FakeLlmServer::answer(const ServerRequest& request) {
  const std::string_view path = api_ == FakeApi::openai ? "/v1/chat/completions" : "/v1/messages";
  if (request.method != "POST" || request.target != path) {
    return json_response(404, error_json(api_, 404,
                                         "fake LLM server: no route for " + request.method + " " + request.target +
                                             " (expected POST " + std::string(path) + ")",
                                         {}));
  }

  FakeEntry entry;
  std::size_t number = 0;
  Json body;
  std::function<FakeEntry(const FakeRequest&)> responder;
  {
    std::lock_guard lock(mutex_);
    number = ++served_;
    responder = responder_;
  }
  if (responder) {
    FakeRequest fake;
    static_cast<ServerRequest&>(fake) = request;
    fake.json = Json::parse(fake.body, nullptr, false);
    if (fake.json.is_discarded()) fake.json = nullptr;
    entry = responder(fake);
    body = std::move(fake.json);
  } else {
    std::lock_guard lock(mutex_);
    if (next_ >= script_.size()) {
      return json_response(500, error_json(api_, 500,
                                           "fake LLM server: the script ran out (request " + std::to_string(number) +
                                               " has no scripted entry)",
                                           {}));
    }
    entry = script_[next_++];
    body = Json::parse(request.body, nullptr, false);
  }

  const bool stream = body.is_object() && body.value("stream", false);
  const bool include_usage = body.is_object() && body.contains("stream_options") && body["stream_options"].is_object() &&
                             body["stream_options"].value("include_usage", false);
  const std::string request_model = body.is_object() && body.contains("model") && body["model"].is_string()
                                        ? body["model"].get<std::string>()
                                        : std::string();
  const std::string key = api_key_of(request);
  auto with_key = [&](const std::string& text) { return key.empty() ? text : replace_all(text, "{api_key}", key); };

  const FakeReply& reply = entry.reply;
  const std::string id = !reply.id.empty() ? reply.id
                         : api_ == FakeApi::openai ? "chatcmpl-fake-" + std::to_string(number)
                                                   : "msg_fake_" + std::to_string(number);
  const std::string model = reply.model.empty() ? request_model : reply.model;
  auto events = [&] {
    return api_ == FakeApi::openai ? openai_events(reply, id, model, include_usage) : anthropic_events(reply, id, model);
  };
  auto plain = [&] {
    return json_response(200, api_ == FakeApi::openai ? openai_body(reply, id, model) : anthropic_body(reply, id, model));
  };

  ServerResponse response;
  switch (entry.kind) {
    case FakeEntry::Kind::reply:
      response = stream ? ServerResponse::event_stream(events()) : plain();
      break;
    case FakeEntry::Kind::error:
      response = json_response(entry.status, error_json(api_, entry.status, with_key(entry.message), entry.error_type));
      if (entry.retry_after) response.headers.emplace_back("Retry-After", *entry.retry_after);
      break;
    case FakeEntry::Kind::cut_stream:
      if (stream) {
        auto pieces = events();
        if (entry.events == 0) {
          // The header, then the connection closes before any event.
          pieces.resize(1);
          response = ServerResponse::event_stream(std::move(pieces));
          response.close_after_body_bytes = 0;
        } else {
          // Never the whole stream: at most all but the last event, which a mid-event cut halves.
          const std::size_t whole = std::min(entry.events, pieces.size() - 1);
          const bool halve = entry.mid_event && whole + 1 < pieces.size();
          pieces.resize(whole + (halve ? 1 : 0));
          std::size_t bytes = 0;
          for (const auto& p : pieces) bytes += p.data.size();
          if (halve) bytes -= pieces.back().data.size() - pieces.back().data.size() / 2;
          response = ServerResponse::event_stream(std::move(pieces));
          response.close_after_body_bytes = bytes;  // no last chunk: the body ends unfinished
        }
      } else {
        response = plain();
        response.close_after_body_bytes = response.body.size() / 2;
      }
      break;
    case FakeEntry::Kind::short_stream: {
      auto pieces = events();
      pieces.resize(std::max<std::size_t>(1, std::min(entry.events, pieces.size() - 1)));
      response = ServerResponse::event_stream(std::move(pieces));
      break;
    }
    case FakeEntry::Kind::stream_error: {
      auto pieces = events();
      pieces.resize(std::min(entry.events, pieces.size()));
      const Json error = error_json(api_, entry.status, with_key(entry.message), entry.error_type);
      if (api_ == FakeApi::openai) {
        pieces.push_back(sse({}, error, reply.event_delay));
      } else {
        pieces.push_back(sse("error", error, reply.event_delay));
      }
      response = ServerResponse::event_stream(std::move(pieces));
      break;
    }
    case FakeEntry::Kind::invalid_json:
      response = ServerResponse::text(with_key(entry.body), 200, "application/json");
      break;
    case FakeEntry::Kind::wrong_content_type:
      response = ServerResponse::text(with_key(entry.body), 200, entry.content_type);
      break;
    case FakeEntry::Kind::drop:
      response.drop = true;
      break;
  }
  response.header_delay = entry.header_delay;
  return response;
}

}  // namespace agentrace::testing
