#include "support/loopback_http_server.hpp"

// <utility> before Asio: GCC 12 with Boost 1.74 fails on std::exchange otherwise.
#include <utility>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <exception>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include "support/test_support.hpp"

namespace agentrace::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string_view ServerRequest::header(std::string_view name) const {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [&](char a, char b) {
          return lower(a) == lower(b);
        })) {
      return v;
    }
  }
  return {};
}

ServerResponse ServerResponse::text(std::string body, unsigned status, std::string content_type) {
  ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

ServerResponse ServerResponse::event_stream(std::vector<BodyPiece> pieces) {
  ServerResponse r;
  r.headers.emplace_back("Content-Type", "text/event-stream");
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.pieces = std::move(pieces);
  return r;
}

namespace {

// close_idle_connections() waits on this until every connection it marked has closed.
struct Closing {
  std::size_t pending = 0;
  std::promise<void> done;
};

// One accepted connection; touched on the server's thread only.
struct Session {
  std::size_t id = 0;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  bool idle = false;  // waiting for the first byte of its next request
  std::shared_ptr<Closing> closing;  // set: close instead of reading another request
  std::string server_name;  // TLS: from the client's SNI

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void close() {
    error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().close();
  }
};

std::string head_of(const ServerResponse& r, bool chunked) {
  std::string reason(http::obsolete_reason(static_cast<http::status>(r.status)));
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason + "\r\n";
  for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else {
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  if (r.close) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

asio::awaitable<void> pause(asio::steady_timer& timer, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) co_return;
  timer.expires_after(delay);
  error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  co_await timer.async_wait(token);
}

// False when the peer is gone.
template <class Stream>
asio::awaitable<bool> write_all(Stream& stream, const std::string& bytes) {
  error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  auto buffer = asio::buffer(bytes);
  co_await asio::async_write(stream, buffer, token);
  co_return !ec;
}

std::string hex(std::size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%zx", n);
  return buf;
}

}  // namespace

struct LoopbackHttpServer::Impl {
  Impl(ServerHandler h, ServerOptions o) : handler(std::move(h)), options(std::move(o)) {}

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<Session> session);
  template <class Stream>
  asio::awaitable<void> exchange(Stream& stream, Session& session);
  template <class Stream>
  asio::awaitable<bool> respond(Stream& stream, const ServerResponse& response);

  ServerHandler handler;
  ServerOptions options;
  TestCertificates certificates;
  std::unique_ptr<TempDir> dir;
  std::filesystem::path ca_file;
  std::optional<ssl::context> tls_context;

  // The context outlives everything that uses it: it is destroyed explicitly, first.
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>(1);
  // Keeps the thread running while nothing is pending (a server gone down waits to come back).
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(*io);
  std::optional<tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  std::thread thread;

  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> received{0};
  std::atomic<std::size_t> open{0};
  std::atomic<bool> down{false};
  std::size_t generation = 0;  // server thread only: counts go_down() calls
  mutable std::mutex journal_mutex;
  std::vector<ServerRequest> journal;
  std::map<std::size_t, std::weak_ptr<Session>> sessions;  // server thread only
};

asio::awaitable<void> LoopbackHttpServer::Impl::accept_loop() {
  const std::size_t listening = generation;  // go_down() ends this loop
  for (;;) {
    error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    tcp::socket socket = co_await acceptor->async_accept(token);
    if (listening != generation) co_return;  // gone down meanwhile (a connection just accepted is refused too)
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      continue;
    }
    auto session = std::make_shared<Session>();
    session->id = ++accepted;
    if (tls_context) {
      session->tls.emplace(beast::tcp_stream(std::move(socket)), *tls_context);
    } else {
      session->plain.emplace(std::move(socket));
    }
    sessions[session->id] = session;
    ++open;
    asio::co_spawn(*io, serve(session), asio::detached);
  }
}

