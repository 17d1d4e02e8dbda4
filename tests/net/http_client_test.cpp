// The HTTP client against real loopback servers: exchanges, keep-alive, streaming, every error
// kind and timeout phase, the blocking client, concurrency.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include "agentrace/net/http_client.hpp"
#include "agentrace/net/sse.hpp"
#include "net/net_test_support.hpp"
#include "support/loopback_http_server.hpp"

using namespace agentrace;
using namespace agentrace::net;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using testing::BodyPiece;
using testing::LoopbackHttpServer;
using testing::ServerRequest;
using testing::ServerResponse;

namespace {

// Answers with what it received: method, target, a header and the body.
ServerResponse echo(const ServerRequest& r) {
  auto response = ServerResponse::text(r.body);
  response.headers.emplace_back("X-Method", r.method);
  response.headers.emplace_back("X-Target", r.target);
  response.headers.emplace_back("X-Echo", std::string(r.header("x-echo")));
  return response;
}

HttpRequest get(std::string url) {
  HttpRequest r;
  r.url = std::move(url);
  return r;
}

// A port nothing listens on: bound, then released.
std::uint16_t closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace

TEST_CASE("http: GET and POST reach the server with their headers and body, and come back", "[net]") {
  LoopbackHttpServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor());

  HttpRequest request = get(server.url("/v1/items?limit=2"));
  request.headers.add("X-Echo", "hello");
  request.headers.add("Authorization", "Bearer sk-secret");
  HttpResponse response = testing::run_on(io, client.send(request));
  CHECK(response.status == 200);
  CHECK(response.ok());
  CHECK(response.reason == "OK");
  CHECK(response.body.empty());
  CHECK(response.headers.value("x-method") == "GET");
  CHECK(response.headers.value("X-TARGET") == "/v1/items?limit=2");
  CHECK(response.headers.value("x-echo") == "hello");
  CHECK(response.headers.value("content-type") == "text/plain");

  HttpRequest post = get(server.url("/v1/traces"));
  post.method = "POST";
  post.headers.add("Content-Type", "application/json");
  post.body = R"({"resourceSpans":[]})";
  response = testing::run_on(io, client.send(post));
  CHECK(response.body == post.body);
  CHECK(response.headers.value("x-method") == "POST");

  const auto seen = server.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].target == "/v1/items?limit=2");
  CHECK(seen[0].header("host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(seen[0].header("authorization") == "Bearer sk-secret");
  CHECK(seen[0].header("user-agent").substr(0, 10) == "agentrace/");
  CHECK(seen[1].header("content-length") == std::to_string(post.body.size()));
  CHECK(seen[1].header("content-type") == "application/json");
  CHECK(seen[1].body == post.body);
}

TEST_CASE("http: other methods, HEAD, error statuses and the caller's Host and User-Agent", "[net]") {
  LoopbackHttpServer server([](const ServerRequest& r) {
    if (r.target == "/missing") return ServerResponse::text(R"({"error":"not found"})", 404, "application/json");
    if (r.target == "/broken") return ServerResponse::text("upstream", 503);
    return echo(r);
  });
  asio::io_context io;
  ClientOptions options;
  options.user_agent = "";  // none
  HttpClient client(io.get_executor(), options);

  HttpRequest put = get(server.url("/x"));
  put.method = "PATCH";
  put.body = "p";
  put.headers.add("Host", "api.example.com");
  CHECK(testing::run_on(io, client.send(put)).headers.value("x-method") == "PATCH");

  HttpRequest head = get(server.url("/h"));
  head.method = "HEAD";
  HttpResponse h = testing::run_on(io, client.send(head));
  CHECK(h.status == 200);
  CHECK(h.body.empty());
  CHECK(h.headers.value("content-length") == "0");

  HttpResponse missing = testing::run_on(io, client.send(get(server.url("/missing"))));
  CHECK(missing.status == 404);
  CHECK_FALSE(missing.ok());
  CHECK(missing.reason == "Not Found");
  CHECK(missing.body == R"({"error":"not found"})");
  CHECK(testing::run_on(io, client.send(get(server.url("/broken")))).status == 503);

  const auto seen = server.requests();
  CHECK(seen[0].header("host") == "api.example.com");
  CHECK(seen[0].header("user-agent").empty());
  CHECK(server.connections_accepted() == 1);  // HEAD left the connection usable
}

TEST_CASE("http: keep-alive: three requests, one connection", "[net]") {
  LoopbackHttpServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor());
  for (int i = 0; i < 3; ++i) {
    HttpRequest r = get(server.url("/n"));
    r.method = "POST";
    r.body = "request " + std::to_string(i);
    CHECK(testing::run_on(io, client.send(r)).body == r.body);
  }
  CHECK(server.connections_accepted() == 1);
  CHECK(client.idle_connections() == 1);
  const auto seen = server.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[2].connection == 1);
  CHECK(seen[2].sequence == 3);
}

