// The OTLP protobuf encoding, read back with the test suite's own schema-less wire decoder and
// walked with opentelemetry-proto's field numbers as written out below (not the encoder's).
#include <catch2/catch.hpp>

#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "agentrace/formats/otlp_encoding.hpp"
#include "support/protobuf_decoder.hpp"
#include "tracing/sample_spans.hpp"

using namespace agentrace::formats;
using namespace agentrace::tracing;
using agentrace::testing::full_span;
using agentrace::testing::plain_span;
using agentrace::testing::pointers;
using agentrace::testing::protobuf::Message;
using agentrace::testing::protobuf::WireType;

namespace {

// opentelemetry-proto 1.x: collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
// resource/v1/resource.proto, common/v1/common.proto.
namespace otlp {
constexpr std::uint32_t request_resource_spans = 1;
constexpr std::uint32_t resource_spans_resource = 1;
constexpr std::uint32_t resource_spans_scope_spans = 2;
constexpr std::uint32_t resource_attributes = 1;
constexpr std::uint32_t scope_spans_scope = 1;
constexpr std::uint32_t scope_spans_spans = 2;
constexpr std::uint32_t scope_name = 1;
constexpr std::uint32_t scope_version = 2;
constexpr std::uint32_t span_trace_id = 1;
constexpr std::uint32_t span_span_id = 2;
constexpr std::uint32_t span_trace_state = 3;
constexpr std::uint32_t span_parent_span_id = 4;
constexpr std::uint32_t span_name = 5;
constexpr std::uint32_t span_kind = 6;
constexpr std::uint32_t span_start_time_unix_nano = 7;
constexpr std::uint32_t span_end_time_unix_nano = 8;
constexpr std::uint32_t span_attributes = 9;
constexpr std::uint32_t span_dropped_attributes_count = 10;
constexpr std::uint32_t span_events = 11;
constexpr std::uint32_t span_dropped_events_count = 12;
constexpr std::uint32_t span_links = 13;
constexpr std::uint32_t span_dropped_links_count = 14;
constexpr std::uint32_t span_status = 15;
constexpr std::uint32_t span_flags = 16;
constexpr std::uint32_t event_time_unix_nano = 1;
constexpr std::uint32_t event_name = 2;
constexpr std::uint32_t event_attributes = 3;
constexpr std::uint32_t event_dropped_attributes_count = 4;
constexpr std::uint32_t link_trace_id = 1;
constexpr std::uint32_t link_span_id = 2;
constexpr std::uint32_t link_trace_state = 3;
constexpr std::uint32_t link_attributes = 4;
constexpr std::uint32_t link_dropped_attributes_count = 5;
constexpr std::uint32_t link_flags = 6;
constexpr std::uint32_t status_message = 2;
constexpr std::uint32_t status_code = 3;
constexpr std::uint32_t key_value_key = 1;
constexpr std::uint32_t key_value_value = 2;
constexpr std::uint32_t any_string_value = 1;
constexpr std::uint32_t any_bool_value = 2;
constexpr std::uint32_t any_int_value = 3;
constexpr std::uint32_t any_double_value = 4;
constexpr std::uint32_t any_array_value = 5;
constexpr std::uint32_t array_values = 1;
}  // namespace otlp

std::string encode(const std::vector<SpanData>& spans) {
  std::string out;
  append_otlp_protobuf(pointers(spans), out);
  return out;
}

template <std::size_t N>
std::string raw(const std::array<std::uint8_t, N>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), N);
}

// An AnyValue as the wire has it: exactly one member of the oneof, with its wire type.
AttributeValue scalar_value(const Message& any) {
  REQUIRE(any.field_numbers().size() == 1);
  if (any.has(otlp::any_string_value)) return any.bytes(otlp::any_string_value);
  if (any.has(otlp::any_bool_value)) {
    const auto v = any.varint(otlp::any_bool_value);
    REQUIRE(v <= 1);
    return v == 1;
  }
  if (any.has(otlp::any_int_value)) return static_cast<std::int64_t>(any.varint(otlp::any_int_value));
  if (any.has(otlp::any_double_value)) return std::bit_cast<double>(any.fixed64(otlp::any_double_value));
  FAIL("not a scalar AnyValue");
  return false;
}

