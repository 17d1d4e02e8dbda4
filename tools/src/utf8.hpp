// UTF-8 helpers shared by the tools' sources (not installed). Tool results and error messages go
// to the model as JSON strings, and nlohmann refuses to serialise invalid UTF-8, so text that
// came from outside (files, arguments) is checked or cut on character boundaries.
#pragma once

#include <cstddef>
#include <string_view>

namespace agentrace::tools::internal {

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

// The largest length <= max_bytes that does not split a multi-byte character of `text`.
std::size_t utf8_prefix_length(std::string_view text, std::size_t max_bytes) noexcept;

}  // namespace agentrace::tools::internal
