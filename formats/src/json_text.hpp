// Hand-written JSON output shared by the trace file formats (OTLP/JSON, Jaeger, Chrome trace):
// base's JSON text writers, and an attribute value as JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agentrace/tracing/attributes.hpp"
#include "agentrace/base/json_text.hpp"
#include "agentrace/base/utf8.hpp"

namespace agentrace::formats::detail {

using base::append_json_double;
using base::append_json_int;
using base::append_json_quoted_int;
using base::append_json_quoted_uint;
using base::append_json_string;
using base::append_json_uint;
using base::append_utf8_sanitized;
using base::utf8_sequence_length;
using base::utf8_valid;

// An attribute value as natural JSON: true, 42, 0.5, "text", or an array of those.
void append_json_value(std::string& out, const tracing::AttributeValue& value);

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

}  // namespace agentrace::formats::detail
