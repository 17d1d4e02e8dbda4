// A real HTTP/1.1 server on 127.0.0.1 (port chosen by the kernel) for tests of HTTP clients and
// everything built on them (the OTLP exporter's receiver, OpenAI- and Anthropic-compatible fakes).
// It runs on its own thread with its own io_context (Beast parses the requests); the test scripts
// each response with a handler, including the faults a client must survive: a slow header, a body
// cut short, garbage instead of HTTP, a stream written piece by piece, a dropped connection. HTTPS
// with a certificate made at start (support/test_certificates.hpp) whose CA is written to a file
// the client can be told to trust.
//
// Threading: the handler runs on the server's thread, one request at a time (all connections
// share that thread): it must not block. Delays belong in the response (header_delay, pieces),
// where the server waits without blocking, so other connections are served meanwhile. Every
// other member may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/test_certificates.hpp"

namespace agentrace::testing {

// A request as the server received it.
struct ServerRequest {
  std::string method;
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::size_t connection = 0;  // which connection it came on: 1 for the first accepted, ...
  std::size_t sequence = 0;    // its place on that connection: 1 for the first request, ...
  std::string tls_server_name;  // TLS: the name the client sent in SNI ("" when none)

  // The first value of a header (any case), or "" when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const;
};

// One piece of a streamed body: written after `delay`, as one HTTP chunk.
struct BodyPiece {
  std::string data;
  std::chrono::milliseconds delay{0};
};

// The scripted answer. The server sets the framing itself (Content-Length, or Transfer-Encoding:
// chunked when `pieces` is used; Connection: close when `close`), so `headers` holds the rest.
struct ServerResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  // When not empty, the body is streamed as these pieces, chunked, and `body` is ignored.
  std::vector<BodyPiece> pieces{};
  std::chrono::milliseconds header_delay{0};  // waited before the first byte of the response
  bool close = false;                         // "Connection: close", and the server closes after it

  // Faults.
  // Sends the header as for the whole body, then only this many body bytes, then closes.
  std::optional<std::size_t> close_after_body_bytes{};
  // Sends these bytes instead of a response, then closes.
  std::optional<std::string> raw{};
  // Closes the connection without writing anything.
  bool drop = false;

  // 200 (or `status`) with a body and its content type.
  static ServerResponse text(std::string body, unsigned status = 200, std::string content_type = "text/plain");
  // 200 text/event-stream, streamed in `pieces`.
  static ServerResponse event_stream(std::vector<BodyPiece> pieces);
};

using ServerHandler = std::function<ServerResponse(const ServerRequest&)>;

struct ServerOptions {
  bool tls = false;
  // TLS: the certificate's names, and whether it is self-signed rather than issued by a test CA.
  std::vector<std::string> certificate_names{"127.0.0.1", "localhost"};
  bool self_signed = false;
  // Accepts connections and never reads or writes on them (handshake and first-byte timeouts).
  bool silent = false;
  std::size_t max_request_body = std::size_t{128} << 20;
  // Keep every request for requests(). Off for a server that takes many requests (a soak): its
  // memory then stays flat, and requests() is empty.
  bool keep_requests = true;
};

class LoopbackHttpServer {
 public:
  // Listening when the constructor returns.
  explicit LoopbackHttpServer(ServerHandler handler, ServerOptions options = {});
  // Stops: every connection is closed, the thread joined.
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // "http://127.0.0.1:<port><target>" (https in TLS mode).
  [[nodiscard]] std::string url(std::string_view target = "/") const;
  // TLS mode: the PEM file of the CA that issued the server's certificate (or of the certificate
  // itself when self-signed), for ClientOptions::ca_file. Empty otherwise.
  [[nodiscard]] const std::filesystem::path& ca_file() const noexcept;
  [[nodiscard]] const TestCertificates& certificates() const noexcept;

  [[nodiscard]] std::size_t connections_accepted() const noexcept;
  // Connections accepted and not yet closed (a client that went away is seen when the server next
  // reads or writes on its connection: after a response's header_delay, say).
  [[nodiscard]] std::size_t open_connections() const noexcept;
  [[nodiscard]] std::size_t requests_received() const noexcept;
  // Every request received so far, in order (none when ServerOptions::keep_requests is off).
  [[nodiscard]] std::vector<ServerRequest> requests() const;
  // Closes every connection as a server's keep-alive timeout does: at once when it is waiting for
  // its next request, else as soon as the response it is writing ends. Returns once all are
  // closed (so not while a long stream is still being written).
  void close_idle_connections();

  // A server that goes down and comes back, as a collector restarting: go_down() stops listening
  // (connects are refused) and closes every connection, whatever it is doing; come_back() listens
  // again on the same port. Both return once done; calling either twice in a row does nothing
  // more. come_back() throws std::system_error when the port was taken meanwhile.
  void go_down();
  void come_back();
  [[nodiscard]] bool is_down() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A listening socket on 127.0.0.1 whose accept queue is full and never drained: a TCP connect to
// it is neither accepted nor refused (the kernel drops the SYN), which is how a connect timeout
// is provoked without leaving the machine. ready() is false where the kernel does not behave so.
class FullBacklogListener {
 public:
  FullBacklogListener();
  ~FullBacklogListener();
  FullBacklogListener(const FullBacklogListener&) = delete;
  FullBacklogListener& operator=(const FullBacklogListener&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] bool ready() const noexcept { return ready_; }

 private:
  int listener_ = -1;
  std::vector<int> fillers_;
  std::uint16_t port_ = 0;
  bool ready_ = false;
};

}  // namespace agentrace::testing
