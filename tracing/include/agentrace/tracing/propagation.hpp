// W3C Trace Context (traceparent, tracestate) and W3C Baggage, parsed strictly: a malformed
// header is rejected whole and never half-parsed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/tracing/ids.hpp"

namespace agentrace::tracing {

// `00-<32 hex>-<16 hex>-<2 hex>`, lowercase. Version 00 must be exactly 55 characters; a higher
// version may carry more fields after a '-' (forward compatibility); version ff is invalid;
// all-zero ids are invalid. The result is marked remote. nullopt when malformed.
std::optional<SpanContext> parse_traceparent(std::string_view header) noexcept;
// Always version 00, lowercase. An invalid context yields an empty string.
std::string format_traceparent(const SpanContext& context);

// tracestate: at most 32 list members `key=value`, keys per the W3C grammar (lowercase simple
// keys or `tenant@system` multi-tenant keys), values of printable ASCII without ',' and '='.
// Empty members (",,") are allowed and dropped. nullopt when malformed or with duplicate keys.
std::optional<std::string> parse_tracestate(std::string_view header);

// Both headers at once: nullopt when traceparent is malformed; a malformed tracestate is
// discarded (the spec says the trace continues without it).
std::optional<SpanContext> extract_trace_context(std::string_view traceparent, std::string_view tracestate);

struct BaggageEntry {
  std::string key;
  std::string value;     // decoded
  std::string metadata;  // the raw properties after ';', if any
  friend bool operator==(const BaggageEntry&, const BaggageEntry&) = default;
};

class Baggage {
 public:
  static constexpr std::size_t max_entries = 180;   // the spec's floor is 64
  static constexpr std::size_t max_bytes = 8192;

  Baggage() = default;
  // `key=value;prop,key2=value2`: keys are tokens, values percent-decoded. nullopt when malformed
  // or over the limits.
  static std::optional<Baggage> parse(std::string_view header);
  // Values percent-encoded (everything outside the baggage-octet set, plus '%').
  [[nodiscard]] std::string format() const;

  // Replaces an existing key.
  Baggage& set(std::string_view key, std::string_view value, std::string_view metadata = {});
  [[nodiscard]] const std::string* get(std::string_view key) const noexcept;
  bool remove(std::string_view key);
  [[nodiscard]] const std::vector<BaggageEntry>& entries() const noexcept { return entries_; }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }

  friend bool operator==(const Baggage&, const Baggage&) = default;

 private:
  std::vector<BaggageEntry> entries_;
};

std::string percent_encode(std::string_view text, std::string_view keep_unescaped);
// nullopt on a truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace agentrace::tracing
