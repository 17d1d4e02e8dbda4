// JSON text written straight into a std::string, with no document tree in between: the trace
// file formats (OTLP/JSON, Jaeger, Chrome trace), the Runner's gen_ai.*.messages and tool
// arguments. Ill-formed UTF-8 is replaced (utf8.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace agentrace::base {

// Appends `text` as a quoted JSON string. Model output is not guaranteed UTF-8: ill-formed bytes
// become U+FFFD rather than invalid JSON; control characters are escaped (\n, \t, \u001f, ...).
void append_json_string(std::string& out, std::string_view text);

// Appends `value` as compact JSON, as value.dump() writes it (keys in order, ill-formed UTF-8
// replaced, a double always with a fraction or exponent, NaN and infinities as null), without
// the serializer dump() sets up per call, and without recursion: a value that nests 10,000
// levels (a model's tool arguments can) is written like any other.
void append_json(std::string& out, const nlohmann::json& value);
[[nodiscard]] std::string json_text(const nlohmann::json& value);

void append_json_uint(std::string& out, std::uint64_t value);
void append_json_int(std::string& out, std::int64_t value);
// The shortest text that reads back as the same double. JSON has no NaN or infinity: those are
// appended as the strings "NaN", "Infinity", "-Infinity" (the protobuf JSON mapping's spelling).
void append_json_double(std::string& out, double value);
// A quoted decimal: OTLP/JSON's spelling of 64-bit integers.
void append_json_quoted_uint(std::string& out, std::uint64_t value);
void append_json_quoted_int(std::string& out, std::int64_t value);

}  // namespace agentrace::base
