#include "agentrace/base/json_text.hpp"
#include "agentrace/base/utf8.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

namespace agentrace::base {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

// Bytes a JSON string cannot hold as they are: controls, '"', '\\', and the start of any
// non-ASCII sequence (checked for well-formedness).
constexpr std::array<bool, 256> json_special = [] {
  std::array<bool, 256> table{};
  for (std::size_t c = 0; c < 256; ++c) table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return table;
}();

bool continuation(unsigned char c) noexcept { return (c & 0xC0) == 0x80; }

// True when any of the 8 bytes at `p` is special for a JSON string (see json_special), tested a
// word at a time: most text has none, and is then copied in one piece.
bool word_has_json_special(const unsigned char* p) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  std::uint64_t w = 0;
  std::memcpy(&w, p, 8);
  const auto has_zero = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
  const std::uint64_t control = (w - ones * 0x20) & ~w & highs;  // a byte below 0x20
  return ((w & highs) | control | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\'))) != 0;
}

template <typename T>
void append_number(std::string& out, T value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

}  // namespace

std::size_t utf8_sequence_length(const unsigned char* p, std::size_t left) noexcept {
  const unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && continuation(p[1]) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !continuation(p[1]) || !continuation(p[2])) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && p[1] >= 0xA0) return 0;  // UTF-16 surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !continuation(p[1]) || !continuation(p[2]) || !continuation(p[3])) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;   // overlong
    if (c == 0xF4 && p[1] >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

bool utf8_valid(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    // Most attribute text is ASCII: skip it a word at a time.
    while (i + 8 <= n) {
      std::uint64_t word = 0;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence_length(p + i, n - i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

void append_utf8_sanitized(std::string& out, std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t run = 0;  // start of the bytes not yet appended
  std::size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence_length(p + i, n - i);
    if (length != 0) {
      i += length;
      continue;
    }
    out.append(text.data() + run, i - run);
    out += replacement_character;
    run = ++i;
  }
  out.append(text.data() + run, n - run);
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  out += '"';
  std::size_t run = 0;
  std::size_t i = 0;
  while (i < n) {
    while (i + 8 <= n && !word_has_json_special(p + i)) i += 8;
    if (i >= n) break;
    const unsigned char c = p[i];
    if (!json_special[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t length = utf8_sequence_length(p + i, n - i);
      if (length != 0) {  // well-formed: copied as it is
        i += length;
        continue;
      }
    }
    out.append(text.data() + run, i - run);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          const char escape[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0x0f]};
          out.append(escape, sizeof escape);
        } else {
          out += replacement_character;
        }
    }
    run = ++i;
  }
  out.append(text.data() + run, n - run);
  out += '"';
}

void append_json_uint(std::string& out, std::uint64_t value) { append_number(out, value); }

void append_json_int(std::string& out, std::int64_t value) { append_number(out, value); }

void append_json_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
  } else if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round trip
    out.append(buffer, result.ptr);
  }
}

void append_json_quoted_uint(std::string& out, std::uint64_t value) {
  out += '"';
  append_number(out, value);
  out += '"';
}

void append_json_quoted_int(std::string& out, std::int64_t value) {
  out += '"';
  append_number(out, value);
  out += '"';
}

std::size_t utf8_prefix_length(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.size() <= max_bytes) return text.size();
  std::size_t n = max_bytes;
  // Back up over continuation bytes so the cut lands before the lead byte of a split character.
  while (n > 0 && utf8_continuation(text[n])) --n;
  return n;
}

}  // namespace agentrace::base

namespace agentrace::base {
namespace {

// As dump() writes a double: shortest round trip, always with a fraction or an exponent, and
// null for what JSON cannot hold.
void append_dumped_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";  // 1.0, not 1: still a double
}

void append_scalar(std::string& out, const nlohmann::json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Type::number_integer: append_number(out, value.get<std::int64_t>()); return;
    case Type::number_unsigned: append_number(out, value.get<std::uint64_t>()); return;
    case Type::number_float: append_dumped_double(out, value.get<double>()); return;
    case Type::string: append_json_string(out, value.get_ref<const std::string&>()); return;
    case Type::binary:  // dump() of a binary value does not recurse
      out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    case Type::null:
    case Type::discarded:
    case Type::array:
    case Type::object: out += "null"; return;
  }
}

// One array or object being written: where its iteration stands.
struct Open {
  const nlohmann::json* node;
  nlohmann::json::const_iterator next;
};

}  // namespace

void append_json(std::string& out, const nlohmann::json& value) {
  if (!value.is_structured()) {
    append_scalar(out, value);
    return;
  }
  std::vector<Open> open;
  auto enter = [&](const nlohmann::json& node) {
    out += node.is_object() ? '{' : '[';
    open.push_back(Open{&node, node.cbegin()});
  };
  enter(value);
  while (!open.empty()) {
    Open& top = open.back();
    if (top.next == top.node->cend()) {
      out += top.node->is_object() ? '}' : ']';
      open.pop_back();
      continue;
    }
    if (top.next != top.node->cbegin()) out += ',';
    const auto item = top.next++;
    if (top.node->is_object()) {
      append_json_string(out, item.key());
      out += ':';
    }
    if (item->is_structured()) {
      enter(*item);  // invalidates `top`
    } else {
      append_scalar(out, *item);
    }
  }
}

std::string json_text(const nlohmann::json& value) {
  std::string out;
  append_json(out, value);
  return out;
}

}  // namespace agentrace::base
