// What of prompts, completions, tool arguments and results a span records: all of it, a copy cut
// to a byte budget with a marker, or nothing. Every writer of content goes through this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "agentrace/tracing/attributes.hpp"
#include "agentrace/tracing/tracer.hpp"

namespace agentrace::schema {

enum class ContentCapture : std::uint8_t { full, truncated, off };

struct ContentPolicy {
  ContentCapture mode = ContentCapture::truncated;
  std::size_t max_bytes = 16 * 1024;  // per value, with truncated; a marker says how much was cut
  // AGENTRACE_CAPTURE_CONTENT=full|truncated|off, AGENTRACE_CAPTURE_CONTENT_BYTES=N.
  static ContentPolicy from_env();
  // The value to record: the text itself, a truncated copy with "...[truncated N bytes]" (cut at a
  // UTF-8 boundary), or nullopt when nothing may be recorded.
  [[nodiscard]] std::optional<std::string> apply(std::string_view text) const;
  // Sets what apply() gives under each of `keys` on `span`, copying the text once per key and
  // only when the span records; nothing when capture is off.
  void record(tracing::Span& span, std::initializer_list<tracing::AttributeKey> keys, std::string_view text) const;
  [[nodiscard]] bool captures() const noexcept { return mode != ContentCapture::off; }
};

}  // namespace agentrace::schema
