#include "agentrace/formats/jaeger.hpp"

#include <algorithm>
#include <cmath>
#include <variant>
#include <vector>

#include "json_text.hpp"
#include "trace_groups.hpp"

namespace agentrace::formats {

namespace {

using detail::append_json_string;
using detail::append_key;
using detail::append_separator;

std::uint64_t to_us(std::uint64_t ns) noexcept { return ns / 1000; }

void tag_head(std::string& out, std::string_view key, std::string_view type) {
  append_separator(out);
  out += "{\"key\":";
  append_json_string(out, key);
  out += ",\"type\":\"";
  out += type;
  out += "\",\"value\":";
}

void string_tag(std::string& out, std::string_view key, std::string_view value) {
  tag_head(out, key, "string");
  append_json_string(out, value);
  out += '}';
}

void int_tag(std::string& out, std::string_view key, std::int64_t value) {
  tag_head(out, key, "int64");
  detail::append_json_int(out, value);
  out += '}';
}

void bool_tag(std::string& out, std::string_view key, bool value) {
  tag_head(out, key, "bool");
  out += value ? "true}" : "false}";
}

// Typed tags as Jaeger's translator makes them; arrays become their JSON text (type string).
void attribute_tag(std::string& out, std::string_view key, const tracing::AttributeValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          bool_tag(out, key, v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          int_tag(out, key, v);
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isfinite(v)) {
            tag_head(out, key, "float64");
            detail::append_json_double(out, v);
            out += '}';
          } else {  // JSON numbers cannot say NaN: the mapping's string instead
            string_tag(out, key, std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
          }
        } else if constexpr (std::is_same_v<T, std::string>) {
          string_tag(out, key, v);
        } else {
          std::string text;
          detail::append_json_value(text, value);
          string_tag(out, key, text);
        }
      },
      value);
}

void attribute_tags(std::string& out, const tracing::Attributes& attributes) {
  for (const tracing::Attribute& a : attributes) attribute_tag(out, a.key, a.value);
}

void hex_member(std::string& out, std::string_view key, const tracing::TraceId& id) {
  append_key(out, key);
  out += '"';
  id.append_hex(out);
  out += '"';
}

void hex_member(std::string& out, std::string_view key, const tracing::SpanId& id) {
  append_key(out, key);
  out += '"';
  id.append_hex(out);
  out += '"';
}

void reference(std::string& out, std::string_view type, const tracing::TraceId& trace_id, const tracing::SpanId& span_id) {
  append_separator(out);
  out += "{\"refType\":\"";
  out += type;
  out += '"';
  hex_member(out, "traceID", trace_id);
  hex_member(out, "spanID", span_id);
  out += '}';
}

