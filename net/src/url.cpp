#include "agentrace/net/url.hpp"

#include <algorithm>
#include <cctype>

namespace agentrace::net {
namespace {

[[noreturn]] void fail(std::string_view text, const std::string& why) {
  throw UrlError("invalid URL '" + without_credentials(text) + "': " + why);
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// RFC 3986 reg-name characters less percent-encoding, which DNS names do not need.
bool is_host_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::uint16_t parse_port(std::string_view text, std::string_view digits) {
  if (digits.empty()) fail(text, "empty port after ':'");
  if (digits.size() > 5 || !std::all_of(digits.begin(), digits.end(), is_digit)) {
    fail(text, "port '" + std::string(digits) + "' is not a number from 1 to 65535");
  }
  unsigned long value = std::stoul(std::string(digits));
  if (value == 0 || value > 65535) fail(text, "port " + std::string(digits) + " is not in 1..65535");
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string without_credentials(std::string_view text) {
  std::string out;
  for (;;) {
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) break;
    const std::size_t authority = scheme_end + 3;
    const auto authority_end = std::min(text.find_first_of("/?# \t\n\"'", authority), text.size());
    const auto at = text.substr(authority, authority_end - authority).rfind('@');
    out += text.substr(0, authority);
    if (at != std::string_view::npos) {
      out += "<credentials>";
      text.remove_prefix(authority + at);
    } else {
      text.remove_prefix(authority);
    }
  }
  out += text;
  return out;
}

std::string Url::host_header() const {
  std::string out = is_ipv6() ? "[" + host + "]" : host;
  if (!default_port()) out += ":" + std::to_string(port);
  return out;
}

std::string Url::origin() const {
  return scheme + "://" + (is_ipv6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Url::to_string() const { return scheme + "://" + host_header() + target; }

Url parse_url(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) fail(text, "contains whitespace or a control character");
  }
  const auto colon = text.find("://");
  if (colon == std::string_view::npos) fail(text, "no scheme (expected http:// or https://)");
  Url url;
  for (char c : text.substr(0, colon)) url.scheme += lower(c);
  if (url.scheme != "http" && url.scheme != "https") {
    fail(text, "scheme '" + url.scheme + "' is not supported (only http and https)");
  }

  std::string_view rest = text.substr(colon + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    fail(text, "user information before '@' is not supported (send credentials in a header)");
  }
  if (authority.empty()) fail(text, "empty host");

  std::string_view port_text;
  bool has_port = false;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) fail(text, "'[' without a closing ']' in the host");
    const std::string_view v6 = authority.substr(1, close - 1);
    if (v6.empty() || v6.find(':') == std::string_view::npos ||
        !std::all_of(v6.begin(), v6.end(), [](char c) { return is_hex(c) || c == ':' || c == '.'; })) {
      fail(text, "'" + std::string(v6) + "' is not an IPv6 address");
    }
    for (char c : v6) url.host += lower(c);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail(text, "unexpected characters after ']'");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const auto port_colon = authority.find(':');
    const std::string_view host = authority.substr(0, port_colon);
    if (port_colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(port_colon + 1);
    }
    if (host.empty()) fail(text, "empty host");
    for (char c : host) {
      if (!is_host_char(c)) fail(text, std::string("character '") + c + "' is not allowed in a host name");
      url.host += lower(c);
    }
  }
  url.port = has_port ? parse_port(text, port_text) : static_cast<std::uint16_t>(url.is_https() ? 443 : 80);

  const std::string_view target = rest.substr(0, rest.find('#'));
  if (target.empty() || target.front() == '?') {
    url.target = "/" + std::string(target);
  } else {
    url.target = std::string(target);
  }
  return url;
}

}  // namespace agentrace::net
