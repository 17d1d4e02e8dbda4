// The span model: what a finished span is, as a value. Processors and exporters receive it; the
// JSONL reader produces it; renderers read it.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/tracing/attributes.hpp"
#include "agentrace/tracing/ids.hpp"

namespace agentrace::tracing {

// Values are OTLP's, so exporters can cast.
enum class SpanKind : std::uint8_t { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };
enum class StatusCode : std::uint8_t { unset = 0, ok = 1, error = 2 };

std::string_view to_string(SpanKind kind) noexcept;
std::string_view to_string(StatusCode code) noexcept;
// Accepts the enumerator names ("internal", "error", ...); false when unknown.
bool from_string(std::string_view text, SpanKind& out) noexcept;
bool from_string(std::string_view text, StatusCode& out) noexcept;

struct Status {
  StatusCode code = StatusCode::unset;
  std::string description{};  // only kept with StatusCode::error
  friend bool operator==(const Status&, const Status&) = default;
};

struct Event {
  std::string name{};
  std::uint64_t time_unix_ns = 0;
  Attributes attributes{};
  std::uint32_t dropped_attributes_count = 0;
  friend bool operator==(const Event&, const Event&) = default;
};

struct Link {
  SpanContext context{};
  Attributes attributes{};
  std::uint32_t dropped_attributes_count = 0;
  friend bool operator==(const Link&, const Link&) = default;
};

struct Resource {
  Attributes attributes{};
  friend bool operator==(const Resource&, const Resource&) = default;
};

struct InstrumentationScope {
  std::string name{};
  std::string version{};
  friend bool operator==(const InstrumentationScope&, const InstrumentationScope&) = default;
};

// The resource and scope a span was produced under. Interned: equal pairs share one immutable
// object that lives until the process exits, so a span carries a pointer, and copying or
// handing a span to another thread costs no reference counting.
struct SpanSource {
  Resource resource;
  InstrumentationScope scope;

  static const SpanSource& intern(Resource resource, InstrumentationScope scope);
  static const SpanSource& empty() noexcept;
};

// OpenTelemetry SDK span limits; the defaults are the spec's.
struct SpanLimits {
  static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();
  std::size_t attribute_count = 128;
  std::size_t attribute_value_length = unlimited;  // bytes of each string (and string array element)
  std::size_t event_count = 128;
  std::size_t link_count = 128;
  std::size_t attributes_per_event = 128;
  std::size_t attributes_per_link = 128;

  // OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_ATTRIBUTE_COUNT_LIMIT, ..._VALUE_LENGTH_LIMIT,
  // OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT, OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT,
  // OTEL_LINK_ATTRIBUTE_COUNT_LIMIT; invalid values warn and keep the default.
  static SpanLimits from_env();
};

struct SpanData {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // invalid (all zero) for a root span
  TraceFlags flags;
  bool parent_remote = false;
  std::string trace_state;

  std::string name;
  SpanKind kind = SpanKind::internal;
  std::uint64_t start_unix_ns = 0;
  std::uint64_t end_unix_ns = 0;  // 0 while the span has not ended

  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
  std::vector<Event> events;
  std::uint32_t dropped_events_count = 0;
  std::vector<Link> links;
  std::uint32_t dropped_links_count = 0;
  Status status;

  const SpanSource* source = &SpanSource::empty();

  [[nodiscard]] bool ended() const noexcept { return end_unix_ns != 0; }
  [[nodiscard]] bool is_root() const noexcept { return !parent_span_id.valid(); }
  // The first span of this process's part of its trace: no parent, or a parent in another
  // process (a `traceparent` continued here), which no file of this process will hold.
  [[nodiscard]] bool is_local_root() const noexcept { return !parent_span_id.valid() || parent_remote; }
  [[nodiscard]] std::uint64_t duration_ns() const noexcept {
    return end_unix_ns > start_unix_ns ? end_unix_ns - start_unix_ns : 0;
  }
  [[nodiscard]] const Resource& resource() const noexcept { return source->resource; }
  [[nodiscard]] const InstrumentationScope& scope() const noexcept { return source->scope; }
  [[nodiscard]] SpanContext context() const {
    return SpanContext{trace_id, span_id, flags, false, trace_state};
  }
  [[nodiscard]] const AttributeValue* attribute(std::string_view key) const noexcept {
    return find_attribute(attributes, key);
  }

  friend bool operator==(const SpanData&, const SpanData&) = default;
};

// The resource every span of a process carries unless code says otherwise: service.name from
// OTEL_SERVICE_NAME (else OTEL_RESOURCE_ATTRIBUTES, else "unknown_service:<executable>"), the
// rest of OTEL_RESOURCE_ATTRIBUTES (percent-decoded), and telemetry.sdk.{name,language,version}.
Resource default_resource();
// Parses `k=v,k=v` (percent-decoded, whitespace trimmed); malformed pairs are skipped and reported
// in `errors` when given.
Attributes parse_key_value_list(std::string_view text, std::vector<std::string>* errors = nullptr);

}  // namespace agentrace::tracing
