// The client's machinery. One request: plan (validate, build the message, fix the deadlines),
// take a pooled connection or make one, then run the exchange on that connection's strand:
// connect and handshake when fresh, write, read the header, read the body (streaming it to the
// caller's callback), and hand the connection back to the pool when both sides allow keep-alive.
//
// Every operation on a connection's stream runs on the connection's own strand: Beast's tcp_stream
// runs its timeout handlers on the executor of the operation's handler, so the strand is what
// keeps them from racing with the next operation when the client's executor is multi-threaded.
#include "agentrace/net/http_client.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "agentrace/net/url.hpp"

namespace agentrace::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string_view to_string(HttpErrorKind kind) noexcept {
  switch (kind) {
    case HttpErrorKind::invalid_request: return "invalid_request";
    case HttpErrorKind::dns: return "dns";
    case HttpErrorKind::connect: return "connect";
    case HttpErrorKind::tls_handshake: return "tls_handshake";
    case HttpErrorKind::certificate: return "certificate";
    case HttpErrorKind::timeout: return "timeout";
    case HttpErrorKind::connection_closed: return "connection_closed";
    case HttpErrorKind::protocol: return "protocol";
    case HttpErrorKind::body_too_large: return "body_too_large";
  }
  return "unknown";
}

std::string_view to_string(TimeoutPhase phase) noexcept {
  switch (phase) {
    case TimeoutPhase::connect: return "connect";
    case TimeoutPhase::tls_handshake: return "tls_handshake";
    case TimeoutPhase::first_byte: return "first_byte";
    case TimeoutPhase::body_idle: return "body_idle";
    case TimeoutPhase::total: return "total";
  }
  return "unknown";
}

namespace {

constexpr Clock::time_point no_deadline = Clock::time_point::max();

// RFC 9110 tchar: what a method or a field name may consist of.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// CR and LF would let a value start a new header line (header injection); NUL is never valid.
bool is_field_value(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos; }

bool has_token(std::string_view list, std::string_view token) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    auto end = list.find(',', pos);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(pos, end - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    pos = end + 1;
  }
  return false;
}

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }

// The errors by which a server closing (or resetting) the connection shows.
bool is_disconnect(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
         ec == asio::error::broken_pipe || ec == asio::error::not_connected || ec == ssl::error::stream_truncated;
}

bool is_http_parse_error(const error_code& ec) { return ec.category() == http::make_error_code(http::error::bad_version).category(); }

struct PhaseClock {
  Clock::time_point deadline = no_deadline;
  TimeoutPhase phase = TimeoutPhase::total;
  milliseconds limit{0};
};

// What one send() needs, fixed before the first byte goes out and kept for a retry.
struct Plan {
  Url url;
  std::string origin;
  std::string what;  // "POST http://host:port": the prefix of every error message
  http::request<http::string_body> message;
  bool head = false;
  bool close_requested = false;
  Timeouts timeouts;
  std::size_t max_body = 0;
  std::size_t max_header = 0;
  Clock::time_point total_deadline = no_deadline;
  const RequestOptions* options = nullptr;

  // The deadline of a phase starting now: its own limit, or the total one when that ends first.
  [[nodiscard]] PhaseClock clock(TimeoutPhase phase, milliseconds limit) const {
    const Clock::time_point own = limit.count() > 0 ? Clock::now() + limit : no_deadline;
    if (total_deadline <= own) return {total_deadline, TimeoutPhase::total, timeouts.total};
    return {own, phase, limit};
  }

  [[noreturn]] void fail(HttpErrorKind kind, const std::string& detail) const {
    throw HttpError(kind, what + ": " + detail);
  }

  [[noreturn]] void fail_timeout(const PhaseClock& clock) const {
    std::string detail;
    switch (clock.phase) {
      case TimeoutPhase::connect: detail = "no connection"; break;
      case TimeoutPhase::tls_handshake: detail = "TLS handshake not complete"; break;
      case TimeoutPhase::first_byte: detail = "no complete response header"; break;
      case TimeoutPhase::body_idle: detail = "no more response body"; break;
      case TimeoutPhase::total: detail = "request not complete"; break;
    }
    throw HttpError(HttpErrorKind::timeout,
                    what + ": timeout (" + std::string(to_string(clock.phase)) + "): " + detail + " within " +
                        std::to_string(clock.limit.count()) + " ms",
                    clock.phase);
  }
};

bool timed_out(const error_code& ec, const PhaseClock& clock) {
  return ec == beast::error::timeout || (clock.deadline != no_deadline && Clock::now() >= clock.deadline);
}