asio::awaitable<void> LoopbackHttpServer::Impl::serve(std::shared_ptr<Session> session) {
  error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  if (options.silent) {
    // Reads and discards whatever arrives until the peer closes or the server stops.
    std::array<char, 4096> sink{};
    auto buffer = asio::buffer(sink);
    session->idle = true;
    while (!ec) co_await session->tcp().socket().async_read_some(buffer, token);
  } else if (session->tls) {
    co_await session->tls->async_handshake(ssl::stream_base::server, token);
    if (const char* sni = SSL_get_servername(session->tls->native_handle(), TLSEXT_NAMETYPE_host_name)) {
      session->server_name = sni;
    }
    if (!ec) co_await exchange(*session->tls, *session);  // else e.g. the client rejected the certificate
  } else {
    co_await exchange(*session->plain, *session);
  }
  session->close();
  sessions.erase(session->id);
  --open;
  if (auto closing = std::move(session->closing); closing && --closing->pending == 0) closing->done.set_value();
}

template <class Stream>
asio::awaitable<void> LoopbackHttpServer::Impl::exchange(Stream& stream, Session& session) {
  beast::flat_buffer buffer;
  for (std::size_t sequence = 1; !session.closing; ++sequence) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.max_request_body);
    parser.header_limit(1U << 20);
    error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    session.idle = buffer.size() == 0;
    co_await http::async_read(stream, buffer, parser, token);
    session.idle = false;
    if (ec) co_return;  // the peer closed, or sent something that is not HTTP
    const auto& message = parser.get();
    ServerRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = message.body();
    request.connection = session.id;
    request.sequence = sequence;
    request.tls_server_name = session.server_name;
    if (options.keep_requests) {
      std::lock_guard lock(journal_mutex);
      journal.push_back(request);
    }
    ++received;

    ServerResponse response;
    try {
      response = handler(request);
    } catch (const std::exception& e) {
      response = ServerResponse::text(std::string("handler threw: ") + e.what(), 500);
    }
    const bool keep_going = co_await respond(stream, response);
    if (!keep_going || !message.keep_alive()) co_return;
  }
}

template <class Stream>
asio::awaitable<bool> LoopbackHttpServer::Impl::respond(Stream& stream, const ServerResponse& response) {
  asio::steady_timer timer(*io);
  co_await pause(timer, response.header_delay);
  if (response.drop) co_return false;
  if (response.raw) {
    co_await write_all(stream, *response.raw);
    co_return false;
  }

  const bool chunked = !response.pieces.empty();
  const std::string head = head_of(response, chunked);
  // Body bytes still allowed before the fault cuts the connection (no limit without the fault).
  std::size_t allowance = response.close_after_body_bytes.value_or(SIZE_MAX);

  if (!chunked) {
    const bool cut = response.body.size() > allowance;
    const std::string bytes = head + (cut ? response.body.substr(0, allowance) : response.body);
    const bool written = co_await write_all(stream, bytes);
    co_return written && !cut && !response.close;
  }

  if (!co_await write_all(stream, head)) co_return false;
  for (const auto& piece : response.pieces) {
    co_await pause(timer, piece.delay);
    if (piece.data.empty()) continue;  // an empty chunk would end the body
    const bool cut = piece.data.size() > allowance;
    const std::string data = cut ? piece.data.substr(0, allowance) : piece.data;
    allowance -= data.size();
    const std::string frame = hex(data.size()) + "\r\n" + data + (cut ? "" : "\r\n");
    if (!data.empty() && !co_await write_all(stream, frame)) co_return false;
    if (cut) co_return false;
  }
  if (response.close_after_body_bytes) co_return false;  // cut exactly at the end: no last chunk
  const std::string last = "0\r\n\r\n";
  if (!co_await write_all(stream, last)) co_return false;
  co_return !response.close;
}

