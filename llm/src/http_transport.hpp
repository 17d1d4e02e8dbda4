// What the HTTP model clients (OpenAI, Anthropic) share: an I/O thread with a pooled HTTP client,
// the mapping of transport failures and HTTP statuses to LlmError, the trace context headers, and
// the redaction of the API key from anything shown. Internal to llm/.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "agentrace/llm/client.hpp"
#include "agentrace/net/http_client.hpp"
#include "agentrace/net/sse.hpp"
#include "agentrace/net/url.hpp"

namespace agentrace::llm::detail {

// At most this much of a body goes into an error message.
inline constexpr std::size_t excerpt_bytes = 300;

// `body` cut to excerpt_bytes with a marker, control characters shown as spaces.
std::string excerpt(std::string_view body);

// Parses the base URL of a model API: http(s) only, with the path kept (e.g. ".../v1"), without
// a trailing '/'. Throws std::invalid_argument naming the option.
net::Url parse_base_url(std::string_view text, std::string_view option);

// Reads the body of a JSON response; throws LlmError(malformed_response) with an excerpt.
Json parse_json_body(std::string_view body, std::string_view what);

// The LlmError for an HTTP status that is not 2xx: 429 rate_limited, 408 timeout, 5xx server,
// 401/403 authentication, any other 4xx bad_request; Retry-After honoured on 429 and 5xx.
// `provider_message` is the provider's own explanation (from its error body) when found.
LlmError status_error(std::string_view api, const net::HttpResponse& response, std::string_view provider_message);

// A stream that the client consumes event by event. `on_event` returns true once the stream's
// final event has arrived (OpenAI's [DONE], Anthropic's message_stop).
struct StreamSink {
  std::function<bool(const net::SseEvent&)> on_event;
};

// The I/O thread and HTTP client a model client sends on. Requests run there whatever executor the
// caller awaits on; the result comes back to the caller's executor.
class ModelTransport {
 public:
  ModelTransport(std::string api, net::Url base, net::ClientOptions http, std::string secret);
  ~ModelTransport();
  ModelTransport(const ModelTransport&) = delete;
  ModelTransport& operator=(const ModelTransport&) = delete;

  [[nodiscard]] const net::Url& base() const noexcept { return base_; }
  [[nodiscard]] const std::string& api() const noexcept { return api_; }
  [[nodiscard]] ServerAddress server() const { return {base_.host, base_.port}; }

  // POSTs `body` as JSON to the base URL's path + `path`, with `headers` and the trace context of
  // `call`. Without a sink, returns the body of a 2xx JSON response. With one, a 2xx
  // text/event-stream response is fed to it as it arrives and "" is returned. Every failure is an
  // LlmError, with the API key replaced by "<redacted>" wherever it would have shown.
  asio::awaitable<std::string> post_json(std::string path, net::Headers headers, std::string body,
                                         const CallOptions& call, std::shared_ptr<StreamSink> sink,
                                         std::function<std::string(std::string_view)> provider_message);

  // One model call on top of post_json. Plain: the 2xx body is read by `parse`. Streamed: a new
  // StreamState (members on_text, on_event(const net::SseEvent&) -> bool "that was the last",
  // finish() -> ChatResponse) assembles the reply from the events. Errors from either are
  // redacted like the transport's own, since an excerpt may quote a key the server echoed.
  template <class StreamState>
  asio::awaitable<ChatResponse> call(std::string path, net::Headers headers, std::string body, CallOptions options,
                                     bool stream, ChatResponse (*parse)(std::string_view),
                                     std::string (*provider_message)(std::string_view));

  // `text` with every occurrence of the secret replaced.
  [[nodiscard]] std::string redact(std::string text) const;

 private:
  asio::awaitable<std::string> exchange(net::HttpRequest request, std::shared_ptr<StreamSink> sink,
                                        std::function<std::string(std::string_view)> provider_message);

  std::string api_;
  net::Url base_;
  std::string secret_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<net::HttpClient> client_;
  std::thread thread_;
};

template <class StreamState>
asio::awaitable<ChatResponse> ModelTransport::call(std::string path, net::Headers headers, std::string body,
                                                   CallOptions options, bool stream,
                                                   ChatResponse (*parse)(std::string_view),
                                                   std::string (*provider_message)(std::string_view)) {
  if (!stream) {
    auto exchange = post_json(std::move(path), std::move(headers), std::move(body), options, nullptr, provider_message);
    const std::string reply = co_await std::move(exchange);
    try {
      co_return parse(reply);
    } catch (const LlmError& e) {
      throw LlmError(e.kind(), redact(e.what()), e.http_status(), e.retry_after());
    }
  }
  auto state = std::make_shared<StreamState>();
  state->on_text = std::move(options.on_text);
  auto sink = std::make_shared<StreamSink>();
  sink->on_event = [state](const net::SseEvent& event) { return state->on_event(event); };
  auto exchange = post_json(std::move(path), std::move(headers), std::move(body), options, std::move(sink),
                            provider_message);
  co_await std::move(exchange);
  co_return state->finish();
}

// The environment variable's value, or "" when unset (an empty variable counts as unset).
std::string env_or_empty(const char* name);

}  // namespace agentrace::llm::detail
