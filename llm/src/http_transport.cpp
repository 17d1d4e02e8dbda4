#include "http_transport.hpp"

#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <utility>

#include "agentrace/net/headers.hpp"
#include "agentrace/tracing/propagation.hpp"

namespace agentrace::llm::detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool has_media_type(std::string_view content_type, std::string_view type) {
  return lower(content_type).find(type) != std::string::npos;
}

// What a transport failure becomes. `events` counts the stream's events already handled: a
// connection lost after some of them is a truncated reply, not a failed connection.
LlmError transport_error(std::string_view api, const net::HttpError& e, std::size_t events) {
  const std::string prefix = std::string(api) + " request failed: ";
  switch (e.kind()) {
    case net::HttpErrorKind::timeout:
      return LlmError(LlmErrorKind::timeout, prefix + e.what());
    case net::HttpErrorKind::connection_closed:
      if (events > 0) {
        return LlmError(LlmErrorKind::malformed_response,
                        std::string(api) + " stream was cut off after " + std::to_string(events) +
                            " event(s), before its end: the reply is incomplete (" + e.what() + ")");
      }
      return LlmError(LlmErrorKind::transport, prefix + e.what());
    case net::HttpErrorKind::body_too_large:
    case net::HttpErrorKind::protocol:
      return LlmError(LlmErrorKind::malformed_response, prefix + e.what());
    default:
      return LlmError(LlmErrorKind::transport, prefix + e.what());
  }
}

}  // namespace

