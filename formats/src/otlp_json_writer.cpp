#include "agentrace/formats/otlp_encoding.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "json_text.hpp"
#include "otlp_flags.hpp"
#include "otlp_grouping.hpp"

namespace agentrace::formats {

namespace {

// A trace or span id, as the mapping has it: lowercase hex.
template <typename Id>
void json_hex(std::string& out, std::string_view key, const Id& id) {
  detail::append_key(out, key);
  out += '"';
  id.append_hex(out);
  out += '"';
}

void json_text(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  detail::append_key(out, key);
  detail::append_json_string(out, value);
}

void json_count(std::string& out, std::string_view key, std::uint32_t value) {
  if (value == 0) return;
  detail::append_key(out, key);
  detail::append_json_uint(out, value);
}

void json_time(std::string& out, std::string_view key, std::uint64_t value) {
  if (value == 0) return;
  detail::append_key(out, key);
  detail::append_json_quoted_uint(out, value);
}

template <typename T>
void json_scalar(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "{\"boolValue\":true}" : "{\"boolValue\":false}";
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    out += "{\"intValue\":";
    detail::append_json_quoted_int(out, v);
    out += '}';
  } else if constexpr (std::is_same_v<T, double>) {
    out += "{\"doubleValue\":";
    detail::append_json_double(out, v);  // NaN and infinities as the mapping's strings
    out += '}';
  } else {
    out += "{\"stringValue\":";
    detail::append_json_string(out, v);
    out += '}';
  }
}

void json_any_value(std::string& out, const tracing::AttributeValue& value) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, double> ||
                      std::is_same_v<T, std::string>) {
          json_scalar(out, v);
        } else {
          out += "{\"arrayValue\":{";
          if (!v.empty()) {
            out += "\"values\":[";
            for (std::size_t i = 0; i < v.size(); ++i) {
              if (i != 0) out += ',';
              if constexpr (std::is_same_v<T, std::vector<bool>>) {
                json_scalar(out, static_cast<bool>(v[i]));
              } else {
                json_scalar(out, v[i]);
              }
            }
            out += ']';
          }
          out += "}}";
        }
      },
      value);
}

// A repeated message field, left out when empty; `write_members` writes one element's members.
template <typename List, typename WriteMembers>
void json_list(std::string& out, std::string_view key, const List& list, WriteMembers write_members) {
  if (list.empty()) return;
  detail::append_key(out, key);
  out += '[';
  for (const auto& element : list) {
    detail::append_separator(out);
    out += '{';
    write_members(element);
    out += '}';
  }
  out += ']';
}

void json_key_values(std::string& out, std::string_view key, const tracing::Attributes& attributes) {
  json_list(out, key, attributes, [&out](const tracing::Attribute& a) {
    out += "\"key\":";
    detail::append_json_string(out, a.key);
    out += ",\"value\":";
    json_any_value(out, a.value);
  });
}

void json_span(std::string& out, const tracing::SpanData& s) {
  detail::append_separator(out);
  out += '{';
  json_hex(out, "traceId", s.trace_id);
  json_hex(out, "spanId", s.span_id);
  json_text(out, "traceState", s.trace_state);
  if (s.parent_span_id.valid()) json_hex(out, "parentSpanId", s.parent_span_id);
  json_text(out, "name", s.name);
  detail::append_key(out, "kind");
  detail::append_json_uint(out, static_cast<std::uint64_t>(s.kind));
  json_time(out, "startTimeUnixNano", s.start_unix_ns);
  json_time(out, "endTimeUnixNano", s.end_unix_ns);
  json_key_values(out, "attributes", s.attributes);
  json_count(out, "droppedAttributesCount", s.dropped_attributes_count);
  json_list(out, "events", s.events, [&out](const tracing::Event& e) {
    json_time(out, "timeUnixNano", e.time_unix_ns);
    json_text(out, "name", e.name);
    json_key_values(out, "attributes", e.attributes);
    json_count(out, "droppedAttributesCount", e.dropped_attributes_count);
  });
  json_count(out, "droppedEventsCount", s.dropped_events_count);
  json_list(out, "links", s.links, [&out](const tracing::Link& l) {
    json_hex(out, "traceId", l.context.trace_id);
    json_hex(out, "spanId", l.context.span_id);
    json_text(out, "traceState", l.context.trace_state);
    json_key_values(out, "attributes", l.attributes);
    json_count(out, "droppedAttributesCount", l.dropped_attributes_count);
    json_count(out, "flags", detail::otlp_link_flags(l));
  });
  json_count(out, "droppedLinksCount", s.dropped_links_count);
  detail::append_key(out, "status");  // always, as in the protobuf writer
  out += '{';
  json_text(out, "message", s.status.description);
  json_count(out, "code", static_cast<std::uint32_t>(s.status.code));
  out += '}';
  json_count(out, "flags", detail::otlp_span_flags(s));
  out += '}';
}

}  // namespace

void append_otlp_json(tracing::SpanBatch spans, std::string& out) {
  const detail::Grouping grouping(spans);
  // The writers decide on separators by the character before them; start a fresh object even
  // when `out` already ends in a bracket of its own.
  out += '{';
  if (!grouping.resources().empty()) {
    out += "\"resourceSpans\":[";
    for (const auto& resource_group : grouping.resources()) {
      detail::append_separator(out);
      out += '{';
      if (detail::has_content(*resource_group.resource)) {
        out += "\"resource\":{";
        json_key_values(out, "attributes", resource_group.resource->attributes);
        out += '}';
      }
      detail::append_key(out, "scopeSpans");
      out += '[';
      for (const auto& scope_group : resource_group.scopes) {
        detail::append_separator(out);
        out += '{';
        if (detail::has_content(*scope_group.scope)) {
          out += "\"scope\":{";
          json_text(out, "name", scope_group.scope->name);
          json_text(out, "version", scope_group.scope->version);
          out += '}';
        }
        detail::append_key(out, "spans");
        out += '[';
        for (const tracing::SpanData* span : scope_group.spans) {
          if (span != nullptr) json_span(out, *span);
        }
        out += "]}";
      }
      out += "]}";
    }
    out += ']';
  }
  out += '}';
}

}  // namespace agentrace::formats
