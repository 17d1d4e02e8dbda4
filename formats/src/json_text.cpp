#include "json_text.hpp"

#include <type_traits>
#include <variant>

namespace agentrace::formats::detail {

void append_json_value(std::string& out, const tracing::AttributeValue& value) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          append_json_int(out, v);
        } else if constexpr (std::is_same_v<T, double>) {
          append_json_double(out, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_json_string(out, v);
        } else {
          out += '[';
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i != 0) out += ',';
            using E = typename T::value_type;
            if constexpr (std::is_same_v<E, bool>) {
              out += v[i] ? "true" : "false";
            } else if constexpr (std::is_same_v<E, std::int64_t>) {
              append_json_int(out, v[i]);
            } else if constexpr (std::is_same_v<E, double>) {
              append_json_double(out, v[i]);
            } else {
              append_json_string(out, v[i]);
            }
          }
          out += ']';
        }
      },
      value);
}

}  // namespace agentrace::formats::detail
