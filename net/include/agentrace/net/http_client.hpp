// An asynchronous HTTP/1.1 client over Boost.Beast, with HTTPS through OpenSSL: keep-alive
// connections pooled per origin, a timeout per phase, streaming of response bodies (chunked, SSE)
// and typed errors. Built for the model clients (streaming) and the OTLP exporter (blocking, from
// its own thread, through SyncHttpClient). Docs: docs/net.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "agentrace/base/asio.hpp"
#include "agentrace/net/headers.hpp"

namespace agentrace::net {

enum class HttpErrorKind : std::uint8_t {
  invalid_request,    // the URL, method or a header cannot be sent; nothing went on the wire
  dns,                // the host name did not resolve
  connect,            // no TCP connection (refused, unreachable)
  tls_handshake,      // the TLS handshake failed for another reason than the certificate
  certificate,        // the server's certificate was not trusted or does not name the host
  timeout,            // a phase ran out of time: HttpError::timeout_phase() says which
  connection_closed,  // the server closed (or reset) the connection before the response was complete
  protocol,           // the response is not valid HTTP/1.1
  body_too_large,     // the response body exceeds the configured limit
};

enum class TimeoutPhase : std::uint8_t {
  connect,        // DNS resolution and TCP connect (all addresses together)
  tls_handshake,  // the TLS handshake
  first_byte,     // from starting to send the request to having the whole response header
  body_idle,      // the longest wait for more body bytes
  total,          // the whole send(), a retry included
};

std::string_view to_string(HttpErrorKind kind) noexcept;
std::string_view to_string(TimeoutPhase phase) noexcept;

// A transport failure. HTTP error statuses (4xx, 5xx) are not errors: they come back as responses.
// Messages name the method and origin (scheme://host:port), never the path, the query or any
// header, which may carry credentials.
class HttpError : public std::runtime_error {
 public:
  HttpError(HttpErrorKind kind, const std::string& message, std::optional<TimeoutPhase> phase = std::nullopt)
      : std::runtime_error(message), kind_(kind), phase_(phase) {}

  [[nodiscard]] HttpErrorKind kind() const noexcept { return kind_; }
  // Set for kind() == timeout only.
  [[nodiscard]] std::optional<TimeoutPhase> timeout_phase() const noexcept { return phase_; }

 private:
  HttpErrorKind kind_;
  std::optional<TimeoutPhase> phase_;
};

struct HttpRequest {
  std::string method = "GET";  // any token: GET, POST, PUT, ...
  std::string url;             // absolute http:// or https:// URL (see parse_url)
  Headers headers{};           // Host, User-Agent and Content-Length are added when absent
  std::string body{};
};

struct HttpResponse {
  unsigned status = 0;
  std::string reason{};
  Headers headers{};
  std::string body{};  // empty when streamed to on_body_chunk (unless RequestOptions::keep_body)