AttributeValue any_value(const Message& any) {
  if (!any.has(otlp::any_array_value)) return scalar_value(any);
  REQUIRE(any.field_numbers().size() == 1);
  const std::vector<Message> values = any.message(otlp::any_array_value).messages(otlp::array_values);
  if (values.empty()) return std::vector<std::string>{};
  const AttributeValue first = scalar_value(values.front());
  return std::visit(
      [&](const auto& f) -> AttributeValue {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, double> ||
                      std::is_same_v<T, std::string>) {
          std::vector<T> out;
          for (const Message& v : values) out.push_back(std::get<T>(scalar_value(v)));  // throws on mixed types
          return out;
        } else {
          FAIL("an array element that is not a scalar");
          return false;
        }
      },
      first);
}

Attributes key_values(const std::vector<Message>& list) {
  Attributes out;
  for (const Message& kv : list) {
    REQUIRE(kv.field_numbers() == std::vector<std::uint32_t>{otlp::key_value_key, otlp::key_value_value});
    out.emplace_back(kv.bytes(otlp::key_value_key), any_value(kv.message(otlp::key_value_value)));
  }
  return out;
}

std::string flags_bytes(std::uint32_t v) {
  std::string out = "\x85\x01";  // field 16, wire type 5: (16 << 3 | 5) as a varint
  for (int i = 0; i < 4; ++i) out += static_cast<char>(v >> (8 * i));
  return out;
}

}  // namespace

TEST_CASE("OTLP protobuf: every field of a span, with every attribute type", "[formats][otlp]") {
  const SpanData s = full_span();
  const Message request = Message::parse(encode({s}));
  REQUIRE(request.field_numbers() == std::vector<std::uint32_t>{otlp::request_resource_spans});
  const auto resource_spans = request.messages(otlp::request_resource_spans);
  REQUIRE(resource_spans.size() == 1);

  const Message resource = resource_spans[0].message(otlp::resource_spans_resource);
  CHECK(key_values(resource.messages(otlp::resource_attributes)) == s.resource().attributes);
  const auto scope_spans = resource_spans[0].messages(otlp::resource_spans_scope_spans);
  REQUIRE(scope_spans.size() == 1);
  const Message scope = scope_spans[0].message(otlp::scope_spans_scope);
  CHECK(scope.bytes(otlp::scope_name) == "agentrace.tests");
  CHECK(scope.bytes(otlp::scope_version) == "1.2.3");
  const auto spans = scope_spans[0].messages(otlp::scope_spans_spans);
  REQUIRE(spans.size() == 1);
  const Message& span = spans[0];

  CHECK(span.bytes(otlp::span_trace_id) == raw(s.trace_id.bytes()));
  CHECK(span.bytes(otlp::span_span_id) == raw(s.span_id.bytes()));
  CHECK(span.bytes(otlp::span_trace_state) == s.trace_state);
  CHECK(span.bytes(otlp::span_parent_span_id) == raw(s.parent_span_id.bytes()));
  CHECK(span.bytes(otlp::span_name) == "chat gpt-4o");
  CHECK(span.varint(otlp::span_kind) == 3);                                   // SPAN_KIND_CLIENT
  CHECK(span.fixed64(otlp::span_start_time_unix_nano) == s.start_unix_ns);  // fixed64, not varint
  CHECK(span.fixed64(otlp::span_end_time_unix_nano) == s.end_unix_ns);
  CHECK(key_values(span.messages(otlp::span_attributes)) == s.attributes);
  CHECK(span.varint(otlp::span_dropped_attributes_count) == 3);
  CHECK(span.varint(otlp::span_dropped_events_count) == 4);
  CHECK(span.varint(otlp::span_dropped_links_count) == 5);
  // Trace flags 0x03, "has is_remote" 0x100, "parent is remote" 0x200.
  CHECK(span.fixed32(otlp::span_flags) == 0x303);

  const auto events = span.messages(otlp::span_events);
  REQUIRE(events.size() == 2);
  CHECK(events[0].fixed64(otlp::event_time_unix_nano) == s.events[0].time_unix_ns);
  CHECK(events[0].bytes(otlp::event_name) == "exception");
  CHECK(key_values(events[0].messages(otlp::event_attributes)) == s.events[0].attributes);
  CHECK(events[0].varint(otlp::event_dropped_attributes_count) == 1);
  CHECK(events[1].field_numbers() == std::vector<std::uint32_t>{otlp::event_time_unix_nano, otlp::event_name});

  const auto links = span.messages(otlp::span_links);
  REQUIRE(links.size() == 2);
  CHECK(links[0].bytes(otlp::link_trace_id) == raw(s.links[0].context.trace_id.bytes()));
  CHECK(links[0].bytes(otlp::link_span_id) == raw(s.links[0].context.span_id.bytes()));
  CHECK(links[0].bytes(otlp::link_trace_state) == "vendor=x");
  CHECK(key_values(links[0].messages(otlp::link_attributes)) == s.links[0].attributes);
  CHECK(links[0].varint(otlp::link_dropped_attributes_count) == 2);
  CHECK(links[0].fixed32(otlp::link_flags) == 0x301);  // sampled, remote
  CHECK(links[1].fixed32(otlp::link_flags) == 0x100);  // not sampled, local
  CHECK(links[1].field_numbers() ==
        std::vector<std::uint32_t>{otlp::link_trace_id, otlp::link_span_id, otlp::link_flags});

  const Message status = span.message(otlp::span_status);
  CHECK(status.field_numbers() == std::vector<std::uint32_t>{otlp::status_message, otlp::status_code});
  CHECK(status.bytes(otlp::status_message) == "model timed out");
  CHECK(status.varint(otlp::status_code) == 2);  // STATUS_CODE_ERROR

  // The wire form itself: flags are tag bytes 85 01 and four little-endian bytes, written last.
  const std::string span_bytes = scope_spans[0].all(otlp::scope_spans_spans).front().bytes;
  CHECK(span_bytes.ends_with(flags_bytes(0x303)));
  CHECK(span.order().back() == std::pair{otlp::span_flags, WireType::fixed32});
}