TEST_CASE("http: Connection: close from either side is honoured", "[net]") {
  LoopbackHttpServer server([](const ServerRequest& r) {
    auto response = echo(r);
    response.close = r.target == "/server-closes";
    return response;
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  testing::run_on(io, client.send(get(server.url("/server-closes"))));
  CHECK(client.idle_connections() == 0);
  HttpRequest r = get(server.url("/client-closes"));
  r.headers.add("Connection", "close");
  testing::run_on(io, client.send(r));
  CHECK(client.idle_connections() == 0);
  testing::run_on(io, client.send(get(server.url("/"))));
  CHECK(server.connections_accepted() == 3);
  CHECK(client.idle_connections() == 1);
}

TEST_CASE("http: a pooled connection the server closed while idle is not used", "[net]") {
  LoopbackHttpServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor());
  testing::run_on(io, client.send(get(server.url("/1"))));
  REQUIRE(client.idle_connections() == 1);
  server.close_idle_connections();  // the server's keep-alive timeout
  std::this_thread::sleep_for(50ms);  // the FIN reaches the client's socket
  HttpResponse response = testing::run_on(io, client.send(get(server.url("/2"))));
  CHECK(response.status == 200);
  // Recovered by the check of idle connections before reuse (or, had the FIN been late, by the
  // retry that the next test forces).
  CHECK(server.connections_accepted() == 2);
  CHECK(server.requests_received() == 2);
  CHECK(client.idle_connections() == 1);
}

TEST_CASE("http: a pooled connection that fails before any response byte is retried once on a fresh one", "[net]") {
  // The server takes the second request on the first connection and closes without answering:
  // the race of a keep-alive timeout with a new request, made deterministic.
  LoopbackHttpServer server([](const ServerRequest& r) {
    ServerResponse response = echo(r);
    response.drop = r.connection == 1 && r.sequence == 2;
    return response;
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  testing::run_on(io, client.send(get(server.url("/1"))));
  HttpRequest second = get(server.url("/2"));
  second.method = "POST";
  second.body = "once more";
  HttpResponse response = testing::run_on(io, client.send(second));
  CHECK(response.body == "once more");
  CHECK(server.connections_accepted() == 2);
  const auto seen = server.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[2].connection == 2);
  CHECK(seen[2].body == "once more");
}

TEST_CASE("http: no retry once part of the response has arrived, nor on a fresh connection", "[net]") {
  LoopbackHttpServer server([](const ServerRequest& r) {
    ServerResponse response = ServerResponse::text(std::string(100, 'x'));
    if (r.target == "/cut") response.close_after_body_bytes = 10;
    if (r.target == "/drop") response.drop = true;
    return response;
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  testing::run_on(io, client.send(get(server.url("/ok"))));  // pools a connection

  auto cut = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/cut")))); });
  CHECK(cut.kind() == HttpErrorKind::connection_closed);
  CHECK(server.requests_received() == 2);

  auto dropped = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/drop")))); });
  CHECK(dropped.kind() == HttpErrorKind::connection_closed);
  CHECK_THAT(dropped.what(), Contains("without a response"));
  CHECK(server.requests_received() == 3);  // fresh connection: not retried
}

TEST_CASE("http: a chunked response is assembled", "[net]") {
  LoopbackHttpServer server([](const ServerRequest&) {
    ServerResponse r;
    r.pieces = {{"Hello, "}, {"chunked "}, {std::string(40000, 'z')}, {"world"}};
    return r;
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  HttpResponse response = testing::run_on(io, client.send(get(server.url("/"))));
  CHECK(response.headers.value("transfer-encoding") == "chunked");
  CHECK(response.body == "Hello, chunked " + std::string(40000, 'z') + "world");
  // Twice: the connection is reusable after a chunked body.
  CHECK(testing::run_on(io, client.send(get(server.url("/")))).body.size() == response.body.size());
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("http: a streamed SSE body reaches the callback as it arrives, in order", "[net]") {
  // Events split mid-line and mid-CRLF across chunks written 80 ms apart.
  const std::vector<std::string> pieces = {"data: {\"delta\":\"Hel\"}\r", "\n\r\ndata: {\"delta\":\"lo\"}\n",
                                           "\nevent: done\nda", "ta: [DONE]\n\n"};
  LoopbackHttpServer server([&](const ServerRequest&) {
    std::vector<BodyPiece> body;
    for (const auto& p : pieces) body.push_back({p, 80ms});
    return ServerResponse::event_stream(body);
  });
  asio::io_context io;
  HttpClient client(io.get_executor());

  const auto start = testing::Clock::now();
  long long headers_at = -1;
  std::vector<long long> chunk_at;
  std::string streamed;
  SseParser parser;
  std::vector<SseEvent> events;
  RequestOptions options;
  options.on_headers = [&](const HttpResponse& r) {
    headers_at = testing::ms_since(start);
    CHECK(r.status == 200);
    CHECK(r.headers.value("content-type") == "text/event-stream");
    CHECK(r.body.empty());
  };
  options.on_body_chunk = [&](std::string_view bytes) {
    chunk_at.push_back(testing::ms_since(start));
    streamed.append(bytes);
    for (auto& e : parser.feed(bytes)) events.push_back(std::move(e));
  };
  HttpResponse response = testing::run_on(io, client.send(get(server.url("/stream")), options));
  const long long done_at = testing::ms_since(start);
  CHECK_FALSE(parser.finish());

  CHECK(response.body.empty());  // streamed, not accumulated
  std::string all;
  for (const auto& p : pieces) all += p;
  CHECK(streamed == all);
  REQUIRE(events.size() == 3);
  CHECK(events[0].data == R"({"delta":"Hel"})");
  CHECK(events[1].data == R"({"delta":"lo"})");
  CHECK(events[2].event == "done");
  CHECK(events[2].data == "[DONE]");
  // Streaming, not buffering: the header came before the body, and the first bytes long before
  // the last piece was even written (three more 80 ms delays after it).
  REQUIRE_FALSE(chunk_at.empty());
  CHECK(headers_at >= 0);
  CHECK(headers_at <= chunk_at.front());
  CHECK(chunk_at.front() + 150 < done_at);
  CHECK(chunk_at.size() >= 2);

  options.keep_body = true;
  streamed.clear();
  response = testing::run_on(io, client.send(get(server.url("/stream")), options));
  CHECK(response.body == all);
  CHECK(streamed == all);
}

TEST_CASE("http: an exception from a callback ends the request and propagates", "[net]") {
  LoopbackHttpServer server([](const ServerRequest&) {
    return ServerResponse::event_stream({{"data: 1\n\n", 0ms}, {"data: 2\n\n", 50ms}});
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  RequestOptions options;
  options.on_body_chunk = [](std::string_view) { throw std::runtime_error("consumer gave up"); };
  CHECK_THROWS_WITH(testing::run_on(io, client.send(get(server.url("/")), options)), "consumer gave up");
  CHECK(client.idle_connections() == 0);  // a half-read connection is not pooled
  CHECK(testing::run_on(io, client.send(get(server.url("/")))).status == 200);
  CHECK(server.connections_accepted() == 2);
}

TEST_CASE("http: connection refused is a connect error", "[net]") {
  asio::io_context io;
  HttpClient client(io.get_executor());
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1/secret-path?key=abc";
  auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get(url))); });
  CHECK(e.kind() == HttpErrorKind::connect);
  CHECK_THAT(e.what(), Contains("GET http://127.0.0.1:") && Contains("cannot connect") && Contains("refused"));
  CHECK_THAT(e.what(), !Contains("secret-path") && !Contains("key=abc"));  // the target may carry secrets
}

TEST_CASE("http: a server that goes down refuses connections and drops its own, then serves again on its port", "[net]") {
  testing::ServerOptions options;
  options.keep_requests = false;
  LoopbackHttpServer server(echo, options);
  SyncHttpClient client;
  const std::string url = server.url("/v1/traces");
  CHECK(client.send(get(url)).status == 200);
  REQUIRE(client.idle_connections() == 1);
  CHECK(server.open_connections() == 1);

  server.go_down();
  server.go_down();  // twice: nothing more
  CHECK(server.is_down());
  // The pooled connection is closed: the client tries a fresh one, which is refused.
  CHECK(testing::http_error_of([&] { (void)client.send(get(url)); }).kind() == HttpErrorKind::connect);

  server.come_back();
  server.come_back();
  CHECK_FALSE(server.is_down());
  CHECK(server.url("/v1/traces") == url);  // the same port
  CHECK(server.open_connections() == 0);    // the pooled connection went with the server
  CHECK(client.send(get(url)).status == 200);
  CHECK(server.requests_received() == 2);
  CHECK(server.requests().empty());  // keep_requests off: nothing journaled
}

TEST_CASE("http: an unknown host is a dns error", "[net]") {
  asio::io_context io;
  HttpClient client(io.get_executor());
  auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get("http://nonexistent.invalid/"))); });
  CHECK(e.kind() == HttpErrorKind::dns);
  CHECK_THAT(e.what(), Contains("cannot resolve host 'nonexistent.invalid'"));
}

TEST_CASE("http: requests that cannot be sent fail before any I/O", "[net]") {
  LoopbackHttpServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor());
  auto bad_url = testing::http_error_of([&] { testing::run_on(io, client.send(get("ftp://example.com/"))); });
  CHECK(bad_url.kind() == HttpErrorKind::invalid_request);
  CHECK_THAT(bad_url.what(), Contains("scheme 'ftp'"));

  HttpRequest injected = get(server.url("/"));
  injected.headers.add("X-Api-Key", "sk-secret\r\nX-Injected: 1");
  auto bad_value = testing::http_error_of([&] { testing::run_on(io, client.send(injected)); });
  CHECK(bad_value.kind() == HttpErrorKind::invalid_request);
  CHECK_THAT(bad_value.what(), Contains("X-Api-Key") && !Contains("sk-secret"));

  HttpRequest bad_name = get(server.url("/"));
  bad_name.headers.add("Bad Name", "v");
  CHECK(testing::http_error_of([&] { testing::run_on(io, client.send(bad_name)); }).kind() ==
        HttpErrorKind::invalid_request);
  HttpRequest bad_method = get(server.url("/"));
  bad_method.method = "GET /x";
  CHECK(testing::http_error_of([&] { testing::run_on(io, client.send(bad_method)); }).kind() ==
        HttpErrorKind::invalid_request);
  CHECK(server.connections_accepted() == 0);
}

