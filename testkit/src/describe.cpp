#include "agentrace/testkit/describe.hpp"

#include "agentrace/base/printable.hpp"
#include "agentrace/base/utf8.hpp"

#include <charconv>
#include <type_traits>
#include <variant>
#include <vector>

namespace agentrace::testkit {

namespace {

constexpr std::string_view ellipsis = "...";
constexpr std::size_t max_listed_key_lines = 6;


// The first `bytes` bytes of `text`, moved back to the start of a UTF-8 character.
std::string_view utf8_head(std::string_view text, std::size_t bytes) {
  return text.substr(0, base::utf8_prefix_length(text, bytes));
}

std::string visible(std::string_view text) { return base::single_line(text); }

std::string cut(std::string text, std::size_t width) {
  if (text.size() <= width) return text;
  if (width <= ellipsis.size()) return std::string(utf8_head(text, width));
  std::string out(utf8_head(text, width - ellipsis.size()));
  out += ellipsis;
  return out;
}

// A string in double quotes, its inner text cut so that the whole stays within `width`.
std::string quoted(std::string_view text, std::size_t width) {
  std::string inner;
  for (char c : text) {
    if (c == '"' || c == '\\') inner += '\\';
    inner += visible(std::string_view(&c, 1));
  }
  const std::size_t room = width > 2 ? width - 2 : 0;
  return "\"" + cut(std::move(inner), room) + "\"";
}

std::string number(double value) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string out = ec == std::errc() ? std::string(buf, end) : std::string("?");
  if (out.find_first_of(".eEn") == std::string::npos) out += ".0";  // "n": inf and nan need none
  return out;
}

template <typename T>
std::string element(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return std::to_string(value);
  } else if constexpr (std::is_same_v<T, double>) {
    return number(value);
  } else {
    return quoted(value, std::string::npos);
  }
}

}  // namespace

std::string one_line(std::string_view text, std::size_t width) { return cut(visible(text), width); }

std::string describe_value(const tracing::AttributeValue& value, std::size_t width) {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return quoted(v, width);
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          return cut(element(v), width);
        } else {
          std::string out = "[";
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i != 0) out += ", ";
            out += element(static_cast<typename T::value_type>(v[i]));
            if (out.size() > width) break;  // cut below; the rest would not be seen
          }
          out += "]";
          return cut(std::move(out), width);
        }
      },
      value);
}

std::string describe_status(const tracing::Status& status, std::size_t width) {
  std::string out(tracing::to_string(status.code));
  if (status.code == tracing::StatusCode::error && !status.description.empty()) {
    const std::size_t room = width > out.size() + 1 ? width - out.size() - 1 : 0;
    out += ' ';
    out += quoted(status.description, room);
  }
  return cut(std::move(out), width);
}

std::string describe_attribute(const tracing::SpanData& span, std::string_view key, std::size_t width) {
  constexpr std::string_view lead = "  actual: ";
  if (const auto* value = span.attribute(key)) {
    const std::size_t room = width > lead.size() ? width - lead.size() : 0;
    return std::string(lead) + describe_value(*value, room);
  }
  std::string out = std::string(lead) + "absent";
  if (span.attributes.empty()) return out + "; the span has no attributes";
  out += "; the span has:";
  // Keys packed a few to a line; past the last line allowed, a count of the rest.
  constexpr std::string_view indent = "    ";
  const std::size_t room = width > indent.size() ? width - indent.size() : 0;
  std::vector<std::string> lines(1);
  std::size_t shown = 0;
  for (const auto& a : span.attributes) {
    const std::string name = one_line(a.key.view(), room);
    if (!lines.back().empty() && lines.back().size() + 1 + name.size() > room) {
      if (lines.size() == max_listed_key_lines) break;
      lines.emplace_back();
    }
    if (!lines.back().empty()) lines.back() += ' ';
    lines.back() += name;
    ++shown;
  }
  for (const auto& l : lines) out += "\n" + std::string(indent) + l;
  if (shown < span.attributes.size()) {
    out += "\n" + std::string(indent) + "... and " + std::to_string(span.attributes.size() - shown) + " more";
  }
  return out;
}

}  // namespace agentrace::testkit
