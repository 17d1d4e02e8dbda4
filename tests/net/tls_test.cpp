// HTTPS against loopback servers whose certificates are made at start: trust, rejection with a
// clear reason, host name checks, SNI, keep-alive and streaming over TLS.
#include <catch2/catch.hpp>

#include <thread>

#include "agentrace/net/http_client.hpp"
#include "net/net_test_support.hpp"
#include "support/loopback_http_server.hpp"

using namespace agentrace;
using namespace agentrace::net;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using testing::LoopbackHttpServer;
using testing::ServerOptions;
using testing::ServerRequest;
using testing::ServerResponse;

namespace {

ServerResponse hello(const ServerRequest& r) { return ServerResponse::text("secure " + r.target); }

HttpRequest get(std::string url) {
  HttpRequest r;
  r.url = std::move(url);
  return r;
}

ServerOptions tls(std::vector<std::string> names = {"127.0.0.1", "localhost"}, bool self_signed = false) {
  ServerOptions o;
  o.tls = true;
  o.certificate_names = std::move(names);
  o.self_signed = self_signed;
  return o;
}

ClientOptions trusting(const LoopbackHttpServer& server) {
  ClientOptions o;
  o.ca_file = server.ca_file().string();
  return o;
}

}  // namespace

TEST_CASE("tls: a server the system store does not trust is rejected with the reason", "[net]") {
  LoopbackHttpServer server(hello, tls());
  asio::io_context io;
  HttpClient client(io.get_executor());
  auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/")))); });
  CHECK(e.kind() == HttpErrorKind::certificate);
  CHECK_THAT(e.what(), Contains("TLS certificate verification failed") &&
                           Contains("unable to get local issuer certificate") && Contains("ca_file"));
  CHECK(server.requests_received() == 0);
}

TEST_CASE("tls: a self-signed server is rejected by default and accepted once trusted", "[net]") {
  LoopbackHttpServer server(hello, tls({"127.0.0.1", "localhost"}, true));
  asio::io_context io;
  {
    HttpClient client(io.get_executor());
    auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/")))); });
    CHECK(e.kind() == HttpErrorKind::certificate);
    CHECK_THAT(e.what(), Contains("certificate verification failed") && Contains("self-signed certificate"));
  }
  HttpClient client(io.get_executor(), trusting(server));
  CHECK(testing::run_on(io, client.send(get(server.url("/ok")))).body == "secure /ok");
}

TEST_CASE("tls: with the test CA trusted: requests, keep-alive, SNI", "[net]") {
  LoopbackHttpServer server(hello, tls());
  asio::io_context io;
  HttpClient client(io.get_executor(), trusting(server));
  for (int i = 0; i < 3; ++i) {
    HttpRequest r = get(server.url("/n" + std::to_string(i)));
    r.method = "POST";
    r.body = "b";
    CHECK(testing::run_on(io, client.send(r)).body == "secure /n" + std::to_string(i));
  }
  CHECK(server.connections_accepted() == 1);

  // By name: SNI carries it; by address it carries nothing (RFC 6066 allows names only).
  const std::string by_name = "https://localhost:" + std::to_string(server.port()) + "/by-name";
  CHECK(testing::run_on(io, client.send(get(by_name))).body == "secure /by-name");
  const auto seen = server.requests();
  REQUIRE(seen.size() == 4);
  CHECK(seen[0].tls_server_name.empty());
  CHECK(seen[3].tls_server_name == "localhost");
  CHECK(seen[3].header("host") == "localhost:" + std::to_string(server.port()));
}

TEST_CASE("tls: a trusted certificate for another name is rejected", "[net]") {
  LoopbackHttpServer server(hello, tls({"collector.example"}));
  asio::io_context io;
  HttpClient client(io.get_executor(), trusting(server));

  auto by_address = testing::http_error_of([&] { testing::run_on(io, client.send(get(server.url("/")))); });
  CHECK(by_address.kind() == HttpErrorKind::certificate);
  CHECK_THAT(by_address.what(), Contains("certificate verification failed") && Contains("IP address mismatch"));

  const std::string by_name = "https://localhost:" + std::to_string(server.port()) + "/";
  auto name = testing::http_error_of([&] { testing::run_on(io, client.send(get(by_name))); });
  CHECK(name.kind() == HttpErrorKind::certificate);
  CHECK_THAT(name.what(), Contains("hostname mismatch"));
  CHECK(server.requests_received() == 0);
}

TEST_CASE("tls: verification can be turned off for a test server", "[net]") {
  LoopbackHttpServer server(hello, tls({"collector.example"}));
  asio::io_context io;
  ClientOptions options;
  options.verify_certificates = false;
  HttpClient client(io.get_executor(), options);
  CHECK(testing::run_on(io, client.send(get(server.url("/insecure")))).body == "secure /insecure");
}

TEST_CASE("tls: streaming and a closed idle connection over TLS", "[net]") {
  LoopbackHttpServer server(
      [](const ServerRequest& r) {
        if (r.target == "/stream") return ServerResponse::event_stream({{"data: a\n\n", 20ms}, {"data: b\n\n", 20ms}});
        return hello(r);
      },
      tls());
  asio::io_context io;
  HttpClient client(io.get_executor(), trusting(server));
  std::string streamed;
  RequestOptions options;
  options.on_body_chunk = [&](std::string_view bytes) { streamed.append(bytes); };
  testing::run_on(io, client.send(get(server.url("/stream")), options));
  CHECK(streamed == "data: a\n\ndata: b\n\n");

  server.close_idle_connections();
  std::this_thread::sleep_for(50ms);
  CHECK(testing::run_on(io, client.send(get(server.url("/after")))).body == "secure /after");
  CHECK(server.connections_accepted() == 2);
}

TEST_CASE("tls: https to a plain HTTP server is a handshake error, not a certificate one", "[net]") {
  LoopbackHttpServer server(hello);
  asio::io_context io;
  HttpClient client(io.get_executor());
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto e = testing::http_error_of([&] { testing::run_on(io, client.send(get(url))); });
  CHECK(e.kind() == HttpErrorKind::tls_handshake);
  CHECK_THAT(e.what(), Contains("TLS handshake failed"));
}

TEST_CASE("tls: a CA file that cannot be loaded is an error at construction", "[net]") {
  asio::io_context io;
  ClientOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  CHECK_THROWS_WITH(HttpClient(io.get_executor(), options), Contains("cannot load the CA file '/nonexistent/ca.pem'"));
}
