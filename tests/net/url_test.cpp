#include <catch2/catch.hpp>

#include "agentrace/net/url.hpp"

using namespace agentrace::net;
using Catch::Matchers::Contains;

TEST_CASE("parse_url: the parts of http and https URLs, with the scheme's default port", "[net]") {
  Url u = parse_url("http://example.com/v1/traces");
  CHECK(u.scheme == "http");
  CHECK(u.host == "example.com");
  CHECK(u.port == 80);
  CHECK(u.target == "/v1/traces");
  CHECK_FALSE(u.is_https());
  CHECK(u.default_port());
  CHECK(u.host_header() == "example.com");
  CHECK(u.origin() == "http://example.com:80");

  u = parse_url("https://api.openai.com/v1/chat/completions?stream=true&x=1");
  CHECK(u.is_https());
  CHECK(u.port == 443);
  CHECK(u.target == "/v1/chat/completions?stream=true&x=1");
  CHECK(u.origin() == "https://api.openai.com:443");
}

TEST_CASE("parse_url: explicit ports, case, empty paths, queries and fragments", "[net]") {
  Url u = parse_url("HTTPS://API.Example.COM:8443");
  CHECK(u.scheme == "https");
  CHECK(u.host == "api.example.com");
  CHECK(u.port == 8443);
  CHECK(u.target == "/");
  CHECK(u.host_header() == "api.example.com:8443");
  CHECK(u.to_string() == "https://api.example.com:8443/");

  CHECK(parse_url("http://h?q=1").target == "/?q=1");
  CHECK(parse_url("http://h/a/b?q=1#frag").target == "/a/b?q=1");
  CHECK(parse_url("http://h#frag").target == "/");
  CHECK(parse_url("http://127.0.0.1:4318/v1/traces").host == "127.0.0.1");
  CHECK(parse_url("http://h:80/").default_port());
  CHECK(parse_url("http://h:80/").host_header() == "h");
  CHECK(parse_url("http://h:65535/").port == 65535);
  CHECK(parse_url("http://h:1/").port == 1);
}

TEST_CASE("parse_url: IPv6 literals in brackets", "[net]") {
  Url u = parse_url("http://[::1]:8080/x");
  CHECK(u.host == "::1");
  CHECK(u.is_ipv6());
  CHECK(u.port == 8080);
  CHECK(u.target == "/x");
  CHECK(u.host_header() == "[::1]:8080");
  CHECK(u.origin() == "http://[::1]:8080");

  u = parse_url("https://[2001:DB8::A]/");
  CHECK(u.host == "2001:db8::a");
  CHECK(u.port == 443);
  CHECK(u.host_header() == "[2001:db8::a]");
  CHECK(parse_url("http://[::ffff:127.0.0.1]/").host == "::ffff:127.0.0.1");
}

TEST_CASE("parse_url: rejects what it cannot use, saying why", "[net]") {
  CHECK_THROWS_AS(parse_url("ftp://example.com/"), UrlError);
  CHECK_THROWS_AS(parse_url("http://h:0/"), std::invalid_argument);
  CHECK_THROWS_WITH(parse_url("ftp://example.com/"), Contains("ftp://example.com/") && Contains("scheme 'ftp'"));
  CHECK_THROWS_WITH(parse_url("example.com/x"), Contains("no scheme"));
  CHECK_THROWS_WITH(parse_url("http://"), Contains("empty host"));
  CHECK_THROWS_WITH(parse_url("http:///path"), Contains("empty host"));
  CHECK_THROWS_WITH(parse_url("http://:8080/"), Contains("empty host"));
  CHECK_THROWS_WITH(parse_url("http://h:/"), Contains("empty port"));
  CHECK_THROWS_WITH(parse_url("http://h:0/"), Contains("port 0"));
  CHECK_THROWS_WITH(parse_url("http://h:65536/"), Contains("port 65536"));
  CHECK_THROWS_WITH(parse_url("http://h:123456/"), Contains("'123456'"));
  CHECK_THROWS_WITH(parse_url("http://h:8o/"), Contains("'8o' is not a number"));
  CHECK_THROWS_WITH(parse_url("http://user:secret@h/"), Contains("user information"));
  CHECK_THROWS_WITH(parse_url("http://[::1/"), Contains("closing ']'"));
  CHECK_THROWS_WITH(parse_url("http://[]/"), Contains("not an IPv6 address"));
  CHECK_THROWS_WITH(parse_url("http://[zz::1]/"), Contains("not an IPv6 address"));
  CHECK_THROWS_WITH(parse_url("http://[127.0.0.1]/"), Contains("not an IPv6 address"));
  CHECK_THROWS_WITH(parse_url("http://[::1]x/"), Contains("after ']'"));
  CHECK_THROWS_WITH(parse_url("http://ho%st/"), Contains("'%' is not allowed"));
  CHECK_THROWS_WITH(parse_url("http://ho st/"), Contains("whitespace"));
  CHECK_THROWS_WITH(parse_url("http://h/a\nb"), Contains("control character"));
  CHECK_THROWS_WITH(parse_url(""), Contains("no scheme"));
}
