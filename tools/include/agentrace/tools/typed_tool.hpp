// Typed tools from C++ callables: parameters are declared once, beside the function; the JSON
// schema is generated from the C++ types and arguments are converted with precise errors.
//
//   auto add = tools::make_tool("add", "Add two integers")
//                  .param<std::int64_t>("a", "first addend")
//                  .param<std::int64_t>("b", "second addend")
//                  .handler([](std::int64_t a, std::int64_t b) { return a + b; });
//
// Types: bool, any integer, float/double, std::string, std::vector<T> of those, nlohmann::json
// (any value), and std::optional<T> through optional_param. The handler takes the parameters in
// declaration order, optionally followed by ToolContext&; it returns ToolResult, void, a string
// (a text result) or anything nlohmann can convert to JSON.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "agentrace/tools/tool.hpp"

namespace agentrace::tools {

// Thrown by argument conversion; the registry reports it as an invalid_arguments result.
class ArgumentError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {

template <typename T>
struct is_vector : std::false_type {};
template <typename T>
struct is_vector<std::vector<T>> : std::true_type {};
template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<std::optional<T>> : std::true_type {};

// "an integer", "a string", ...: names the JSON type a C++ parameter expects.
template <typename T>
std::string expected_name() {
  if constexpr (std::is_same_v<T, bool>) {
    return "a boolean";
  } else if constexpr (std::is_integral_v<T>) {
    return "an integer";
  } else if constexpr (std::is_floating_point_v<T>) {
    return "a number";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "a string";
  } else if constexpr (is_vector<T>::value) {
    const std::string element = expected_name<typename T::value_type>();  // without its article
    return "an array of " + element.substr(element.find(' ') + 1);
  } else {
    return "a JSON value";
  }
}

template <typename T>
Json schema_for() {
  if constexpr (is_optional<T>::value) {
    return schema_for<typename T::value_type>();
  } else if constexpr (std::is_same_v<T, bool>) {
    return {{"type", "boolean"}};
  } else if constexpr (std::is_integral_v<T>) {
    return {{"type", "integer"}};
  } else if constexpr (std::is_floating_point_v<T>) {
    return {{"type", "number"}};
  } else if constexpr (std::is_same_v<T, std::string>) {
    return {{"type", "string"}};
  } else if constexpr (is_vector<T>::value) {
    return {{"type", "array"}, {"items", schema_for<typename T::value_type>()}};
  } else {
    static_assert(std::is_same_v<T, Json>, "tool parameters: bool, integers, floating point, std::string, "
                                           "std::vector of those, nlohmann::json, or std::optional of those");
    return Json::object();
  }
}

std::string describe_json_value(const Json& value);  // "string \"abc\"", "number 1.5", ...

template <typename T>
T convert(const Json& value, const std::string& where) {
  auto fail = [&]() -> ArgumentError {
    return ArgumentError("argument '" + where + "' must be " + expected_name<T>() + ", got " + describe_json_value(value));
  };
  if constexpr (std::is_same_v<T, Json>) {
    return value;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!value.is_boolean()) throw fail();
    return value.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    // 3.0 counts as an integer (JSON has one number type), 3.5 does not.
    if (value.is_number_integer()) {
      if constexpr (std::is_signed_v<T>) {
        const auto v = value.is_number_unsigned() ? static_cast<std::int64_t>(value.get<std::uint64_t>()) : value.get<std::int64_t>();
        if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) throw fail();
        if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) || v > static_cast<std::int64_t>(std::numeric_limits<T>::max())) throw fail();
        return static_cast<T>(v);
      } else {
        if (!value.is_number_unsigned()) throw fail();
        const auto v = value.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) throw fail();
        return static_cast<T>(v);
      }
    }
    if (value.is_number_float()) {
      // In range first (2^digits is T's maximum plus one, exact as a double): casting 1e300 or
      // NaN to an integer is undefined.
      const double d = value.get<double>();
      const double upper = std::ldexp(1.0, std::numeric_limits<T>::digits);
      const double lower = std::is_signed_v<T> ? -upper : 0.0;
      if (d >= lower && d < upper && d == std::trunc(d)) return static_cast<T>(d);
    }
    throw fail();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!value.is_number()) throw fail();
    return value.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!value.is_string()) throw fail();
    return value.get<std::string>();
  } else if constexpr (is_vector<T>::value) {
    if (!value.is_array()) throw fail();
    T out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
      out.push_back(convert<typename T::value_type>(value[i], where + "[" + std::to_string(i) + "]"));
    }
    return out;
  }
}

template <typename T>
T extract(const Json& arguments, const std::string& name) {
  if constexpr (is_optional<T>::value) {
    auto it = arguments.find(name);
    if (it == arguments.end() || it->is_null()) return std::nullopt;
    return convert<typename T::value_type>(*it, name);
  } else {
    auto it = arguments.find(name);
    if (it == arguments.end()) throw ArgumentError("missing required argument '" + name + "'");
    return convert<T>(*it, name);
  }
}

