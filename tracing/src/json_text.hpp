// Hand-written JSON output shared by the trace file formats (OTLP/JSON, Jaeger, Chrome trace):
// the encoders append straight into one std::string, with no document tree in between, which is
// what makes them fast enough to run in an exporter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agentrace/tracing/attributes.hpp"
#include "agentrace/tracing/json_text.hpp"

namespace agentrace::tracing::detail {

// The length of the well-formed UTF-8 sequence at p[0] (a byte >= 0x80) when `left` bytes are
// readable, or 0 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(const unsigned char* p, std::size_t left) noexcept;
// Whether `text` is well-formed UTF-8 (ASCII is checked eight bytes at a time).
bool utf8_valid(std::string_view text) noexcept;
// Appends `text` with every ill-formed byte replaced by U+FFFD, as nlohmann's dump(replace) does.
void append_utf8_sanitized(std::string& out, std::string_view text);

// The public agentrace/tracing/json_text.hpp: a quoted JSON string, ill-formed UTF-8 replaced.
using tracing::append_json_string;
void append_json_uint(std::string& out, std::uint64_t value);
void append_json_int(std::string& out, std::int64_t value);
// The shortest text that reads back as the same double. JSON has no NaN or infinity: those are
// appended as the strings "NaN", "Infinity", "-Infinity" (the protobuf JSON mapping's spelling).
void append_json_double(std::string& out, double value);
// A quoted decimal: OTLP/JSON's spelling of 64-bit integers.
void append_json_quoted_uint(std::string& out, std::uint64_t value);
void append_json_quoted_int(std::string& out, std::int64_t value);
// An attribute value as natural JSON: true, 42, 0.5, "text", or an array of those.
void append_json_value(std::string& out, const AttributeValue& value);

// Appends ',' unless the text so far ends an opening '{' or '[': lets writers of objects with
// optional members put a separator before every member without tracking which one came first.
inline void append_separator(std::string& out) {
  if (!out.empty() && out.back() != '{' && out.back() != '[') out += ',';
}

// Appends `,"key":` (the separator as above).
inline void append_key(std::string& out, std::string_view key) {
  append_separator(out);
  out += '"';
  out += key;  // keys are the writers' own literals: nothing to escape
  out += "\":";
}

}  // namespace agentrace::tracing::detail
