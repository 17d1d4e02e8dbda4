#include "agentrace/formats/otlp_encoding.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "json_text.hpp"
#include "otlp_flags.hpp"
#include "otlp_grouping.hpp"

namespace agentrace::formats {

namespace {

// Field numbers of opentelemetry-proto 1.x.
namespace pb {
// collector/trace/v1/trace_service.proto: ExportTraceServiceRequest
constexpr std::uint32_t request_resource_spans = 1;
// trace/v1/trace.proto
constexpr std::uint32_t resource_spans_resource = 1;
constexpr std::uint32_t resource_spans_scope_spans = 2;
constexpr std::uint32_t scope_spans_scope = 1;
constexpr std::uint32_t scope_spans_spans = 2;
constexpr std::uint32_t span_trace_id = 1;
constexpr std::uint32_t span_span_id = 2;
constexpr std::uint32_t span_trace_state = 3;
constexpr std::uint32_t span_parent_span_id = 4;
constexpr std::uint32_t span_name = 5;
constexpr std::uint32_t span_kind = 6;
constexpr std::uint32_t span_start_time = 7;  // fixed64
constexpr std::uint32_t span_end_time = 8;    // fixed64
constexpr std::uint32_t span_attributes = 9;
constexpr std::uint32_t span_dropped_attributes = 10;
constexpr std::uint32_t span_events = 11;
constexpr std::uint32_t span_dropped_events = 12;
constexpr std::uint32_t span_links = 13;
constexpr std::uint32_t span_dropped_links = 14;
constexpr std::uint32_t span_status = 15;
constexpr std::uint32_t span_flags = 16;  // fixed32
constexpr std::uint32_t event_time = 1;   // fixed64
constexpr std::uint32_t event_name = 2;
constexpr std::uint32_t event_attributes = 3;
constexpr std::uint32_t event_dropped_attributes = 4;
constexpr std::uint32_t link_trace_id = 1;
constexpr std::uint32_t link_span_id = 2;
constexpr std::uint32_t link_trace_state = 3;
constexpr std::uint32_t link_attributes = 4;
constexpr std::uint32_t link_dropped_attributes = 5;
constexpr std::uint32_t link_flags = 6;  // fixed32
constexpr std::uint32_t status_message = 2;  // 1 is reserved
constexpr std::uint32_t status_code = 3;
// resource/v1/resource.proto
constexpr std::uint32_t resource_attributes = 1;
// common/v1/common.proto
constexpr std::uint32_t scope_name = 1;
constexpr std::uint32_t scope_version = 2;
constexpr std::uint32_t key_value_key = 1;
constexpr std::uint32_t key_value_value = 2;
constexpr std::uint32_t any_string = 1;
constexpr std::uint32_t any_bool = 2;
constexpr std::uint32_t any_int = 3;
constexpr std::uint32_t any_double = 4;  // fixed64 bits
constexpr std::uint32_t any_array = 5;
constexpr std::uint32_t array_values = 1;
}  // namespace pb

enum WireType : std::uint32_t { wire_varint = 0, wire_fixed64 = 1, wire_length = 2, wire_fixed32 = 5 };

constexpr std::size_t max_varint = 10;

constexpr std::size_t varint_size(std::uint64_t v) noexcept {
  return 1 + static_cast<std::size_t>(std::bit_width(v | 1) - 1) / 7;
}

inline char* put_varint(char* p, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

template <std::size_t Bytes>
inline char* put_fixed(char* p, std::uint64_t v) noexcept {
  for (std::size_t i = 0; i < Bytes; ++i) p[i] = static_cast<char>(v >> (8 * i));  // little-endian
  return p + Bytes;
}

// Writes protobuf into a std::string in one pass. A nested message's length is not known until
// its end, so begin() leaves as many bytes as the caller expects the length varint to need and
// end() fills them in; only when the guess was wrong does the body move (rarely: the guesses
// fit all but very large attributes, spans and groups).
class ProtoWriter {
 public:
  struct Mark {
    std::size_t at;        // where the length goes
    std::size_t reserved;  // bytes left for it
  };

  explicit ProtoWriter(std::string& out) : out_(out), pos_(out.size()) {}
  ProtoWriter(const ProtoWriter&) = delete;
  ProtoWriter& operator=(const ProtoWriter&) = delete;
  ProtoWriter(ProtoWriter&&) = delete;
  ProtoWriter& operator=(ProtoWriter&&) = delete;
  // The buffer grows in large steps; what was not written is cut off here.
  ~ProtoWriter() { out_.resize(pos_); }

  void varint(std::uint32_t field, std::uint64_t value) {
    char* p = room(2 * max_varint);
    p = put_varint(p, field << 3 | wire_varint);
    commit(put_varint(p, value));
  }
  void fixed64(std::uint32_t field, std::uint64_t value) {
    char* p = room(max_varint + 8);
    p = put_varint(p, field << 3 | wire_fixed64);
    commit(put_fixed<8>(p, value));
  }
  void fixed32(std::uint32_t field, std::uint32_t value) {
    char* p = room(max_varint + 4);
    p = put_varint(p, field << 3 | wire_fixed32);
    commit(put_fixed<4>(p, value));
  }
  void bytes(std::uint32_t field, const void* data, std::size_t size) {
    char* p = room(2 * max_varint + size);
    p = put_varint(p, field << 3 | wire_length);
    p = put_varint(p, size);
    if (size != 0) std::memcpy(p, data, size);
    commit(p + size);
  }
  // A string field: protobuf parsers reject ill-formed UTF-8 (and with it the whole request).
  void text(std::uint32_t field, std::string_view value) {
    if (detail::utf8_valid(value)) {
      bytes(field, value.data(), value.size());
    } else {
      scratch_.clear();
      detail::append_utf8_sanitized(scratch_, value);
      bytes(field, scratch_.data(), scratch_.size());
    }
  }

  Mark begin(std::uint32_t field, std::size_t reserved) {
    char* p = room(max_varint + reserved);
    p = put_varint(p, field << 3 | wire_length);
    const Mark mark{static_cast<std::size_t>(p - out_.data()), reserved};
    pos_ = mark.at + reserved;
    return mark;
  }
  void end(Mark mark) {
    const std::size_t length = pos_ - mark.at - mark.reserved;
    const std::size_t need = varint_size(length);
    if (need != mark.reserved) {
      if (need > mark.reserved) room(need - mark.reserved);
      char* base = out_.data();
      std::memmove(base + mark.at + need, base + mark.at + mark.reserved, length);
      pos_ = mark.at + need + length;
    }
    put_varint(out_.data() + mark.at, length);
  }

 private:
  char* room(std::size_t n) {
    if (out_.size() - pos_ < n) {
      // resize() rather than reserve(), so that writes go through a plain pointer; a reused
      // string first grows into the capacity it already has.
      out_.resize(std::max({pos_ + n, out_.capacity(), 2 * out_.size(), std::size_t{1024}}));
    }
    return out_.data() + pos_;
  }
  void commit(char* p) noexcept { pos_ = static_cast<std::size_t>(p - out_.data()); }

  std::string& out_;
  std::size_t pos_;       // the end of what was written; out_ may be longer
  std::string scratch_;  // sanitised copies of ill-formed strings
};

template <typename T>
void write_scalar(ProtoWriter& w, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    w.varint(pb::any_bool, v ? 1 : 0);
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    w.varint(pb::any_int, static_cast<std::uint64_t>(v));  // int64: negative numbers take 10 bytes
  } else if constexpr (std::is_same_v<T, double>) {
    w.fixed64(pb::any_double, std::bit_cast<std::uint64_t>(v));
  } else {
    w.text(pb::any_string, v);
  }
}

void write_any_value(ProtoWriter& w, std::uint32_t field, const tracing::AttributeValue& value) {
  const auto any = w.begin(field, 1);
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, double> ||
                      std::is_same_v<T, std::string>) {
          write_scalar(w, v);
        } else {
          const auto array = w.begin(pb::any_array, 1);
          for (std::size_t i = 0; i < v.size(); ++i) {
            const auto element = w.begin(pb::array_values, 1);
            if constexpr (std::is_same_v<T, std::vector<bool>>) {
              write_scalar(w, static_cast<bool>(v[i]));  // a vector<bool> element is a proxy
            } else {
              write_scalar(w, v[i]);
            }
            w.end(element);
          }
          w.end(array);
        }
      },
      value);
  w.end(any);
}

