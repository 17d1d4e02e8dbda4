// How deeply JSON nests, measured without recursion. Text from a model, a tool, a server or a file
// is untrusted: a reply of 20 KB can nest 10,000 levels, and most code that walks a JSON value
// (nlohmann's copy, dump() and comparison, valijson, our own writers) recurses once per level,
// so such a value overflows the stack. Readers of outside JSON check it with these first and turn
// a value that nests deeper than max_json_depth into an ordinary error.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace agentrace::base {

// Deep enough for any real tool arguments, message or schema; shallow enough that a recursive
// walk of it is harmless on any thread's stack, sanitizers included.
inline constexpr std::size_t max_json_depth = 64;

// The deepest nesting of arrays and objects in JSON text (brackets inside strings do not count):
// 0 for a scalar, 1 for [] or {}, 2 for [[]]. Linear; well-formedness is not checked.
[[nodiscard]] std::size_t json_text_depth(std::string_view text) noexcept;

// The same for a parsed value, walked with an explicit stack.
[[nodiscard]] std::size_t json_depth(const nlohmann::json& value);

}  // namespace agentrace::base
