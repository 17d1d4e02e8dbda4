// http and https URLs, parsed once into the parts a client connects with.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agentrace::net {

// A URL that parse_url() rejected; what() says which part is wrong and quotes the input.
class UrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Url {
  std::string scheme;      // "http" or "https", lower case
  std::string host;        // a DNS name (lower case), an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 0;  // explicit, or 80 / 443 from the scheme
  std::string target;      // path and query as sent in the request line: "/v1/traces?x=1"; never empty

  [[nodiscard]] bool is_https() const noexcept { return scheme == "https"; }
  [[nodiscard]] bool is_ipv6() const noexcept { return host.find(':') != std::string::npos; }
  [[nodiscard]] bool default_port() const noexcept { return port == (is_https() ? 443 : 80); }
  // The Host header: the host (IPv6 in brackets), with the port unless it is the scheme's default.
  [[nodiscard]] std::string host_header() const;
  // scheme://host:port, always with the port: what error messages name (never the target, which
  // may carry a key in its query) and what connections are pooled by.
  [[nodiscard]] std::string origin() const;
  // The whole URL again (the fragment, never sent, is gone).
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const Url&, const Url&) = default;
};

// Parses an absolute http or https URL. Accepted: scheme (any case), optional port, optional
// path, query; a fragment is dropped. Rejected with UrlError: other schemes, user info
// (credentials belong in headers), an empty host, bad characters in a host, a port that is not
// 1..65535, an unclosed IPv6 bracket, whitespace or control characters anywhere.
Url parse_url(std::string_view text);

// `text` with the user information of every URL in it ("user:password@" after "://") replaced by
// "<credentials>@", for quoting a URL a user wrote in a message: a password must not reach a log.
std::string without_credentials(std::string_view text);

}  // namespace agentrace::net
