// Text about spans for test failure messages (the matchers of catch2.hpp use it): every line cut
// to a width in bytes, so that a test reporter that wraps long lines (Catch2's console reporter
// wraps at 77 columns by default) prints each one as it is. Control characters are made visible
// and a cut line ends with "...".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "agentrace/tracing/span_data.hpp"

namespace agentrace::testkit {

// `text` on one line ("\n" shown as \n) of at most `width` bytes, never cut inside a UTF-8
// character.
std::string one_line(std::string_view text, std::size_t width);

// A value as a test would write it, at most `width` bytes: "text" (quoted), 42, 2.5, true,
// ["a", "b"]. A double always shows a decimal point (3.0), so it does not pass for an integer.
std::string describe_value(const tracing::AttributeValue& value, std::size_t width);

// "unset", "ok", or `error "description"`, at most `width` bytes.
std::string describe_status(const tracing::Status& status, std::size_t width);

// What `span` holds under `key`, for a matcher's failure: "  actual: <value>", or, when absent,
// "  actual: absent" and the keys the span does have, a few to a line; every line at most
// `width` bytes.
std::string describe_attribute(const tracing::SpanData& span, std::string_view key, std::size_t width);

}  // namespace agentrace::testkit
