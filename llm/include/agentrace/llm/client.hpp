// LlmClient: what every model (real HTTP API, scripted, replayed) implements. Asynchronous on
// Boost.Asio coroutines, with a blocking convenience call; ready for streaming.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "agentrace/base/asio.hpp"
#include "agentrace/llm/message.hpp"
#include "agentrace/tracing/ids.hpp"
#include "agentrace/tracing/propagation.hpp"

namespace agentrace::llm {

enum class LlmErrorKind : std::uint8_t {
  transport,           // connection refused, reset, DNS, TLS
  timeout,             // a phase or the whole call ran out of time
  rate_limited,        // HTTP 429
  server,              // HTTP 5xx
  bad_request,         // HTTP 400, 404, 422: the request is wrong; retrying will not help
  authentication,      // HTTP 401, 403
  malformed_response,  // the body does not parse or lacks required fields
  // A scripted or replayed model was called more times than it has replies. A production kind,
  // not a test one: `agentrace replay` and agent::replay() report with it that a run asked its
  // recording for more than was recorded (the agents changed), and a cassette stores it.
  script_exhausted,
  cancelled,
};

std::string_view to_string(LlmErrorKind kind) noexcept;
// The inverse of to_string; nullopt for an unknown name.
std::optional<LlmErrorKind> error_kind_from_string(std::string_view name) noexcept;

// A failure of the model call itself (not a model mistake: those are replies). Retryable kinds:
// transport, timeout, rate_limited, server.
class LlmError : public std::runtime_error {
 public:
  LlmError(LlmErrorKind kind, const std::string& message, int http_status = 0,
           std::optional<std::chrono::milliseconds> retry_after = std::nullopt)
      : std::runtime_error(message), kind_(kind), http_status_(http_status), retry_after_(retry_after) {}

  [[nodiscard]] LlmErrorKind kind() const noexcept { return kind_; }
  [[nodiscard]] int http_status() const noexcept { return http_status_; }
  [[nodiscard]] std::optional<std::chrono::milliseconds> retry_after() const noexcept { return retry_after_; }
  [[nodiscard]] bool retryable() const noexcept;

 private:
  LlmErrorKind kind_;
  int http_status_;
  std::optional<std::chrono::milliseconds> retry_after_;
};

struct CallOptions {
  // Called with each piece of reply text as it arrives (streaming clients only), in order, on the
  // client's own I/O thread: it must not block, and must synchronise with the caller's threads.
  std::function<void(std::string_view)> on_text;
  // The span the call belongs to: HTTP clients send it as traceparent (and tracestate).
  tracing::SpanContext parent;
  // Sent as the W3C baggage header when not null and not empty.
  std::shared_ptr<const tracing::Baggage> baggage;
};

// Where a remote model is served (server.address and server.port on the chat span).
struct ServerAddress {
  std::string address;  // host name or IP address, as in the base URL
  int port = 0;
  friend bool operator==(const ServerAddress&, const ServerAddress&) = default;
};

// Threading contract: complete() may be called concurrently from many coroutines; it runs on the
// caller's executor and must not block it (waits are asynchronous).
class LlmClient {
 public:
  LlmClient() = default;
  virtual ~LlmClient() = default;
  LlmClient(const LlmClient&) = delete;
  LlmClient& operator=(const LlmClient&) = delete;

  // gen_ai.provider.name: "openai", "anthropic", "scripted", ...
  [[nodiscard]] virtual std::string provider() const = 0;
  // The model asked for when a request names none.
  [[nodiscard]] virtual std::string default_model() const = 0;
  // The server an HTTP client talks to; nullopt for in-process models.
  [[nodiscard]] virtual std::optional<ServerAddress> server() const { return std::nullopt; }
  // Throws LlmError. `request` is borrowed: the caller keeps it alive until the returned awaitable
  // completes (awaiting it at once does), so a long history is not copied per call or retry.
  // `options` is copied before this returns. Not a coroutine and not virtual: `co_await
  // client.complete(request, options)` is safe with any options on GCC 12, which destroys a
  // by-value argument of a call inside a co_await expression twice (see Runner::run_async).
  asio::awaitable<ChatResponse> complete(const ChatRequest& request, const CallOptions& options = CallOptions()) {
    return do_complete(request, CallOptions(options));
  }

  // Blocking convenience: runs the call on a private io_context in this thread.
  ChatResponse complete_sync(ChatRequest request, CallOptions options = {});

 protected:
  // What a client implements: complete() forwards here with its own copy of the options.
  virtual asio::awaitable<ChatResponse> do_complete(const ChatRequest& request, CallOptions options) = 0;
};

}  // namespace agentrace::llm