struct Connection {
  Connection(asio::any_io_executor executor, ssl::context* tls_context) : strand(std::move(executor)) {
    if (tls_context != nullptr) {
      tls.emplace(strand, *tls_context);
    } else {
      plain.emplace(strand);
    }
  }

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  void expire_at(Clock::time_point deadline) {
    if (deadline == no_deadline) {
      tcp().expires_never();
    } else {
      tcp().expires_at(deadline);
    }
  }

  void close() { tcp().close(); }

  // An idle connection the server has closed shows as readable: EOF, or a TLS close_notify or
  // an unsolicited response (a 408) before the EOF. Any of these makes it unusable. A peek
  // without blocking and without Asio: nothing is pending on an idle connection.
  bool looks_open() {
    if (buffer.size() != 0) return false;
    auto& socket = tcp().socket();
    if (!socket.is_open()) return false;
    char byte = 0;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  asio::any_io_executor strand;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};
  bool reusable = false;
};

std::optional<ssl::context> make_tls_context(const ClientOptions& options) {
  ssl::context context(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  error_code ec;
  if (options.use_system_ca_store) {
    // Fails only when OpenSSL's default locations are missing; the extra CAs may still serve.
    context.set_default_verify_paths(ec);
  }
  if (!options.ca_file.empty()) {
    context.load_verify_file(options.ca_file, ec);
    if (ec) throw std::invalid_argument("cannot load the CA file '" + options.ca_file + "': " + ec.message());
  }
  if (!options.ca_dir.empty()) {
    context.add_verify_path(options.ca_dir, ec);
    if (ec) throw std::invalid_argument("cannot use the CA directory '" + options.ca_dir + "': " + ec.message());
  }
  context.set_verify_mode(options.verify_certificates ? ssl::verify_peer : ssl::verify_none);
  return context;
}

}  // namespace

struct HttpClient::Impl {
  Impl(asio::any_io_executor ex, ClientOptions opts)
      : executor(std::move(ex)), options(std::move(opts)), tls_context(make_tls_context(options)) {}

  ~Impl() { close_idle(); }

  Plan plan(HttpRequest& request, const RequestOptions& request_options) const;
  std::unique_ptr<Connection> take(const std::string& origin);
  void put(const std::string& origin, std::unique_ptr<Connection> connection);
  void close_idle();
  std::size_t idle_count() const;

  asio::awaitable<std::optional<HttpResponse>> run(Connection& c, const Plan& plan, bool reused);
  asio::awaitable<void> connect(Connection& c, const Plan& plan);
  asio::awaitable<void> handshake(Connection& c, const Plan& plan);
  template <class Stream>
  asio::awaitable<std::optional<HttpResponse>> exchange(Stream& stream, Connection& c, const Plan& plan, bool reused);

  asio::any_io_executor executor;
  ClientOptions options;
  std::optional<ssl::context> tls_context;
  mutable std::mutex mutex;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
};

Plan HttpClient::Impl::plan(HttpRequest& request, const RequestOptions& request_options) const {
  Plan p;
  try {
    p.url = parse_url(request.url);
  } catch (const UrlError& e) {
    throw HttpError(HttpErrorKind::invalid_request, e.what());
  }
  p.origin = p.url.origin();
  p.what = request.method + " " + p.origin;
  if (!is_token(request.method)) p.fail(HttpErrorKind::invalid_request, "the method is not an HTTP token");

  auto& m = p.message;
  m.version(11);
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    m.method_string(request.method);
  } else {
    m.method(verb);
  }
  m.target(p.url.target);
  for (const auto& [name, value] : request.headers) {
    // The name is safe to quote; the value never is (it may be a key).
    if (!is_token(name)) p.fail(HttpErrorKind::invalid_request, "header name '" + name + "' is not an HTTP token");
    if (!is_field_value(value)) {
      p.fail(HttpErrorKind::invalid_request, "the value of header '" + name + "' contains CR, LF or NUL");
    }
    // The body's framing is ours to set, from the body itself.
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
    m.insert(name, value);
    if (iequals(name, "connection") && has_token(value, "close")) p.close_requested = true;
  }
  if (!request.headers.contains("host")) m.set(http::field::host, p.url.host_header());
  if (!request.headers.contains("user-agent")) {
    const std::string agent = options.user_agent.value_or("agentrace/" AGENTRACE_VERSION);
    if (!agent.empty()) m.set(http::field::user_agent, agent);
  }
  m.body() = std::move(request.body);
  m.prepare_payload();
  p.head = verb == http::verb::head;

  const auto& o = request_options.timeouts;
  p.timeouts = options.timeouts;
  if (o.connect) p.timeouts.connect = *o.connect;
  if (o.tls_handshake) p.timeouts.tls_handshake = *o.tls_handshake;
  if (o.first_byte) p.timeouts.first_byte = *o.first_byte;
  if (o.body_idle) p.timeouts.body_idle = *o.body_idle;
  if (o.total) p.timeouts.total = *o.total;
  p.max_body = request_options.max_body_bytes.value_or(options.max_body_bytes);
  p.max_header = options.max_header_bytes;
  p.options = &request_options;
  if (p.timeouts.total.count() > 0) p.total_deadline = Clock::now() + p.timeouts.total;
  return p;
}