TEST_CASE("OTLP protobuf: attribute values on the wire", "[formats][otlp]") {
  SpanData s = plain_span("values", "1111111111111111", nullptr, 0, 1);
  s.attributes = {{"neg", std::int64_t{-1}}, {"d", 0.5}, {"b", false}, {"e", ""}};
  const Message span = Message::parse(encode({s}))
                           .message(otlp::request_resource_spans)
                           .message(otlp::resource_spans_scope_spans)
                           .message(otlp::scope_spans_spans);
  const auto kvs = span.messages(otlp::span_attributes);
  REQUIRE(kvs.size() == 4);
  // int64 is a plain varint: -1 takes ten bytes (not zigzag).
  const Message neg = kvs[0].message(otlp::key_value_value);
  CHECK(neg.varint(otlp::any_int_value) == 0xFFFFFFFFFFFFFFFFULL);
  CHECK(kvs[0].all(otlp::key_value_value).front().bytes == std::string("\x18\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01"));
  // double is fixed64 (IEEE 754 bits, little-endian).
  CHECK(kvs[1].all(otlp::key_value_value).front().bytes == std::string("\x21\x00\x00\x00\x00\x00\x00\xE0\x3F", 9));
  // A oneof member at its default is still written: it is what gives the value its type.
  CHECK(kvs[2].all(otlp::key_value_value).front().bytes == std::string("\x10\x00", 2));
  CHECK(kvs[3].all(otlp::key_value_value).front().bytes == std::string("\x0A\x00", 2));
}