std::string excerpt(std::string_view body) {
  std::string out;
  const std::size_t n = std::min(body.size(), excerpt_bytes);
  out.reserve(n + 32);
  for (std::size_t i = 0; i < n; ++i) {
    const char c = body[i];
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  if (body.empty()) return "(empty body)";
  if (body.size() > n) out += "... (" + std::to_string(body.size()) + " bytes)";
  return out;
}

net::Url parse_base_url(std::string_view text, std::string_view option) {
  try {
    net::Url url = net::parse_url(text);
    // Keep the path (".../v1"), minus a trailing '/', and any query (Azure's ?api-version=).
    std::string path = url.target;
    std::string query;
    if (auto q = path.find('?'); q != std::string::npos) {
      query = path.substr(q);
      path.erase(q);
    }
    while (!path.empty() && path.back() == '/') path.pop_back();
    url.target = path + query;
    return url;
  } catch (const net::UrlError& e) {
    throw std::invalid_argument(std::string(option) + " is not a usable URL: " + e.what());
  }
}

Json parse_json_body(std::string_view body, std::string_view what) {
  try {
    return Json::parse(body);
  } catch (const Json::exception& e) {
    throw LlmError(LlmErrorKind::malformed_response,
                   std::string(what) + " is not valid JSON (" + e.what() + "): " + excerpt(body));
  }
}

LlmError status_error(std::string_view api, const net::HttpResponse& response, std::string_view provider_message) {
  const unsigned status = response.status;
  std::string message = std::string(api) + " answered HTTP " + std::to_string(status);
  if (!response.reason.empty()) message += " " + response.reason;
  message += ": ";
  message += provider_message.empty() ? excerpt(response.body) : std::string(provider_message);
  std::optional<std::chrono::milliseconds> retry_after;
  if (auto value = response.headers.find("Retry-After")) retry_after = net::parse_retry_after(*value);
  LlmErrorKind kind = LlmErrorKind::bad_request;
  if (status == 429) {
    kind = LlmErrorKind::rate_limited;
  } else if (status == 408) {
    kind = LlmErrorKind::timeout;
  } else if (status >= 500) {
    kind = LlmErrorKind::server;
  } else if (status == 401 || status == 403) {
    kind = LlmErrorKind::authentication;
  } else if (status < 400) {  // 1xx or 3xx: the API never answers so (redirects are not followed)
    kind = LlmErrorKind::malformed_response;
  }
  if (kind != LlmErrorKind::rate_limited && kind != LlmErrorKind::server) retry_after.reset();
  return LlmError(kind, message, static_cast<int>(status), retry_after);
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

ModelTransport::ModelTransport(std::string api, net::Url base, net::ClientOptions http, std::string secret)
    : api_(std::move(api)), base_(std::move(base)), secret_(std::move(secret)), work_(asio::make_work_guard(io_)) {
  client_ = std::make_unique<net::HttpClient>(io_.get_executor(), std::move(http));
  thread_ = std::thread([this] { io_.run(); });
}

ModelTransport::~ModelTransport() {
  // Requests still in flight are the caller's bug (the client must outlive its calls). Pooled
  // idle connections keep operations pending, so the context is stopped rather than drained; the
  // HTTP client then closes its sockets here, after the thread has joined.
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  client_.reset();
}

std::string ModelTransport::redact(std::string text) const {
  if (secret_.size() < 4) return text;
  for (auto pos = text.find(secret_); pos != std::string::npos; pos = text.find(secret_, pos)) {
    text.replace(pos, secret_.size(), "<redacted>");
    pos += 10;
  }
  return text;
}

asio::awaitable<std::string> ModelTransport::post_json(std::string path, net::Headers headers, std::string body,
                                                       const CallOptions& call, std::shared_ptr<StreamSink> sink,
                                                       std::function<std::string(std::string_view)> provider_message) {
  net::HttpRequest request;
  request.method = "POST";
  std::string target = base_.target == "/" ? std::string() : base_.target;
  std::string query;
  if (auto q = target.find('?'); q != std::string::npos) {
    query = target.substr(q);
    target.erase(q);
  }
  request.url = base_.origin() + target + path + query;
  request.headers = std::move(headers);
  request.headers.set("Content-Type", "application/json");
  request.headers.set("Accept", sink ? "text/event-stream" : "application/json");
  if (call.parent.valid()) {
    request.headers.set("traceparent", tracing::format_traceparent(call.parent));
    if (!call.parent.trace_state.empty()) request.headers.set("tracestate", call.parent.trace_state);
  }
  if (call.baggage && !call.baggage->empty()) request.headers.set("baggage", call.baggage->format());
  request.body = std::move(body);
  auto operation = exchange(std::move(request), std::move(sink), std::move(provider_message));
  auto executor = io_.get_executor();
  co_return co_await asio::co_spawn(executor, std::move(operation), asio::use_awaitable);
}

asio::awaitable<std::string> ModelTransport::exchange(net::HttpRequest request, std::shared_ptr<StreamSink> sink,
                                                      std::function<std::string(std::string_view)> provider_message) {
  struct State {
    bool ok = false;
    bool streaming = false;  // a 2xx event stream, going to the sink
    std::string content_type;
    std::string raw;  // the body, when it is not streamed to the sink
    net::SseParser parser;
    std::size_t events = 0;
    bool done = false;
  };
  auto state = std::make_shared<State>();
  net::RequestOptions options;
  options.on_headers = [state, streamed = sink != nullptr](const net::HttpResponse& r) {
    state->ok = r.ok();
    state->content_type = std::string(r.headers.value("Content-Type"));
    state->streaming = streamed && r.ok() && has_media_type(state->content_type, "text/event-stream");
  };
  if (sink) {
    options.on_body_chunk = [state, sink](std::string_view bytes) {
      if (!state->streaming) {
        state->raw.append(bytes);
        return;
      }
      for (const net::SseEvent& event : state->parser.feed(bytes)) {
        if (state->done) continue;  // anything after the final event is ignored
        ++state->events;
        if (sink->on_event(event)) state->done = true;
      }
    };
  }

  net::HttpResponse response;
  try {
    response = co_await client_->send(std::move(request), std::move(options));
  } catch (const LlmError& e) {  // thrown by the sink: an error event, a chunk that does not parse
    throw LlmError(e.kind(), redact(e.what()), e.http_status(), e.retry_after());
  } catch (const net::HttpError& e) {
    const LlmError mapped = transport_error(api_, e, state->events);
    throw LlmError(mapped.kind(), redact(mapped.what()), mapped.http_status(), mapped.retry_after());
  }
  if (sink) response.body = std::move(state->raw);
  if (!response.ok()) {
    const std::string explained = provider_message ? provider_message(response.body) : std::string();
    const LlmError e = status_error(api_, response, explained);
    throw LlmError(e.kind(), redact(e.what()), e.http_status(), e.retry_after());
  }
  if (sink) {
    if (!state->streaming) {
      throw LlmError(LlmErrorKind::malformed_response,
                     redact(api_ + " answered a streamed request with " +
                            (state->content_type.empty() ? std::string("no content type") : state->content_type) +
                            " instead of text/event-stream: " + excerpt(response.body)));
    }
    state->parser.finish();
    if (!state->done) {
      throw LlmError(LlmErrorKind::malformed_response,
                     api_ + " stream ended after " + std::to_string(state->events) +
                         " event(s) without its final event: the reply is incomplete");
    }
    co_return std::string();
  }
  if (!state->content_type.empty() && !has_media_type(state->content_type, "json")) {
    throw LlmError(LlmErrorKind::malformed_response,
                   redact(api_ + " answered with " + state->content_type + " instead of application/json: " +
                          excerpt(response.body)));
  }
  co_return std::move(response.body);
}

}  // namespace agentrace::llm::detail
