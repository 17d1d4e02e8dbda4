#include "agentrace/tracing/attributes.hpp"

#include <cstdio>

namespace agentrace::tracing {
namespace {

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

template <typename T>
std::string join(const std::vector<T>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    if constexpr (std::is_same_v<T, bool>) {
      out += items[i] ? "true" : "false";
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      out += std::to_string(items[i]);
    } else if constexpr (std::is_same_v<T, double>) {
      out += number_text(items[i]);
    } else {
      out += items[i];
    }
  }
  out += "]";
  return out;
}

}  // namespace

const AttributeValue* find_attribute(const Attributes& attrs, std::string_view key) noexcept {
  for (const auto& a : attrs) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

std::string to_display_string(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return number_text(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else {
          return join(v);
        }
      },
      value);
}

}  // namespace agentrace::tracing