  [[nodiscard]] bool ok() const noexcept { return status >= 200 && status < 300; }
};

// Zero means no limit for that phase. When the total limit ends first, the error names `total`.
struct Timeouts {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds tls_handshake{10'000};
  // A model that does not stream sends its header only when the whole reply is ready, so a
  // minute; yet a silent server must not hold a person for a quarter of an hour (a model call
  // makes up to three attempts): longer replies from slow local models need a larger value
  // (`agentrace demo --model-timeout`, docs/models.md).
  std::chrono::milliseconds first_byte{60'000};
  std::chrono::milliseconds body_idle{60'000};
  std::chrono::milliseconds total{300'000};
};

// Per-request replacements for the client's timeouts; unset fields keep the client's value.
struct TimeoutOverrides {
  std::optional<std::chrono::milliseconds> connect{};
  std::optional<std::chrono::milliseconds> tls_handshake{};
  std::optional<std::chrono::milliseconds> first_byte{};
  std::optional<std::chrono::milliseconds> body_idle{};
  std::optional<std::chrono::milliseconds> total{};
};

struct ClientOptions {
  Timeouts timeouts{};
  // Verify the server's certificate chain and that it names the host (DNS name or IP address).
  // Off only for a test against a server whose certificate cannot be trusted otherwise.
  bool verify_certificates = true;
  // Trust the system's CA store (OpenSSL's default paths: /etc/ssl/certs on Debian).
  bool use_system_ca_store = true;
  // More trusted CAs: a PEM file and/or a c_rehash'ed directory (e.g. a private collector's CA).
  std::string ca_file{};
  std::string ca_dir{};
  std::size_t max_body_bytes = std::size_t{64} << 20;   // 64 MiB; streamed bodies count too
  std::size_t max_header_bytes = std::size_t{64} << 10;  // the whole response header
  // Idle keep-alive connections kept per origin (scheme, host, port); 0 turns reuse off.
  std::size_t max_idle_per_origin = 4;
  // An idle connection older than this is closed instead of reused (servers close theirs too).
  std::chrono::milliseconds idle_timeout{30'000};
  // Sent as User-Agent unless the request has one; unset: "agentrace/<version>"; empty: none.
  std::optional<std::string> user_agent{};
};

struct RequestOptions {
  TimeoutOverrides timeouts{};
  std::optional<std::size_t> max_body_bytes{};
  // Called once the response header has arrived (status, reason, headers; the body still empty).
  std::function<void(const HttpResponse&)> on_headers{};
  // Called with the body's bytes as they arrive, in order, chunk framing removed. When set, the
  // body is not accumulated in the response unless keep_body is true.
  std::function<void(std::string_view)> on_body_chunk{};
  bool keep_body = false;
};

// Threading contract: send() may be called concurrently from any number of coroutines on any
// threads. Each exchange runs on a strand of the client's executor, and the callbacks in
// RequestOptions run there; an exception thrown by a callback ends the request (the connection is
// closed) and propagates from send(). The executor's context must outlive the client. The client
// may be destroyed while requests are in flight: they keep its state alive and finish normally.
class HttpClient {
 public:
  // Throws std::invalid_argument when ca_file or ca_dir cannot be loaded.
  explicit HttpClient(asio::any_io_executor executor, ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and returns the response, whatever its status. Throws HttpError. A pooled
  // connection that the server had closed is replaced by a fresh one, once, when nothing of the
  // response had arrived on it (then the server cannot have answered the request).
  // Not a coroutine: the request and options are copied (or moved) before this returns, so the
  // arguments may die before the awaitable is awaited. Parameters are references because GCC 12
  // destroys a by-value argument of a call inside a co_await expression twice.
  asio::awaitable<HttpResponse> send(const HttpRequest& request, const RequestOptions& options = RequestOptions());
  asio::awaitable<HttpResponse> send(HttpRequest&& request, const RequestOptions& options = RequestOptions());

  [[nodiscard]] const ClientOptions& options() const noexcept;
  [[nodiscard]] asio::any_io_executor get_executor() const noexcept;
  // Idle pooled connections, all origins together.
  [[nodiscard]] std::size_t idle_connections() const;
  void close_idle_connections();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The blocking client, for a thread that is not running an io_context (the OTLP exporter's
// worker): it owns a private io_context that runs on the calling thread during send(), so its
// pooled connections live from one call to the next. Calls from several threads are serialised.
class SyncHttpClient {
 public:
  explicit SyncHttpClient(ClientOptions options = {});
  ~SyncHttpClient();
  SyncHttpClient(const SyncHttpClient&) = delete;
  SyncHttpClient& operator=(const SyncHttpClient&) = delete;

  // As HttpClient::send; callbacks run on the calling thread. Throws HttpError.
  HttpResponse send(HttpRequest request, RequestOptions options = {});
  [[nodiscard]] std::size_t idle_connections() const;

 private:
  std::mutex mutex_;
  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace agentrace::net