TEST_CASE("OTLP protobuf: fields at their default are not written, but for an empty status", "[formats][otlp]") {
  SpanData root = plain_span("root", "1111111111111111", nullptr, 0, -1);  // no parent, never ended
  root.source = &SpanSource::empty();
  const Message request = Message::parse(encode({root}));
  const Message resource_spans = request.message(otlp::request_resource_spans);
  CHECK_FALSE(resource_spans.has(otlp::resource_spans_resource));  // an empty resource
  const Message scope_spans = resource_spans.message(otlp::resource_spans_scope_spans);
  CHECK_FALSE(scope_spans.has(otlp::scope_spans_scope));  // an empty scope
  const Message span = scope_spans.message(otlp::scope_spans_spans);
  // The status is always written, empty when unset: common receivers fail on a span without one.
  CHECK(span.field_numbers() == std::vector<std::uint32_t>{otlp::span_trace_id, otlp::span_span_id, otlp::span_name,
                                                           otlp::span_kind, otlp::span_start_time_unix_nano,
                                                           otlp::span_status, otlp::span_flags});
  CHECK(span.message(otlp::span_status).field_numbers().empty());
  CHECK(span.varint(otlp::span_kind) == 1);        // SPAN_KIND_INTERNAL
  CHECK(span.fixed32(otlp::span_flags) == 0x101);  // sampled, parent (none) not remote

  SpanData child = plain_span("child", "2222222222222222", "1111111111111111", 1, 2);
  child.status = Status{StatusCode::ok, ""};
  const Message child_span = Message::parse(encode({child}))
                                 .message(otlp::request_resource_spans)
                                 .message(otlp::resource_spans_scope_spans)
                                 .message(otlp::scope_spans_spans);
  CHECK(child_span.fixed32(otlp::span_flags) == 0x101);  // sampled with a local parent
  CHECK(child_span.message(otlp::span_status).field_numbers() == std::vector<std::uint32_t>{otlp::status_code});
}

TEST_CASE("OTLP protobuf: one ResourceSpans per resource, one ScopeSpans per scope", "[formats][otlp]") {
  Resource r1;
  r1.attributes = {{"service.name", "a"}};
  Resource r2;
  r2.attributes = {{"service.name", "b"}};
  const SpanSource* a_x = &SpanSource::intern(r1, {"x", "1"});
  const SpanSource* b_x = &SpanSource::intern(r2, {"x", "1"});
  const SpanSource* a_y = &SpanSource::intern(r1, {"y", ""});
  std::vector<SpanData> spans;
  const SpanSource* order[] = {a_x, b_x, a_y, a_x, b_x, a_y};
  for (int i = 0; i < 6; ++i) {
    const std::string id = "100000000000000" + std::to_string(i + 1);
    SpanData s = plain_span("span " + std::to_string(i), id.c_str(), nullptr, i, i + 1);
    s.source = order[i];
    spans.push_back(s);
  }
  SpanData* null_span = nullptr;
  auto batch = pointers(spans);
  batch.insert(batch.begin() + 2, null_span);  // skipped

  std::string out;
  append_otlp_protobuf(batch, out);
  const auto resource_spans = Message::parse(out).messages(otlp::request_resource_spans);
  REQUIRE(resource_spans.size() == 2);

  auto names = [](const Message& scope_spans) {
    std::vector<std::string> out;
    for (const Message& s : scope_spans.messages(otlp::scope_spans_spans)) out.push_back(s.bytes(otlp::span_name));
    return out;
  };
  auto service = [&](const Message& rs) {
    return key_values(rs.message(otlp::resource_spans_resource).messages(otlp::resource_attributes));
  };
  CHECK(service(resource_spans[0]) == r1.attributes);
  CHECK(service(resource_spans[1]) == r2.attributes);
  const auto a_scopes = resource_spans[0].messages(otlp::resource_spans_scope_spans);
  REQUIRE(a_scopes.size() == 2);
  CHECK(a_scopes[0].message(otlp::scope_spans_scope).bytes(otlp::scope_name) == "x");
  CHECK(names(a_scopes[0]) == std::vector<std::string>{"span 0", "span 3"});
  const Message y = a_scopes[1].message(otlp::scope_spans_scope);
  CHECK(y.bytes(otlp::scope_name) == "y");
  CHECK_FALSE(y.has(otlp::scope_version));
  CHECK(names(a_scopes[1]) == std::vector<std::string>{"span 2", "span 5"});
  const auto b_scopes = resource_spans[1].messages(otlp::resource_spans_scope_spans);
  REQUIRE(b_scopes.size() == 1);
  CHECK(names(b_scopes[0]) == std::vector<std::string>{"span 1", "span 4"});
}