LoopbackHttpServer::LoopbackHttpServer(ServerHandler handler, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(handler), std::move(options))) {
  Impl& s = *impl_;
  if (s.options.tls) {
    s.certificates = make_test_certificates(s.options.certificate_names, s.options.self_signed);
    s.dir = std::make_unique<TempDir>();
    s.ca_file = s.dir->write("ca.pem", s.certificates.ca_pem);
    s.tls_context.emplace(ssl::context::tls_server);
    s.tls_context->use_certificate_chain(asio::buffer(s.certificates.cert_pem));
    s.tls_context->use_private_key(asio::buffer(s.certificates.key_pem), ssl::context::pem);
  }
  s.acceptor.emplace(*s.io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  s.port = s.acceptor->local_endpoint().port();
  asio::co_spawn(*s.io, s.accept_loop(), asio::detached);
  s.thread = std::thread([io = s.io.get()] { io->run(); });
}

LoopbackHttpServer::~LoopbackHttpServer() {
  Impl& s = *impl_;
  s.io->stop();
  s.thread.join();
  s.work.reset();
  // The acceptor, then the suspended coroutines with every connection (destroyed with the
  // context), all on this thread, while the rest of the server, which they refer to, still exists.
  s.acceptor.reset();
  s.io.reset();
}

std::uint16_t LoopbackHttpServer::port() const noexcept { return impl_->port; }

std::string LoopbackHttpServer::url(std::string_view target) const {
  return std::string(impl_->tls_context ? "https" : "http") + "://127.0.0.1:" + std::to_string(impl_->port) +
         std::string(target);
}

const std::filesystem::path& LoopbackHttpServer::ca_file() const noexcept { return impl_->ca_file; }
const TestCertificates& LoopbackHttpServer::certificates() const noexcept { return impl_->certificates; }
std::size_t LoopbackHttpServer::connections_accepted() const noexcept { return impl_->accepted.load(); }
std::size_t LoopbackHttpServer::requests_received() const noexcept { return impl_->received.load(); }
std::size_t LoopbackHttpServer::open_connections() const noexcept { return impl_->open.load(); }

std::vector<ServerRequest> LoopbackHttpServer::requests() const {
  std::lock_guard lock(impl_->journal_mutex);
  return impl_->journal;
}

void LoopbackHttpServer::close_idle_connections() {
  auto closing = std::make_shared<Closing>();
  auto closed = closing->done.get_future();
  asio::post(*impl_->io, [this, closing] {
    // A connection still writing its last response is as good as idle: the client may already
    // have read it. It closes when the write ends, instead of reading another request.
    for (auto& [id, weak] : impl_->sessions) {
      auto session = weak.lock();
      if (!session || session->closing) continue;
      session->closing = closing;
      ++closing->pending;
      if (session->idle) session->close();
    }
    if (closing->pending == 0) closing->done.set_value();
  });
  closed.wait();
}

namespace {

// Runs `work` on the server's thread and waits for it; its exception comes back here.
template <class F>
void run_on(asio::io_context& io, F work) {
  std::promise<void> done;
  auto finished = done.get_future();
  asio::post(io, [&] {
    try {
      work();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  finished.get();
}

}  // namespace

void LoopbackHttpServer::go_down() {
  Impl& s = *impl_;
  run_on(*s.io, [&s] {
    if (s.down) return;
    s.down = true;
    ++s.generation;
    error_code ec;
    s.acceptor->close(ec);  // the accept loop ends (operation_aborted)
    // Every connection goes, mid-request or mid-response too: each one's coroutine sees the
    // error and ends, removing itself from `sessions`.
    for (auto& [id, weak] : s.sessions) {
      if (auto session = weak.lock()) session->close();
    }
  });
}

void LoopbackHttpServer::come_back() {
  Impl& s = *impl_;
  run_on(*s.io, [&s] {
    if (!s.down) return;
    s.acceptor.emplace(*s.io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port));  // reuse_address
    s.down = false;
    asio::co_spawn(*s.io, s.accept_loop(), asio::detached);
  });
}

bool LoopbackHttpServer::is_down() const noexcept { return impl_->down.load(); }

FullBacklogListener::FullBacklogListener() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 0) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return;
  }
  port_ = ntohs(address.sin_port);
  // Connects until one does not complete: the queue is then full. Linux queues backlog + 1.
  for (int i = 0; i < 16; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return;
    fillers_.push_back(fd);
    const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    if (rc == 0) continue;
    if (errno != EINPROGRESS) return;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 200) == 0) {
      ready_ = true;  // this one hangs: so will the client's
      return;
    }
  }
}

FullBacklogListener::~FullBacklogListener() {
  for (int fd : fillers_) ::close(fd);
  if (listener_ >= 0) ::close(listener_);
}

}  // namespace agentrace::testing