std::unique_ptr<Connection> HttpClient::Impl::take(const std::string& origin) {
  std::lock_guard lock(mutex);
  auto it = idle.find(origin);
  if (it == idle.end()) return nullptr;
  auto& list = it->second;
  const auto now = Clock::now();
  // Most recently used first: the likeliest to be still open on the server's side.
  while (!list.empty()) {
    std::unique_ptr<Connection> c = std::move(list.back());
    list.pop_back();
    if (now - c->idle_since < options.idle_timeout && c->looks_open()) return c;
    c->close();
  }
  return nullptr;
}

void HttpClient::Impl::put(const std::string& origin, std::unique_ptr<Connection> connection) {
  connection->idle_since = Clock::now();
  std::lock_guard lock(mutex);
  auto& list = idle[origin];
  if (options.max_idle_per_origin == 0) {
    connection->close();
    return;
  }
  if (list.size() >= options.max_idle_per_origin) {
    list.front()->close();
    list.erase(list.begin());
  }
  list.push_back(std::move(connection));
}

void HttpClient::Impl::close_idle() {
  std::lock_guard lock(mutex);
  for (auto& [origin, list] : idle) {
    for (auto& c : list) c->close();
  }
  idle.clear();
}

std::size_t HttpClient::Impl::idle_count() const {
  std::lock_guard lock(mutex);
  std::size_t n = 0;
  for (const auto& [origin, list] : idle) n += list.size();
  return n;
}

