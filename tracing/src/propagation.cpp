#include "agentrace/tracing/propagation.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace agentrace::tracing {
namespace {

constexpr std::size_t traceparent_v00_size = 55;
constexpr std::size_t tracestate_max_members = 32;

bool is_lower_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool all_lower_hex(std::string_view text) noexcept { return std::all_of(text.begin(), text.end(), is_lower_hex); }

bool is_lcalpha(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha(char c) noexcept { return is_lcalpha(c) || (c >= 'A' && c <= 'Z'); }

// OWS in both W3C headers is RFC 7230's: spaces and horizontal tabs only.
std::string_view trim_ows(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Calls `member(item)` for each comma-separated item, OWS-trimmed; stops early when it returns false.
template <typename F>
bool for_each_list_item(std::string_view list, char separator, F&& member) {
  while (true) {
    const auto comma = list.find(separator);
    if (!member(trim_ows(list.substr(0, comma)))) return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

// --- tracestate (W3C Trace Context, level 1 key grammar) -----------------------------------

bool is_tracestate_keychar(char c) noexcept {
  return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

bool valid_tracestate_key_part(std::string_view part, std::size_t max_size, bool digit_first) noexcept {
  if (part.empty() || part.size() > max_size) return false;
  if (!is_lcalpha(part.front()) && !(digit_first && is_digit(part.front()))) return false;
  return std::all_of(part.begin() + 1, part.end(), is_tracestate_keychar);
}

// simple-key: lcalpha then up to 255 keychars. multi-tenant-key: tenant-id "@" system-id, the
// tenant up to 241 characters (may start with a digit), the system up to 14.
bool valid_tracestate_key(std::string_view key) noexcept {
  const auto at = key.find('@');
  if (at == std::string_view::npos) return valid_tracestate_key_part(key, 256, false);
  return valid_tracestate_key_part(key.substr(0, at), 241, true) &&
         valid_tracestate_key_part(key.substr(at + 1), 14, false);
}

// 1..256 printable ASCII characters except ',' and '=', not ending in a space.
bool valid_tracestate_value(std::string_view value) noexcept {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7e && c != ',' && c != '='; });
}

// --- baggage (W3C Baggage) -------------------------------------------------------------------

// RFC 7230 tchar.
bool is_token_char(char c) noexcept {
  if (is_alpha(c) || is_digit(c)) return true;
  constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return specials.find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) noexcept {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

// US-ASCII without controls, whitespace, '"', ',', ';' and '\'.
bool is_baggage_octet(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x2b) || (u >= 0x2d && u <= 0x3a) || (u >= 0x3c && u <= 0x5b) ||
         (u >= 0x5d && u <= 0x7e);
}

bool all_baggage_octets(std::string_view text) noexcept {
  return std::all_of(text.begin(), text.end(), is_baggage_octet);
}

// The baggage-octets a formatted value keeps as they are; '%' is left out so escapes stay unambiguous.
constexpr std::string_view baggage_value_keep = "!#$&'()*+-./:<=>?@[]^_`{|}~";

// property = key OWS "=" OWS value / key OWS, separated by ';'.
bool valid_baggage_properties(std::string_view properties) {
  return for_each_list_item(properties, ';', [](std::string_view property) {
    const auto eq = property.find('=');
    if (eq == std::string_view::npos) return is_token(property);
    return is_token(trim_ows(property.substr(0, eq))) && all_baggage_octets(trim_ows(property.substr(eq + 1)));
  });
}

// Decoded values must be UTF-8 (W3C Baggage): each byte that does not start a well-formed
// sequence becomes U+FFFD, rather than rejecting a header the sender believed valid.
std::string replace_invalid_utf8(std::string_view text) {
  constexpr std::string_view replacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    unsigned char low = 0x80;  // the allowed range of the second byte excludes overlongs, surrogates, > U+10FFFF
    unsigned char high = 0xbf;
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) low = 0xa0;
      if (lead == 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) low = 0x90;
      if (lead == 0xf4) high = 0x8f;
    }
    bool ok = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; ok && k < length; ++k) {
      const unsigned char c = byte(i + k);
      ok = k == 1 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xbf);
    }
    if (ok) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out.append(replacement);
      ++i;
    }
  }
  return out;
}

}  // namespace

std::optional<SpanContext> parse_traceparent(std::string_view header) noexcept {
  if (header.size() < traceparent_v00_size) return std::nullopt;
  const std::string_view version = header.substr(0, 2);
  if (!all_lower_hex(version) || version == "ff" || header[2] != '-') return std::nullopt;
  const bool v00 = version == "00";
  // Version 00 has exactly four fields; a later version may append more after a '-', which we
  // must not interpret.
  if (v00 ? header.size() != traceparent_v00_size
          : header.size() > traceparent_v00_size && header[traceparent_v00_size] != '-') {
    return std::nullopt;
  }
  if (header[35] != '-' || header[52] != '-') return std::nullopt;
  const std::string_view trace_hex = header.substr(3, 32);
  const std::string_view span_hex = header.substr(36, 16);
  const std::string_view flags_hex = header.substr(53, 2);
  // Version 00 defines its fields as lowercase hex; the spec's rules for later versions only ask for hex.
  if (v00 && !(all_lower_hex(trace_hex) && all_lower_hex(span_hex) && all_lower_hex(flags_hex))) {
    return std::nullopt;
  }
  const int flags_hi = hex_value(flags_hex[0]);
  const int flags_lo = hex_value(flags_hex[1]);
  auto trace_id = TraceId::from_hex(trace_hex);
  auto span_id = SpanId::from_hex(span_hex);
  if (!trace_id || !span_id || flags_hi < 0 || flags_lo < 0) return std::nullopt;

  SpanContext context;
  context.trace_id = *trace_id;
  context.span_id = *span_id;
  context.flags.value = static_cast<std::uint8_t>((flags_hi << 4) | flags_lo);
  context.remote = true;
  return context;
}

