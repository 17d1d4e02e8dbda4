// JSON text for writers that append straight into a std::string with no document tree in between:
// the trace file formats (OTLP/JSON, Jaeger, Chrome trace) and the Runner's gen_ai.*.messages.
#pragma once

#include <string>
#include <string_view>

namespace agentrace::tracing {

// Appends `text` as a quoted JSON string. Model output is not guaranteed UTF-8: ill-formed bytes
// become U+FFFD rather than invalid JSON; control characters are escaped (\n, \t, \u001f, ...).
void append_json_string(std::string& out, std::string_view text);

}  // namespace agentrace::tracing