asio::awaitable<std::optional<HttpResponse>> HttpClient::Impl::run(Connection& c, const Plan& plan, bool reused) {
  std::optional<HttpResponse> response;
  std::exception_ptr failure;
  try {
    if (!reused) {
      co_await connect(c, plan);
      if (c.tls) co_await handshake(c, plan);
    }
    if (c.tls) {
      response = co_await exchange(*c.tls, c, plan, reused);
    } else {
      response = co_await exchange(*c.plain, c, plan, reused);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  // Closed here, on the strand, so the stream's timers never race with the close.
  if (failure || !response || !c.reusable) c.close();
  if (failure) std::rethrow_exception(failure);
  if (c.reusable) c.expire_at(no_deadline);
  co_return response;
}

asio::awaitable<void> HttpClient::Impl::connect(Connection& c, const Plan& plan) {
  const PhaseClock clock = plan.clock(TimeoutPhase::connect, plan.timeouts.connect);

  // The resolver cannot be cut short (getaddrinfo runs to its end on Asio's resolver thread), so
  // the coroutine waits on a timer that either the resolution or the deadline ends.
  struct Resolution {
    error_code ec;
    tcp::resolver::results_type results;
    bool done = false;
  };
  auto resolver = std::make_shared<tcp::resolver>(c.strand);
  auto resolution = std::make_shared<Resolution>();
  auto wake = std::make_shared<asio::steady_timer>(c.strand);
  wake->expires_at(clock.deadline);
  resolver->async_resolve(plan.url.host, std::to_string(plan.url.port), tcp::resolver::numeric_service,
                          [resolver, resolution, wake](const error_code& ec, tcp::resolver::results_type results) {
                            resolution->ec = ec;
                            resolution->results = std::move(results);
                            resolution->done = true;
                            wake->cancel();
                          });
  error_code wait_ec;
  auto wait_token = asio::redirect_error(asio::use_awaitable, wait_ec);
  co_await wake->async_wait(wait_token);
  if (!resolution->done) {
    resolver->cancel();
    plan.fail_timeout(clock);
  }
  if (resolution->ec) {
    plan.fail(HttpErrorKind::dns, "cannot resolve host '" + plan.url.host + "': " + resolution->ec.message());
  }

  c.expire_at(clock.deadline);
  error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  co_await c.tcp().async_connect(resolution->results, token);
  if (ec) {
    if (timed_out(ec, clock)) plan.fail_timeout(clock);
    plan.fail(HttpErrorKind::connect, "cannot connect: " + ec.message());
  }
  c.tcp().socket().set_option(tcp::no_delay(true), ec);  // requests are written whole: no Nagle delay
}

asio::awaitable<void> HttpClient::Impl::handshake(Connection& c, const Plan& plan) {
  SSL* ssl = c.tls->native_handle();
  const std::string& host = plan.url.host;
  error_code address_ec;
  const bool is_address = (asio::ip::make_address(host, address_ec), !address_ec);
  // RFC 6066: SNI carries DNS names only, never an address.
  if (!is_address) SSL_set_tlsext_host_name(ssl, host.c_str());
  static constexpr unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(ssl, alpn, sizeof alpn);
  if (options.verify_certificates) {
    // OpenSSL checks the name against the certificate's SAN during the handshake, so a mismatch
    // shows in the verify result like any other certificate failure.
    if (is_address) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    } else {
      SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      SSL_set1_host(ssl, host.c_str());
    }
  }

  const PhaseClock clock = plan.clock(TimeoutPhase::tls_handshake, plan.timeouts.tls_handshake);
  c.expire_at(clock.deadline);
  error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  co_await c.tls->async_handshake(ssl::stream_base::client, token);
  if (!ec) co_return;
  if (timed_out(ec, clock)) plan.fail_timeout(clock);
  const long verify = SSL_get_verify_result(ssl);
  if (options.verify_certificates && verify != X509_V_OK) {
    plan.fail(HttpErrorKind::certificate, std::string("TLS certificate verification failed: ") +
                                              X509_verify_cert_error_string(verify) +
                                              " (to trust a private CA, set ClientOptions::ca_file)");
  }
  plan.fail(HttpErrorKind::tls_handshake, "TLS handshake failed: " + ec.message());
}

template <class Stream>
asio::awaitable<std::optional<HttpResponse>> HttpClient::Impl::exchange(Stream& stream, Connection& c,
                                                                        const Plan& plan, bool reused) {
  c.reusable = false;
  const RequestOptions& ro = *plan.options;
  const PhaseClock first = plan.clock(TimeoutPhase::first_byte, plan.timeouts.first_byte);
  c.expire_at(first.deadline);
  error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);

  co_await http::async_write(stream, plan.message, token);
  if (ec) {
    if (timed_out(ec, first)) plan.fail_timeout(first);
    // A pooled connection the server closed: the request never reached it, so it may go again.
    if (reused && is_disconnect(ec)) co_return std::nullopt;
    plan.fail(HttpErrorKind::connection_closed, "connection lost while sending the request: " + ec.message());
  }

  std::optional<http::response_parser<http::buffer_body>> parser;
  for (;;) {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(plan.max_header, UINT32_MAX)));
    parser->body_limit(plan.max_body);
    if (plan.head) parser->skip(true);
    co_await http::async_read_header(stream, c.buffer, *parser, token);
    if (ec) {
      if (timed_out(ec, first)) plan.fail_timeout(first);
      const bool nothing_received = !parser->got_some() && c.buffer.size() == 0;
      if (ec == http::error::body_limit) {
        plan.fail(HttpErrorKind::body_too_large, "the response's Content-Length exceeds the body limit of " +
                                                     std::to_string(plan.max_body) + " bytes");
      }
      if (ec == http::error::header_limit) {
        plan.fail(HttpErrorKind::protocol,
                  "the response header exceeds the limit of " + std::to_string(plan.max_header) + " bytes");
      }
      if (is_disconnect(ec) && nothing_received) {
        if (reused) co_return std::nullopt;
        plan.fail(HttpErrorKind::connection_closed, "the server closed the connection without a response");
      }
      if (is_disconnect(ec)) {
        plan.fail(HttpErrorKind::connection_closed, "connection closed in the middle of the response header");
      }
      if (is_http_parse_error(ec)) plan.fail(HttpErrorKind::protocol, "malformed response: " + ec.message());
      plan.fail(HttpErrorKind::connection_closed, "reading the response header failed: " + ec.message());
    }
    const unsigned status = parser->get().result_int();
    // Interim responses (100 Continue, 103 Early Hints) precede the real one; 101 would switch
    // protocols, which this client never asks for, so it is returned as it is.
    if (status >= 100 && status < 200 && status != 101) continue;
    break;
  }

  HttpResponse response;
  auto& message = parser->get();
  response.status = message.result_int();
  response.reason = std::string(view(message.reason()));
  for (const auto& field : message) {
    response.headers.add(std::string(view(field.name_string())), std::string(view(field.value())));
  }
  if (ro.on_headers) ro.on_headers(response);

  const bool streaming = static_cast<bool>(ro.on_body_chunk);
  const bool keep = !streaming || ro.keep_body;
  std::array<char, 16 * 1024> chunk{};
  std::size_t received = 0;
  while (!parser->is_done()) {
    const PhaseClock idle = plan.clock(TimeoutPhase::body_idle, plan.timeouts.body_idle);
    c.expire_at(idle.deadline);
    message.body().data = chunk.data();
    message.body().size = chunk.size();
    co_await http::async_read_some(stream, c.buffer, *parser, token);
    if (ec == http::error::need_buffer) ec = {};
    const std::size_t n = chunk.size() - message.body().size;
    if (n > 0) {
      received += n;
      const std::string_view piece(chunk.data(), n);
      if (keep) response.body.append(piece);
      if (streaming) ro.on_body_chunk(piece);
    }
    if (!ec) continue;
    if (timed_out(ec, idle)) plan.fail_timeout(idle);
    if (ec == http::error::body_limit) {
      plan.fail(HttpErrorKind::body_too_large,
                "the response body exceeds the limit of " + std::to_string(plan.max_body) + " bytes");
    }
    if (is_disconnect(ec)) {
      std::string expected;
      if (auto length = parser->content_length()) expected = " of " + std::to_string(*length);
      plan.fail(HttpErrorKind::connection_closed,
                "connection closed mid-body after " + std::to_string(received) + expected + " body bytes");
    }
    if (is_http_parse_error(ec)) plan.fail(HttpErrorKind::protocol, "malformed response body: " + ec.message());
    plan.fail(HttpErrorKind::connection_closed, "reading the response body failed: " + ec.message());
  }

  // need_eof: a body that the close delimited leaves nothing to reuse.
  c.reusable = message.keep_alive() && !parser->need_eof() && !plan.close_requested && c.buffer.size() == 0 &&
               options.max_idle_per_origin > 0 && response.status != 101;
  co_return response;
}

