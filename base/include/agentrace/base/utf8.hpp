// UTF-8 checks and cuts. Model output, tool results, files and headers are not guaranteed UTF-8,
// and JSON writers and terminals need it well-formed; a cut must never split a character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace agentrace::base {

// The length of the well-formed UTF-8 sequence at p[0] (a byte >= 0x80) when `left` bytes are
// readable, or 0 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(const unsigned char* p, std::size_t left) noexcept;
// Whether `text` is well-formed UTF-8 (ASCII is checked eight bytes at a time).
bool utf8_valid(std::string_view text) noexcept;
// Appends `text` with every ill-formed byte replaced by U+FFFD, as nlohmann's dump(replace) does.
void append_utf8_sanitized(std::string& out, std::string_view text);

// The largest length <= max_bytes that does not split a multi-byte character of `text`.
std::size_t utf8_prefix_length(std::string_view text, std::size_t max_bytes) noexcept;
// Whether `c` continues a multi-byte character (it starts none).
constexpr bool utf8_continuation(char c) noexcept { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace agentrace::base