TEST_CASE("http: the server closing mid-body is connection_closed", "[net]") {
  LoopbackHttpServer server([](const ServerRequest& r) {
    if (r.target == "/length") {
      ServerResponse response = ServerResponse::text(std::string(1000, 'a'));
      response.close_after_body_bytes = 300;
      return response;
    }
    ServerResponse response = ServerResponse::event_stream({{"data: 1\n\n"}, {"data: 2\n\n", 20ms}});
    response.close_after_body_bytes = 12;  // inside the second chunk, before the last one
    return response;
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  auto length = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/length")))); });
  CHECK(length.kind() == HttpErrorKind::connection_closed);
  CHECK_THAT(length.what(), Contains("mid-body after 300 of 1000 body bytes"));

  std::string streamed;
  RequestOptions options;
  options.on_body_chunk = [&](std::string_view bytes) { streamed.append(bytes); };
  auto chunked = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/sse")), options)); });
  CHECK(chunked.kind() == HttpErrorKind::connection_closed);
  CHECK_THAT(chunked.what(), Contains("mid-body"));
  CHECK(streamed == "data: 1\n\ndat");  // what did arrive was delivered
}

TEST_CASE("http: garbage instead of a response is a protocol error", "[net]") {
  LoopbackHttpServer server([](const ServerRequest& r) {
    ServerResponse response;
    if (r.target == "/garbage") response.raw = "SSH-2.0-OpenSSH_9.2\r\n\r\n";
    if (r.target == "/bad-chunk") response.raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n";
    if (r.target == "/bad-length") response.raw = "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n";
    if (r.target == "/huge-header") {
      response.raw = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(70'000, 'h') + "\r\nContent-Length: 0\r\n\r\n";
    }
    return response;
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  for (const char* target : {"/garbage", "/bad-chunk", "/bad-length"}) {
    INFO(target);
    auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url(target)))); });
    CHECK(e.kind() == HttpErrorKind::protocol);
    CHECK_THAT(e.what(), Contains("malformed response"));
  }
  auto huge = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/huge-header")))); });
  CHECK(huge.kind() == HttpErrorKind::protocol);
  CHECK_THAT(huge.what(), Contains("header exceeds the limit of 65536 bytes"));
}