TEST_CASE("OTLP protobuf: lengths of every size, appended to the caller's buffer", "[formats][otlp]") {
  // A 100 KB attribute needs a 3-byte length; 900 spans of 4 KB make a ScopeSpans of more than
  // 2 MiB, whose length needs 4 bytes: the encoder's guesses are too small for both.
  std::vector<SpanData> spans;
  for (int i = 0; i < 900; ++i) {
    SpanData s = plain_span("s", "1111111111111111", nullptr, 0, 1);
    s.attributes = {{"input.value", std::string(i == 0 ? 100'000 : 4000, static_cast<char>('a' + i % 26))}};
    spans.push_back(s);
  }
  std::string out = "prefix";
  append_otlp_protobuf(pointers(spans), out);
  REQUIRE(out.starts_with("prefix"));
  const Message request = Message::parse(std::string_view(out).substr(6));
  const auto decoded = request.message(otlp::request_resource_spans)
                           .message(otlp::resource_spans_scope_spans)
                           .messages(otlp::scope_spans_spans);
  REQUIRE(decoded.size() == spans.size());
  for (std::size_t i = 0; i < spans.size(); i += 97) {
    CHECK(key_values(decoded[i].messages(otlp::span_attributes)) == spans[i].attributes);
  }

  // The buffer is reusable: the same batch gives the same bytes.
  std::string again;
  append_otlp_protobuf(pointers(spans), again);
  CHECK(again == out.substr(6));
  again.clear();
  append_otlp_protobuf(pointers(spans), again);
  CHECK(again == out.substr(6));
}

TEST_CASE("OTLP protobuf: an empty batch is an empty request, ill-formed UTF-8 is replaced", "[formats][otlp]") {
  std::string out;
  append_otlp_protobuf({}, out);
  CHECK(out.empty());

  SpanData s = plain_span("bad \xFF name", "1111111111111111", nullptr, 0, 1);
  s.attributes = {{"k\xC3", std::vector<std::string>{"ok", "\xED\xA0\x80"}}};  // a cut sequence, a surrogate
  const Message span = Message::parse(encode({s}))
                           .message(otlp::request_resource_spans)
                           .message(otlp::resource_spans_scope_spans)
                           .message(otlp::scope_spans_spans);
  CHECK(span.bytes(otlp::span_name) == "bad \xEF\xBF\xBD name");
  const Attributes attrs = key_values(span.messages(otlp::span_attributes));
  CHECK(attrs[0].key == "k\xEF\xBF\xBD");
  CHECK(attrs[0].value == AttributeValue{std::vector<std::string>{"ok", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}});
}

TEST_CASE("the test protobuf decoder rejects malformed wire data", "[formats][otlp]") {
  using agentrace::testing::protobuf::Message;
  CHECK_THROWS(Message::parse(std::string("\x0A\x05" "abc")));          // length past the end
  CHECK_THROWS(Message::parse(std::string("\x08\xFF")));                 // truncated varint
  CHECK_THROWS(Message::parse(std::string("\x0B", 1)));                  // a group
  CHECK_THROWS(Message::parse(std::string("\x00\x01", 2)));              // field 0
  CHECK_THROWS(Message::parse(std::string("\x0D\x01\x02", 3)).fixed32(1));  // truncated fixed32
  const Message m = Message::parse(std::string("\x08\x96\x01\x08\x01", 5));
  CHECK(m.all(1).size() == 2);
  CHECK_THROWS(m.varint(1));  // repeated where one was expected
  CHECK(m.all(1).front().number == 150);
}