std::string format_traceparent(const SpanContext& context) {
  if (!context.valid()) return {};
  std::string out;
  out.reserve(traceparent_v00_size);
  out.append("00-");
  context.trace_id.append_hex(out);
  out.push_back('-');
  context.span_id.append_hex(out);
  out.push_back('-');
  std::array<char, 2> flags{};
  bytes_to_hex(&context.flags.value, 1, flags.data());
  out.append(flags.data(), flags.size());
  return out;
}

std::optional<std::string> parse_tracestate(std::string_view header) {
  std::string normalized;
  std::array<std::string_view, tracestate_max_members> keys{};
  std::size_t count = 0;
  const bool ok = for_each_list_item(header, ',', [&](std::string_view member) {
    if (member.empty()) return true;
    if (count == tracestate_max_members) return false;
    const auto eq = member.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view key = member.substr(0, eq);
    if (!valid_tracestate_key(key) || !valid_tracestate_value(member.substr(eq + 1))) return false;
    if (std::find(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(count), key) !=
        keys.begin() + static_cast<std::ptrdiff_t>(count)) {
      return false;
    }
    keys[count++] = key;
    if (!normalized.empty()) normalized.push_back(',');
    normalized.append(member);
    return true;
  });
  if (!ok) return std::nullopt;
  return normalized;
}

std::optional<SpanContext> extract_trace_context(std::string_view traceparent, std::string_view tracestate) {
  auto context = parse_traceparent(traceparent);
  if (!context) return std::nullopt;
  if (auto state = parse_tracestate(tracestate)) context->trace_state = std::move(*state);
  return context;
}

std::optional<Baggage> Baggage::parse(std::string_view header) {
  if (header.size() > max_bytes) return std::nullopt;
  Baggage baggage;
  // An empty header carries no baggage; the grammar has no empty members otherwise.
  if (trim_ows(header).empty()) return baggage;
  std::size_t count = 0;
  const bool ok = for_each_list_item(header, ',', [&](std::string_view member) {
    if (member.empty() || ++count > max_entries) return false;
    const auto semicolon = member.find(';');
    const std::string_view pair = member.substr(0, semicolon);
    const std::string_view properties =
        semicolon == std::string_view::npos ? std::string_view{} : trim_ows(member.substr(semicolon + 1));
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view key = trim_ows(pair.substr(0, eq));
    const std::string_view raw_value = trim_ows(pair.substr(eq + 1));
    if (!is_token(key) || !all_baggage_octets(raw_value)) return false;
    if (semicolon != std::string_view::npos && !valid_baggage_properties(properties)) return false;
    auto value = percent_decode(raw_value);
    if (!value) return false;
    baggage.set(key, replace_invalid_utf8(*value), properties);
    return true;
  });
  if (!ok) return std::nullopt;
  return baggage;
}

std::string Baggage::format() const {
  std::string out;
  std::size_t count = 0;
  std::string member;
  for (const auto& entry : entries_) {
    member.assign(entry.key).push_back('=');
    member.append(percent_encode(entry.value, baggage_value_keep));
    if (!entry.metadata.empty()) member.append(";").append(entry.metadata);
    // Over the limits whole members are dropped, never cut (W3C Baggage); a later, shorter one may still fit.
    const std::size_t separator = out.empty() ? 0 : 1;
    if (count == max_entries || out.size() + separator + member.size() > max_bytes) continue;
    if (separator != 0) out.push_back(',');
    out.append(member);
    ++count;
  }
  return out;
}

// A key that is not a token or metadata that is not a property list could never be propagated,
// so such a call leaves the baggage unchanged.
Baggage& Baggage::set(std::string_view key, std::string_view value, std::string_view metadata) {
  if (!is_token(key) || (!metadata.empty() && !valid_baggage_properties(metadata))) return *this;
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const BaggageEntry& e) { return e.key == key; });
  if (it != entries_.end()) {
    it->value.assign(value);
    it->metadata.assign(metadata);
  } else {
    entries_.push_back(BaggageEntry{std::string(key), std::string(value), std::string(metadata)});
  }
  return *this;
}

const std::string* Baggage::get(std::string_view key) const noexcept {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const BaggageEntry& e) { return e.key == key; });
  return it == entries_.end() ? nullptr : &it->value;
}

bool Baggage::remove(std::string_view key) {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const BaggageEntry& e) { return e.key == key; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

// RFC 3986 unreserved characters are never escaped; `keep_unescaped` adds to them. '%' is always
// escaped so that percent_decode gives back the input.
std::string percent_encode(std::string_view text, std::string_view keep_unescaped) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const bool unreserved = is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
    if (c != '%' && (unreserved || keep_unescaped.find(c) != std::string_view::npos)) {
      out.push_back(c);
    } else {
      const auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 0x0f]);
    }
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
    i += 2;
  }
  return out;
}

}  // namespace agentrace::tracing
