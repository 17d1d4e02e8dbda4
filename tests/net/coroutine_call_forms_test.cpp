// HttpClient::send awaited the way a user first writes it: GCC 12 destroys a by-value argument of
// a call inside a co_await expression twice, so send() takes references and copies them before
// returning its awaitable.
#include <catch2/catch.hpp>

#include "agentrace/net/http_client.hpp"
#include "support/loopback_http_server.hpp"

using namespace agentrace;

TEST_CASE("co_await HttpClient::send works with the request as an lvalue or a temporary", "[net]") {
  testing::LoopbackHttpServer server([](const testing::ServerRequest& r) { return testing::ServerResponse::text(r.body); });
  asio::io_context io;
  net::HttpClient client(io.get_executor());
  std::vector<std::string> bodies;
  std::exception_ptr failure;

  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        net::HttpRequest request;
        request.method = "POST";
        request.url = server.url("/echo");
        request.body = std::string(100, 'b');  // on the heap
        net::RequestOptions options;
        options.on_headers = [padding = std::string(64, 'p')](const net::HttpResponse&) {};
        bodies.push_back((co_await client.send(request)).body);
        bodies.push_back((co_await client.send(request, options)).body);
        bodies.push_back((co_await client.send(net::HttpRequest(request), net::RequestOptions())).body);
      },
      [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);

  CHECK(bodies == std::vector<std::string>(3, std::string(100, 'b')));
}