void write_span(std::string& out, const tracing::SpanData& s, std::size_t process, std::uint64_t last_time) {
  append_separator(out);
  out += '{';
  hex_member(out, "traceID", s.trace_id);
  hex_member(out, "spanID", s.span_id);
  append_key(out, "flags");
  detail::append_json_uint(out, s.flags.value);
  append_key(out, "operationName");
  append_json_string(out, s.name);

  append_key(out, "references");
  out += '[';
  if (s.parent_span_id.valid()) reference(out, "CHILD_OF", s.trace_id, s.parent_span_id);
  for (const tracing::Link& l : s.links) reference(out, "FOLLOWS_FROM", l.context.trace_id, l.context.span_id);
  out += ']';

  const std::uint64_t start_us = to_us(s.start_unix_ns);
  append_key(out, "startTime");
  detail::append_json_uint(out, start_us);
  append_key(out, "duration");
  detail::append_json_uint(out, to_us(detail::effective_end(s, last_time)) - start_us);

  append_key(out, "tags");
  out += '[';
  attribute_tags(out, s.attributes);
  string_tag(out, "span.kind", tracing::to_string(s.kind));
  if (!s.scope().name.empty()) string_tag(out, "otel.scope.name", s.scope().name);
  if (!s.scope().version.empty()) string_tag(out, "otel.scope.version", s.scope().version);
  if (s.status.code != tracing::StatusCode::unset) {
    string_tag(out, "otel.status_code", s.status.code == tracing::StatusCode::ok ? "OK" : "ERROR");
  }
  if (!s.status.description.empty()) string_tag(out, "otel.status_description", s.status.description);
  if (s.status.code == tracing::StatusCode::error) bool_tag(out, "error", true);
  if (!s.trace_state.empty()) string_tag(out, "w3c.tracestate", s.trace_state);
  if (s.dropped_attributes_count != 0) int_tag(out, "otel.dropped_attributes_count", s.dropped_attributes_count);
  if (s.dropped_events_count != 0) int_tag(out, "otel.dropped_events_count", s.dropped_events_count);
  if (s.dropped_links_count != 0) int_tag(out, "otel.dropped_links_count", s.dropped_links_count);
  out += ']';

  append_key(out, "logs");
  out += '[';
  for (const tracing::Event& e : s.events) {
    append_separator(out);
    out += "{\"timestamp\":";
    detail::append_json_uint(out, to_us(e.time_unix_ns));
    out += ",\"fields\":[";
    if (find_attribute(e.attributes, "event") == nullptr) string_tag(out, "event", e.name);
    attribute_tags(out, e.attributes);
    if (e.dropped_attributes_count != 0) int_tag(out, "otel.dropped_attributes_count", e.dropped_attributes_count);
    out += "]}";
  }
  out += ']';

  append_key(out, "processID");
  out += "\"p";
  detail::append_json_uint(out, process + 1);
  out += '"';
  append_key(out, "warnings");
  if (s.ended()) {
    out += "null";
  } else {
    out += "[\"agentrace: the span did not end; its duration runs to the last time seen in the trace\"]";
  }
  out += '}';
}

void write_process(std::string& out, std::size_t index, const tracing::Resource& resource) {
  append_separator(out);
  out += "\"p";
  detail::append_json_uint(out, index + 1);
  out += "\":{\"serviceName\":";
  const auto* service = find_attribute_as<std::string>(resource.attributes, "service.name");
  append_json_string(out, service != nullptr ? std::string_view(*service) : std::string_view("unknown_service"));
  out += ",\"tags\":[";
  for (const tracing::Attribute& a : resource.attributes) {
    if (a.key != "service.name") attribute_tag(out, a.key, a.value);
  }
  out += "]}";
}

}  // namespace

void append_jaeger_json(tracing::SpanBatch spans, std::string& out) {
  out += "{\"data\":[";
  for (const detail::TraceGroup& trace : detail::group_by_trace(spans)) {
    // Each distinct resource of the trace is one process.
    std::vector<const tracing::Resource*> processes;
    std::vector<std::size_t> process_of;
    process_of.reserve(trace.spans.size());
    for (const tracing::SpanData* span : trace.spans) {
      const tracing::Resource& resource = span->resource();
      auto it = std::find_if(processes.begin(), processes.end(), [&](const tracing::Resource* r) { return *r == resource; });
      if (it == processes.end()) it = processes.insert(it, &resource);
      process_of.push_back(static_cast<std::size_t>(it - processes.begin()));
    }

    append_separator(out);
    out += '{';
    hex_member(out, "traceID", trace.trace_id);
    out += ",\"spans\":[";
    for (std::size_t i = 0; i < trace.spans.size(); ++i) write_span(out, *trace.spans[i], process_of[i], trace.last_time);
    out += "],\"processes\":{";
    for (std::size_t p = 0; p < processes.size(); ++p) write_process(out, p, *processes[p]);
    out += "},\"warnings\":null}";
  }
  out += "],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":null}";
}

std::string to_jaeger_json(std::span<const tracing::SpanData> spans) {
  return detail::document_of(spans, append_jaeger_json);
}

}  // namespace agentrace::formats