HttpClient::HttpClient(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

HttpClient::~HttpClient() { impl_->close_idle(); }

const ClientOptions& HttpClient::options() const noexcept { return impl_->options; }
asio::any_io_executor HttpClient::get_executor() const noexcept { return impl_->executor; }
std::size_t HttpClient::idle_connections() const { return impl_->idle_count(); }
void HttpClient::close_idle_connections() { impl_->close_idle(); }

asio::awaitable<HttpResponse> HttpClient::send(const HttpRequest& request, const RequestOptions& options) {
  return send(HttpRequest(request), options);
}

asio::awaitable<HttpResponse> HttpClient::send(HttpRequest&& request, const RequestOptions& options) {
  // A lambda taking its state by value: the coroutine starts only when awaited, and must not
  // reach back through `this`, which the caller may have destroyed by then.
  return [](std::shared_ptr<Impl> impl, HttpRequest request, RequestOptions options) -> asio::awaitable<HttpResponse> {
    const Plan plan = impl->plan(request, options);
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> connection;
      if (attempt == 0) connection = impl->take(plan.origin);
      const bool reused = connection != nullptr;
      if (!connection) {
        connection = std::make_unique<Connection>(asio::make_strand(impl->executor),
                                                  plan.url.is_https() ? &*impl->tls_context : nullptr);
      }
      Connection& c = *connection;
      std::optional<HttpResponse> response =
          co_await asio::co_spawn(c.strand, impl->run(c, plan, reused), asio::use_awaitable);
      if (!response) continue;  // a stale pooled connection: once more on a fresh one
      if (c.reusable) impl->put(plan.origin, std::move(connection));
      co_return std::move(*response);
    }
  }(impl_, std::move(request), RequestOptions(options));
}

SyncHttpClient::SyncHttpClient(ClientOptions options)
    : io_(std::make_unique<asio::io_context>(1)),
      client_(std::make_unique<HttpClient>(io_->get_executor(), std::move(options))) {}

SyncHttpClient::~SyncHttpClient() {
  client_.reset();  // its sockets before their io_context
}

HttpResponse SyncHttpClient::send(HttpRequest request, RequestOptions options) {
  std::lock_guard lock(mutex_);
  std::optional<HttpResponse> result;
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(*io_, client_->send(std::move(request), std::move(options)),
                 [&](std::exception_ptr e, HttpResponse response) {
                   failure = e;
                   if (!e) result = std::move(response);
                   done = true;
                 });
  // Until this request is done, not until the context runs out of work: an abandoned DNS lookup
  // keeps work pending until getaddrinfo returns, and it is not worth waiting for.
  while (!done) {
    if (io_->stopped()) io_->restart();
    io_->run_one();
  }
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

std::size_t SyncHttpClient::idle_connections() const { return client_->idle_connections(); }

}  // namespace agentrace::net