template <typename R>
ToolResult to_tool_result(R&& value) {
  using D = std::remove_cvref_t<R>;
  if constexpr (std::is_same_v<D, ToolResult>) {
    return std::forward<R>(value);
  } else if constexpr (std::is_same_v<D, Json>) {
    // Before the string case: nlohmann::json converts implicitly to std::string, and that
    // conversion throws for anything but a JSON string.
    return ToolResult::json(std::forward<R>(value));
  } else if constexpr (std::is_convertible_v<R, std::string>) {
    return ToolResult::text(std::string(std::forward<R>(value)));
  } else {
    return ToolResult::json(Json(std::forward<R>(value)));
  }
}

template <typename F, typename... Ts>
class TypedTool final : public Tool {
 public:
  TypedTool(std::string name, std::string description, Json parameters, std::vector<std::string> names, F fn)
      : Tool(std::move(name), std::move(description), std::move(parameters)), names_(std::move(names)), fn_(std::move(fn)) {}

  ToolResult invoke(const Json& arguments, ToolContext& context) override {
    if (!arguments.is_object()) throw ArgumentError("arguments must be a JSON object, got " + describe_json_value(arguments));
    return call(arguments, context, std::index_sequence_for<Ts...>{});
  }

 private:
  template <std::size_t... I>
  ToolResult call(const Json& arguments, ToolContext& context, std::index_sequence<I...>) {
    std::tuple<Ts...> args{extract<Ts>(arguments, names_[I])...};
    if constexpr (std::is_invocable_v<F&, Ts..., ToolContext&>) {
      using R = std::invoke_result_t<F&, Ts..., ToolContext&>;
      if constexpr (std::is_void_v<R>) {
        std::invoke(fn_, std::get<I>(std::move(args))..., context);
        return ToolResult::text("done");
      } else {
        return to_tool_result(std::invoke(fn_, std::get<I>(std::move(args))..., context));
      }
    } else {
      static_assert(std::is_invocable_v<F&, Ts...>, "the handler must take the declared parameters, in order, optionally followed by ToolContext&");
      using R = std::invoke_result_t<F&, Ts...>;
      if constexpr (std::is_void_v<R>) {
        std::invoke(fn_, std::get<I>(std::move(args))...);
        return ToolResult::text("done");
      } else {
        return to_tool_result(std::invoke(fn_, std::get<I>(std::move(args))...));
      }
    }
  }

  std::vector<std::string> names_;
  F fn_;
};

}  // namespace detail

template <typename... Ts>
class TypedToolBuilder {
 public:
  TypedToolBuilder(std::string name, std::string description, Json properties, Json required,
                   std::vector<std::string> names)
      : name_(std::move(name)),
        description_(std::move(description)),
        properties_(std::move(properties)),
        required_(std::move(required)),
        names_(std::move(names)) {}

  template <typename T>
  [[nodiscard]] TypedToolBuilder<Ts..., T> param(std::string name, std::string description) && {
    return add<T>(std::move(name), std::move(description), true);
  }

  template <typename T>
  [[nodiscard]] TypedToolBuilder<Ts..., std::optional<T>> optional_param(std::string name, std::string description) && {
    return add<std::optional<T>>(std::move(name), std::move(description), false);
  }

  template <typename F>
  [[nodiscard]] ToolPtr handler(F fn) && {
    Json parameters = {{"type", "object"}, {"properties", std::move(properties_)}, {"required", std::move(required_)},
                       {"additionalProperties", false}};
    return std::make_shared<detail::TypedTool<F, Ts...>>(std::move(name_), std::move(description_), std::move(parameters),
                                                         std::move(names_), std::move(fn));
  }

 private:
  template <typename T>
  TypedToolBuilder<Ts..., T> add(std::string name, std::string description, bool required) {
    if (properties_.contains(name)) throw std::invalid_argument("tool '" + name_ + "': parameter '" + name + "' declared twice");
    Json schema = detail::schema_for<T>();
    schema["description"] = std::move(description);
    properties_[name] = std::move(schema);
    if (required) required_.push_back(name);
    names_.push_back(std::move(name));
    return TypedToolBuilder<Ts..., T>(std::move(name_), std::move(description_), std::move(properties_),
                                      std::move(required_), std::move(names_));
  }

  std::string name_;
  std::string description_;
  Json properties_;
  Json required_;
  std::vector<std::string> names_;
};

inline TypedToolBuilder<> make_tool(std::string name, std::string description) {
  return TypedToolBuilder<>(std::move(name), std::move(description), Json::object(), Json::array(), {});
}

}  // namespace agentrace::tools