void write_key_values(ProtoWriter& w, std::uint32_t field, const tracing::Attributes& attributes) {
  for (const tracing::Attribute& a : attributes) {
    const auto key_value = w.begin(field, 1);
    w.text(pb::key_value_key, a.key);
    write_any_value(w, pb::key_value_value, a.value);
    w.end(key_value);
  }
}

void write_span(ProtoWriter& w, const tracing::SpanData& s) {
  const auto span = w.begin(pb::scope_spans_spans, 2);
  w.bytes(pb::span_trace_id, s.trace_id.bytes().data(), tracing::TraceId::size);
  w.bytes(pb::span_span_id, s.span_id.bytes().data(), tracing::SpanId::size);
  if (!s.trace_state.empty()) w.text(pb::span_trace_state, s.trace_state);
  if (s.parent_span_id.valid()) w.bytes(pb::span_parent_span_id, s.parent_span_id.bytes().data(), tracing::SpanId::size);
  if (!s.name.empty()) w.text(pb::span_name, s.name);
  w.varint(pb::span_kind, static_cast<std::uint64_t>(s.kind));
  if (s.start_unix_ns != 0) w.fixed64(pb::span_start_time, s.start_unix_ns);
  if (s.end_unix_ns != 0) w.fixed64(pb::span_end_time, s.end_unix_ns);
  write_key_values(w, pb::span_attributes, s.attributes);
  if (s.dropped_attributes_count != 0) w.varint(pb::span_dropped_attributes, s.dropped_attributes_count);
  for (const tracing::Event& e : s.events) {
    const auto event = w.begin(pb::span_events, 1);
    if (e.time_unix_ns != 0) w.fixed64(pb::event_time, e.time_unix_ns);
    if (!e.name.empty()) w.text(pb::event_name, e.name);
    write_key_values(w, pb::event_attributes, e.attributes);
    if (e.dropped_attributes_count != 0) w.varint(pb::event_dropped_attributes, e.dropped_attributes_count);
    w.end(event);
  }
  if (s.dropped_events_count != 0) w.varint(pb::span_dropped_events, s.dropped_events_count);
  for (const tracing::Link& l : s.links) {
    const auto link = w.begin(pb::span_links, 1);
    w.bytes(pb::link_trace_id, l.context.trace_id.bytes().data(), tracing::TraceId::size);
    w.bytes(pb::link_span_id, l.context.span_id.bytes().data(), tracing::SpanId::size);
    if (!l.context.trace_state.empty()) w.text(pb::link_trace_state, l.context.trace_state);
    write_key_values(w, pb::link_attributes, l.attributes);
    if (l.dropped_attributes_count != 0) w.varint(pb::link_dropped_attributes, l.dropped_attributes_count);
    w.fixed32(pb::link_flags, detail::otlp_link_flags(l));
    w.end(link);
  }
  if (s.dropped_links_count != 0) w.varint(pb::span_dropped_links, s.dropped_links_count);
  {
    // Always written, empty when unset: legal to omit, but common receivers (mockotlpserver's
    // printer) fail on a span without one.
    const auto status = w.begin(pb::span_status, 1);
    if (!s.status.description.empty()) w.text(pb::status_message, s.status.description);
    if (s.status.code != tracing::StatusCode::unset) w.varint(pb::status_code, static_cast<std::uint64_t>(s.status.code));
    w.end(status);
  }
  w.fixed32(pb::span_flags, detail::otlp_span_flags(s));
  w.end(span);
}

}  // namespace

void append_otlp_protobuf(tracing::SpanBatch spans, std::string& out) {
  const detail::Grouping grouping(spans);
  ProtoWriter w(out);
  for (const auto& resource_group : grouping.resources()) {
    const auto resource_spans = w.begin(pb::request_resource_spans, 3);
    if (detail::has_content(*resource_group.resource)) {
      const auto resource = w.begin(pb::resource_spans_resource, 2);
      write_key_values(w, pb::resource_attributes, resource_group.resource->attributes);
      w.end(resource);
    }
    for (const auto& scope_group : resource_group.scopes) {
      const auto scope_spans = w.begin(pb::resource_spans_scope_spans, 3);
      if (detail::has_content(*scope_group.scope)) {
        const auto scope = w.begin(pb::scope_spans_scope, 1);
        if (!scope_group.scope->name.empty()) w.text(pb::scope_name, scope_group.scope->name);
        if (!scope_group.scope->version.empty()) w.text(pb::scope_version, scope_group.scope->version);
        w.end(scope);
      }
      for (const tracing::SpanData* span : scope_group.spans) {
        if (span != nullptr) write_span(w, *span);
      }
      w.end(scope_spans);
    }
    w.end(resource_spans);
  }
}

}  // namespace agentrace::formats