TEST_CASE("http: interim 1xx responses are skipped, and a body ended by the close is read to its end", "[net]") {
  LoopbackHttpServer server([](const ServerRequest& r) {
    ServerResponse response;
    if (r.target == "/interim") {
      response.raw = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                     "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    }
    if (r.target == "/until-close") response.raw = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nread until EOF";
    return response;
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  HttpResponse interim = testing::run_on(io, client.send(get(server.url("/interim"))));
  CHECK(interim.status == 201);
  CHECK(interim.body == "ok");
  HttpResponse until_close = testing::run_on(io, client.send(get(server.url("/until-close"))));
  CHECK(until_close.status == 200);
  CHECK(until_close.body == "read until EOF");
  CHECK(client.idle_connections() == 0);
}

TEST_CASE("http: a body over the limit is body_too_large, declared or streamed", "[net]") {
  LoopbackHttpServer server([](const ServerRequest& r) {
    if (r.target == "/declared") return ServerResponse::text(std::string(5000, 'x'));
    return ServerResponse::event_stream({{std::string(600, 'y')}, {std::string(600, 'y')}});
  });
  asio::io_context io;
  ClientOptions options;
  options.max_body_bytes = 1000;
  HttpClient client(io.get_executor(), options);

  auto declared = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/declared")))); });
  CHECK(declared.kind() == HttpErrorKind::body_too_large);
  CHECK_THAT(declared.what(), Contains("1000 bytes"));
  auto streamed = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/chunked")))); });
  CHECK(streamed.kind() == HttpErrorKind::body_too_large);

  RequestOptions bigger;
  bigger.max_body_bytes = 10'000;
  CHECK(testing::run_on(io, client.send(get(server.url("/declared")), bigger)).body.size() == 5000);
  CHECK(testing::run_on(io, client.send(get(server.url("/chunked")), bigger)).body.size() == 1200);
}

TEST_CASE("http: first_byte timeout: no response header in time", "[net]") {
  LoopbackHttpServer server([](const ServerRequest&) {
    ServerResponse response = ServerResponse::text("late");
    response.header_delay = 1500ms;
    return response;
  });
  asio::io_context io;
  ClientOptions options;
  options.timeouts.first_byte = 200ms;
  HttpClient client(io.get_executor(), options);
  const auto start = testing::Clock::now();
  auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/")))); });
  const auto elapsed = testing::ms_since(start);
  CHECK(e.kind() == HttpErrorKind::timeout);
  CHECK(e.timeout_phase() == TimeoutPhase::first_byte);
  CHECK_THAT(e.what(), Contains("timeout (first_byte)") && Contains("200 ms"));
  CHECK(elapsed >= 200);
  CHECK(elapsed < 1000);

  // A per-request override lets the slow server answer.
  RequestOptions patient;
  patient.timeouts.first_byte = 5000ms;
  CHECK(testing::run_on(io, client.send(get(server.url("/")), patient)).body == "late");
}

TEST_CASE("http: total timeout: a stream that does not end in time", "[net]") {
  LoopbackHttpServer server([](const ServerRequest&) {
    std::vector<BodyPiece> pieces(20, BodyPiece{"data: tick\n\n", 100ms});
    return ServerResponse::event_stream(pieces);
  });
  asio::io_context io;
  ClientOptions options;
  options.timeouts.total = 450ms;
  HttpClient client(io.get_executor(), options);
  std::size_t chunks = 0;
  RequestOptions streaming;
  streaming.on_body_chunk = [&](std::string_view) { ++chunks; };
  const auto start = testing::Clock::now();
  auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/")), streaming)); });
  const auto elapsed = testing::ms_since(start);
  CHECK(e.kind() == HttpErrorKind::timeout);
  CHECK(e.timeout_phase() == TimeoutPhase::total);
  CHECK_THAT(e.what(), Contains("timeout (total)") && Contains("450 ms"));
  CHECK(elapsed >= 450);
  CHECK(elapsed < 1200);
  CHECK(chunks >= 2);  // the stream was flowing when the deadline cut it
}

TEST_CASE("http: body_idle timeout: a stream that stalls", "[net]") {
  LoopbackHttpServer server([](const ServerRequest&) {
    return ServerResponse::event_stream({{"data: 1\n\n", 0ms}, {"data: 2\n\n", 1500ms}});
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  RequestOptions options;
  options.timeouts.body_idle = 200ms;
  const auto start = testing::Clock::now();
  auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/")), options)); });
  CHECK(e.timeout_phase() == TimeoutPhase::body_idle);
  CHECK(testing::ms_since(start) < 1200);
}

TEST_CASE("http: connect timeout against a listener whose accept queue is full", "[net]") {
  testing::FullBacklogListener blackhole;
  if (!blackhole.ready()) {
    WARN("this kernel accepts or refuses connections beyond the backlog: connect timeout not testable here");
    return;
  }
  asio::io_context io;
  ClientOptions options;
  options.timeouts.connect = 300ms;
  HttpClient client(io.get_executor(), options);
  const auto start = testing::Clock::now();
  auto e = testing::http_error_of(
      [&] { testing::run_on(io, client.send(get("http://127.0.0.1:" + std::to_string(blackhole.port()) + "/"))); });
  const auto elapsed = testing::ms_since(start);
  CHECK(e.kind() == HttpErrorKind::timeout);
  CHECK(e.timeout_phase() == TimeoutPhase::connect);
  CHECK(elapsed >= 300);
  CHECK(elapsed < 1100);
}

TEST_CASE("http: tls_handshake timeout against a server that never answers", "[net]") {
  testing::ServerOptions silent;
  silent.silent = true;
  LoopbackHttpServer server(echo, silent);
  asio::io_context io;
  ClientOptions options;
  options.timeouts.tls_handshake = 250ms;
  HttpClient client(io.get_executor(), options);
  const auto start = testing::Clock::now();
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get(url))); });
  CHECK(e.kind() == HttpErrorKind::timeout);
  CHECK(e.timeout_phase() == TimeoutPhase::tls_handshake);
  CHECK(testing::ms_since(start) >= 250);
  CHECK(testing::ms_since(start) < 1100);
}

TEST_CASE("http: the total limit names the phase it cut short as total", "[net]") {
  LoopbackHttpServer server([](const ServerRequest&) {
    ServerResponse response = ServerResponse::text("late");
    response.header_delay = 1500ms;
    return response;
  });
  asio::io_context io;
  HttpClient client(io.get_executor());  // first_byte 300 s by default
  RequestOptions options;
  options.timeouts.total = 200ms;
  auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/")), options)); });
  CHECK(e.timeout_phase() == TimeoutPhase::total);
}

TEST_CASE("http: SyncHttpClient blocks a plain thread, with keep-alive across calls", "[net]") {
  LoopbackHttpServer server(echo);
  std::vector<std::string> bodies;
  std::optional<HttpError> error;
  std::thread exporter([&] {
    SyncHttpClient client;
    for (int i = 0; i < 3; ++i) {
      HttpRequest r = get(server.url("/v1/traces"));
      r.method = "POST";
      r.body = "batch " + std::to_string(i);
      bodies.push_back(client.send(r).body);
    }
    try {
      HttpRequest refused = get("http://127.0.0.1:" + std::to_string(closed_port()) + "/");
      client.send(refused);
    } catch (const HttpError& e) {
      error = e;
    }
    ClientOptions no_reuse;
    no_reuse.max_idle_per_origin = 0;
    HttpResponse one_shot = SyncHttpClient(no_reuse).send(get(server.url("/one-shot")));
    bodies.emplace_back(one_shot.headers.value("x-target"));
  });
  exporter.join();
  CHECK(bodies == std::vector<std::string>{"batch 0", "batch 1", "batch 2", "/one-shot"});
  CHECK(server.connections_accepted() == 2);  // the three batches shared one
  REQUIRE(error);
  CHECK(error->kind() == HttpErrorKind::connect);
}

TEST_CASE("http: many concurrent requests on one client, on two threads", "[net]") {
  LoopbackHttpServer server([](const ServerRequest& r) {
    ServerResponse response = echo(r);
    response.header_delay = 10ms;
    if (r.target == "/stream") response.pieces = {{r.body.substr(0, 3), 5ms}, {r.body.substr(3), 5ms}};
    return response;
  });
  asio::thread_pool pool(2);
  ClientOptions options;
  options.max_idle_per_origin = 8;
  HttpClient client(pool.get_executor(), options);

  constexpr int n = 64;
  std::mutex mutex;
  std::vector<std::string> bodies(n);
  std::atomic<int> failures{0};
  std::atomic<int> streamed_chunks{0};
  std::atomic<int> done{0};
  for (int i = 0; i < n; ++i) {
    HttpRequest r = get(server.url(i % 2 == 0 ? "/plain" : "/stream"));
    r.method = "POST";
    r.body = "request number " + std::to_string(i);
    RequestOptions ro;
    if (i % 2 == 1) {
      ro.keep_body = true;
      ro.on_body_chunk = [&](std::string_view) { ++streamed_chunks; };
    }
    asio::co_spawn(pool, client.send(std::move(r), std::move(ro)), [&, i](std::exception_ptr e, HttpResponse response) {
      if (e) {
        ++failures;
      } else {
        std::lock_guard lock(mutex);
        bodies[static_cast<std::size_t>(i)] = response.body;
      }
      ++done;
    });
  }
  pool.join();
  CHECK(done == n);
  CHECK(failures == 0);
  for (int i = 0; i < n; ++i) CHECK(bodies[static_cast<std::size_t>(i)] == "request number " + std::to_string(i));
  CHECK(streamed_chunks >= n / 2);
  CHECK(server.requests_received() == static_cast<std::size_t>(n));
  CHECK(server.connections_accepted() <= static_cast<std::size_t>(n));
  CHECK(client.idle_connections() <= 8);
}

TEST_CASE("http: the client may be destroyed while a request is in flight", "[net]") {
  LoopbackHttpServer server([](const ServerRequest& r) {
    ServerResponse response = echo(r);
    response.header_delay = 50ms;
    return response;
  });
  asio::io_context io;
  std::optional<HttpResponse> result;
  {
    HttpClient client(io.get_executor());
    asio::co_spawn(io, client.send(get(server.url("/late"))), [&](std::exception_ptr e, HttpResponse response) {
      if (!e) result = std::move(response);
    });
  }
  io.run();
  REQUIRE(result);
  CHECK(result->headers.value("x-target") == "/late");
}
