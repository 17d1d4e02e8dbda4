// Typed attribute values (OpenTelemetry's AnyValue minus maps and bytes): no JSON on the hot path.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace agentrace::tracing {

using AttributeValue = std::variant<bool, std::int64_t, double, std::string, std::vector<bool>,
                                    std::vector<std::int64_t>, std::vector<double>,
                                    std::vector<std::string>>;

// Builds an AttributeValue from the natural C++ spelling without surprises: integers of any
// width become int64, `const char*` becomes a string (never bool), floats become double.
template <typename T>
AttributeValue to_attribute_value(T&& v) {
  using D = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<D, AttributeValue>) {
    return std::forward<T>(v);
  } else if constexpr (std::is_same_v<D, bool>) {
    return AttributeValue{std::in_place_type<bool>, v};
  } else if constexpr (std::is_integral_v<D>) {
    return AttributeValue{std::in_place_type<std::int64_t>, static_cast<std::int64_t>(v)};
  } else if constexpr (std::is_floating_point_v<D>) {
    return AttributeValue{std::in_place_type<double>, static_cast<double>(v)};
  } else if constexpr (std::is_convertible_v<T, std::string_view>) {
    return AttributeValue{std::in_place_type<std::string>, std::string_view(v)};
  } else if constexpr (std::is_same_v<D, std::vector<int>>) {
    return AttributeValue{std::in_place_type<std::vector<std::int64_t>>, v.begin(), v.end()};
  } else {
    return AttributeValue{std::forward<T>(v)};
  }
}

struct Attribute {
  std::string key;
  AttributeValue value;

  Attribute() = default;
  template <typename V>
  Attribute(std::string_view k, V&& v) : key(k), value(to_attribute_value(std::forward<V>(v))) {}

  friend bool operator==(const Attribute&, const Attribute&) = default;
};

using Attributes = std::vector<Attribute>;

// The value of `key`, or nullptr.
const AttributeValue* find_attribute(const Attributes& attrs, std::string_view key) noexcept;

// Convenience typed lookups for readers (renderers, tests): nullptr when absent or another type.
template <typename T>
const T* find_attribute_as(const Attributes& attrs, std::string_view key) noexcept {
  const AttributeValue* v = find_attribute(attrs, key);
  return v ? std::get_if<T>(v) : nullptr;
}

// Human-readable rendering for terminals: strings unquoted, arrays as [a, b].
std::string to_display_string(const AttributeValue& value);

}  // namespace agentrace::tracing
