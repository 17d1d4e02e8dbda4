#include "agentrace/formats/otlp_encoding.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "otlp_flags.hpp"
#include "trace_file.hpp"

namespace agentrace::formats {

namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& field, const std::string& problem) {
  throw std::invalid_argument(field + ": " + problem);
}

// The member under its lowerCamelCase name or, as the protobuf JSON mapping also allows, its
// proto field name.
const Json* member(const Json& object, const char* camel, const char* snake = nullptr) {
  auto it = object.find(camel);
  if (it != object.end() && !it->is_null()) return &*it;
  if (snake != nullptr) {
    it = object.find(snake);
    if (it != object.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

void check_object(const Json& v, const std::string& field) {
  if (!v.is_object()) fail(field, std::string("expected an object, got ") + v.type_name());
}

void check_array(const Json& v, const std::string& field) {
  if (!v.is_array()) fail(field, std::string("expected an array, got ") + v.type_name());
}

std::string read_string(const Json& v, const std::string& field) {
  if (!v.is_string()) fail(field, std::string("expected a string, got ") + v.type_name());
  return v.get<std::string>();
}

// Runs `read_one(element, field)` over the elements of the array `object[key]`, if it has one;
// `field` names the element for errors ("<prefix><key>[<i>]").
template <typename ReadOne>
void for_each_in(const Json& object, const char* key, const std::string& prefix, ReadOne read_one) {
  const Json* list = member(object, key);
  if (list == nullptr) return;
  check_array(*list, prefix + key);
  for (std::size_t i = 0; i < list->size(); ++i) read_one(list->at(i), prefix + key + "[" + std::to_string(i) + "]");
}

template <typename T, typename ReadOne>
std::vector<T> read_list(const Json& object, const char* key, const std::string& prefix, ReadOne read_one) {
  std::vector<T> out;
  for_each_in(object, key, prefix, [&](const Json& element, const std::string& field) {
    out.push_back(read_one(element, field));
  });
  return out;
}

// 64-bit integers: decimal strings (the mapping) or plain numbers (what lenient receivers take).
template <typename T>
T read_integer(const Json& v, const std::string& field) {
  if (v.is_number_unsigned()) {
    const auto n = v.get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) fail(field, "out of range");
    return static_cast<T>(n);
  }
  if (v.is_number_integer()) {
    const auto n = v.get<std::int64_t>();
    if (n < 0 && std::is_unsigned_v<T>) fail(field, "must not be negative");
    return static_cast<T>(n);
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // 2^63 and 2^64 are exact doubles; a double at or above them does not fit.
    constexpr double limit = std::is_unsigned_v<T> ? 18446744073709551616.0 : 9223372036854775808.0;
    const double low = std::is_unsigned_v<T> ? 0.0 : -limit;
    if (!(d >= low && d < limit) || std::trunc(d) != d) fail(field, "expected an integer, got " + v.dump());
    return static_cast<T>(d);
  }
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    T n{};
    const auto result = std::from_chars(text.data(), text.data() + text.size(), n);
    if (result.ec != std::errc{} || result.ptr != text.data() + text.size() || text.empty()) {
      fail(field, "expected an integer, got \"" + text + "\"");
    }
    return n;
  }
  fail(field, std::string("expected an integer, got ") + v.type_name());
}

std::uint32_t read_u32(const Json& v, const std::string& field) {
  const auto n = read_integer<std::uint64_t>(v, field);
  if (n > std::numeric_limits<std::uint32_t>::max()) fail(field, "out of range for 32 bits");
  return static_cast<std::uint32_t>(n);
}

double read_double(const Json& v, const std::string& field) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (text == "Infinity") return std::numeric_limits<double>::infinity();
    if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
    double d = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), d);
    if (result.ec == std::errc{} && result.ptr == text.data() + text.size() && !text.empty()) return d;
  }
  fail(field, "expected a number, got " + v.dump());
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_digit(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;  // standard and URL-safe alphabets
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Hex is the mapping's rule for ids; base64 (the protobuf JSON default for bytes) is what some
// early writers produced, and its length tells it apart.
template <std::size_t N>
bool decode_id(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() == 2 * N) {
    for (std::size_t i = 0; i < N; ++i) {
      const int hi = hex_digit(text[2 * i]);
      const int lo = hex_digit(text[2 * i + 1]);
      if (hi < 0 || lo < 0) return false;
      out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
  }
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() != (4 * N + 2) / 3) return false;
  std::uint32_t bits = 0;
  int have = 0;
  std::size_t n = 0;
  for (char c : text) {
    const int d = base64_digit(c);
    if (d < 0) return false;
    bits = bits << 6 | static_cast<std::uint32_t>(d);
    have += 6;
    if (have >= 8) {
      have -= 8;
      if (n == N) return false;
      out[n++] = static_cast<std::uint8_t>(bits >> have);
    }
  }
  return n == N;
}

template <typename Id>
Id read_id(const Json& v, const std::string& field) {
  const std::string text = read_string(v, field);
  if (text.empty()) return Id{};  // proto3's empty bytes: no id
  std::array<std::uint8_t, Id::size> bytes{};
  if (!decode_id(text, bytes)) {
    fail(field, "expected " + std::to_string(2 * Id::size) + " hex digits, got \"" + text + "\"");
  }
  return Id(bytes);
}

// Enums: the integer (the mapping's rule) or the enumerator's name, `names` in value order.
// Callers read unknown numbers as the default, as proto3's open enums allow.
template <std::size_t N>
std::uint64_t read_enum(const Json& v, const std::string& field, const std::string_view (&names)[N], const char* what) {
  if (!v.is_string()) return read_integer<std::uint64_t>(v, field);
  const auto& text = v.get_ref<const std::string&>();
  const auto it = std::find(std::begin(names), std::end(names), text);
  if (it == std::end(names)) fail(field, std::string("unknown ") + what + " \"" + text + "\"");
  return static_cast<std::uint64_t>(it - std::begin(names));
}

tracing::SpanKind read_kind(const Json& v, const std::string& field) {
  static constexpr std::string_view names[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                                               "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
  const std::uint64_t n = read_enum(v, field, names, "span kind");
  return n >= 1 && n <= 5 ? static_cast<tracing::SpanKind>(n) : tracing::SpanKind::internal;
}

tracing::StatusCode read_status_code(const Json& v, const std::string& field) {
  static constexpr std::string_view names[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"};
  const std::uint64_t n = read_enum(v, field, names, "status code");
  return n <= 2 ? static_cast<tracing::StatusCode>(n) : tracing::StatusCode::unset;
}

// A KeyValue (of an attribute list or a kvlistValue): its key, which must be there, and its
// value, null when absent.
struct KeyValue {
  const Json& key;
  const Json* value;
};

KeyValue key_value(const Json& kv, const std::string& field) {
  check_object(kv, field);
  const Json* key = member(kv, "key");
  if (key == nullptr) fail(field + ".key", "missing");
  return KeyValue{*key, member(kv, "value")};
}

// An AnyValue as plain JSON: how maps, bytes and nested arrays, which attributes cannot hold,
// are kept (as the text of this JSON).
Json plain_json(const Json& any, const std::string& field);

std::optional<tracing::AttributeValue> read_scalar(const Json& any, const std::string& field, bool nested_ok) {
  check_object(any, field);
  if (const Json* s = member(any, "stringValue", "string_value")) return read_string(*s, field + ".stringValue");
  if (const Json* b = member(any, "boolValue", "bool_value")) {
    if (!b->is_boolean()) fail(field + ".boolValue", std::string("expected true or false, got ") + b->type_name());
    return b->get<bool>();
  }
  if (const Json* i = member(any, "intValue", "int_value")) return read_integer<std::int64_t>(*i, field + ".intValue");
  if (const Json* d = member(any, "doubleValue", "double_value")) return read_double(*d, field + ".doubleValue");
  if (const Json* y = member(any, "bytesValue", "bytes_value")) return read_string(*y, field + ".bytesValue");
  if (member(any, "kvlistValue", "kvlist_value") != nullptr || (nested_ok && member(any, "arrayValue", "array_value"))) {
    return plain_json(any, field).dump();
  }
  return std::nullopt;
}

Json plain_json(const Json& any, const std::string& field) {
  if (const Json* a = member(any, "arrayValue", "array_value")) {
    check_object(*a, field + ".arrayValue");
    Json out = Json::array();
    for_each_in(*a, "values", field + ".arrayValue.",
                [&out](const Json& value, const std::string& at) { out.push_back(plain_json(value, at)); });
    return out;
  }
  if (const Json* m = member(any, "kvlistValue", "kvlist_value")) {
    check_object(*m, field + ".kvlistValue");
    Json out = Json::object();
    for_each_in(*m, "values", field + ".kvlistValue.", [&out](const Json& element, const std::string& at) {
      const KeyValue kv = key_value(element, at);
      out[read_string(kv.key, at + ".key")] = kv.value != nullptr ? plain_json(*kv.value, at + ".value") : Json();
    });
    return out;
  }
  const auto scalar = read_scalar(any, field, false);
  if (!scalar) return Json();
  return std::visit(
      [](const auto& v) -> Json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          return std::isfinite(v) ? Json(v) : Json(std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::string>) {
          return Json(v);
        } else {
          return Json();  // scalars only here
        }
      },
      *scalar);
}

// An array attribute keeps its element type when every element has it (ints and doubles mixed
// read as doubles); any other mixture reads as strings.
tracing::AttributeValue read_array(const Json& array, const std::string& field) {
  check_object(array, field);
  const auto items = read_list<tracing::AttributeValue>(array, "values", field + ".", [](const Json& value, const std::string& at) {
    auto item = read_scalar(value, at, true);
    return item ? std::move(*item) : tracing::AttributeValue{std::string{}};
  });
  auto all = [&](auto predicate) { return std::all_of(items.begin(), items.end(), predicate); };
  auto holds = [](std::size_t index) { return [index](const tracing::AttributeValue& v) { return v.index() == index; }; };
  if (items.empty()) return std::vector<std::string>{};
  if (all(holds(0))) {
    std::vector<bool> out;
    for (const auto& v : items) out.push_back(std::get<bool>(v));
    return out;
  }
  if (all(holds(1))) {
    std::vector<std::int64_t> out;
    for (const auto& v : items) out.push_back(std::get<std::int64_t>(v));
    return out;
  }
  if (all([](const tracing::AttributeValue& v) { return v.index() == 1 || v.index() == 2; })) {
    std::vector<double> out;
    for (const auto& v : items) {
      out.push_back(v.index() == 1 ? static_cast<double>(std::get<std::int64_t>(v)) : std::get<double>(v));
    }
    return out;
  }
  std::vector<std::string> out;
  for (const auto& v : items) out.push_back(v.index() == 3 ? std::get<std::string>(v) : tracing::to_display_string(v));
  return out;
}

tracing::Attributes read_attributes(const Json& object, const std::string& prefix) {
  tracing::Attributes out;
  for_each_in(object, "attributes", prefix, [&out](const Json& element, const std::string& at) {
    const KeyValue kv = key_value(element, at);
    if (kv.value == nullptr) return;  // an empty value has no type to keep
    std::optional<tracing::AttributeValue> v;
    if (const Json* array = member(*kv.value, "arrayValue", "array_value")) {
      v = read_array(*array, at + ".value.arrayValue");
    } else {
      v = read_scalar(*kv.value, at + ".value", false);
    }
    if (v) out.emplace_back(read_string(kv.key, at + ".key"), std::move(*v));
  });
  return out;
}

std::uint32_t optional_u32(const Json& object, const char* camel, const char* snake, const std::string& prefix) {
  const Json* v = member(object, camel, snake);
  return v != nullptr ? read_u32(*v, prefix + camel) : 0;
}

void apply_flags(std::uint32_t flags, tracing::TraceFlags& trace_flags, bool& remote) {
  trace_flags.value = static_cast<std::uint8_t>(flags & 0xFF);
  remote = (flags & detail::otlp_flag_has_is_remote) != 0 && (flags & detail::otlp_flag_is_remote) != 0;
}

tracing::SpanData read_span(const Json& j, const std::string& field, const tracing::SpanSource* source) {
  check_object(j, field);
  const std::string p = field + ".";
  tracing::SpanData s;
  const Json* trace_id = member(j, "traceId", "trace_id");
  const Json* span_id = member(j, "spanId", "span_id");
  if (trace_id == nullptr) fail(p + "traceId", "missing");
  if (span_id == nullptr) fail(p + "spanId", "missing");
  s.trace_id = read_id<tracing::TraceId>(*trace_id, p + "traceId");
  s.span_id = read_id<tracing::SpanId>(*span_id, p + "spanId");
  if (!s.trace_id.valid()) fail(p + "traceId", "an empty or all-zero id is invalid");
  if (!s.span_id.valid()) fail(p + "spanId", "an empty or all-zero id is invalid");
  if (const Json* v = member(j, "traceState", "trace_state")) s.trace_state = read_string(*v, p + "traceState");
  if (const Json* v = member(j, "parentSpanId", "parent_span_id")) {
    s.parent_span_id = read_id<tracing::SpanId>(*v, p + "parentSpanId");
  }
  if (const Json* v = member(j, "flags")) apply_flags(read_u32(*v, p + "flags"), s.flags, s.parent_remote);
  if (const Json* v = member(j, "name")) s.name = read_string(*v, p + "name");
  if (const Json* v = member(j, "kind")) s.kind = read_kind(*v, p + "kind");
  if (const Json* v = member(j, "startTimeUnixNano", "start_time_unix_nano")) {
    s.start_unix_ns = read_integer<std::uint64_t>(*v, p + "startTimeUnixNano");
  }
  if (const Json* v = member(j, "endTimeUnixNano", "end_time_unix_nano")) {
    s.end_unix_ns = read_integer<std::uint64_t>(*v, p + "endTimeUnixNano");
  }
  s.attributes = read_attributes(j, p);
  s.dropped_attributes_count = optional_u32(j, "droppedAttributesCount", "dropped_attributes_count", p);
  s.events = read_list<tracing::Event>(j, "events", p, [](const Json& e, const std::string& at) {
    check_object(e, at);
    const std::string ep = at + ".";
    tracing::Event event;
    if (const Json* v = member(e, "timeUnixNano", "time_unix_nano")) {
      event.time_unix_ns = read_integer<std::uint64_t>(*v, ep + "timeUnixNano");
    }
    if (const Json* v = member(e, "name")) event.name = read_string(*v, ep + "name");
    event.attributes = read_attributes(e, ep);
    event.dropped_attributes_count = optional_u32(e, "droppedAttributesCount", "dropped_attributes_count", ep);
    return event;
  });
  s.dropped_events_count = optional_u32(j, "droppedEventsCount", "dropped_events_count", p);
  s.links = read_list<tracing::Link>(j, "links", p, [](const Json& l, const std::string& at) {
    check_object(l, at);
    const std::string lp = at + ".";
    tracing::Link link;
    if (const Json* v = member(l, "traceId", "trace_id")) link.context.trace_id = read_id<tracing::TraceId>(*v, lp + "traceId");
    if (const Json* v = member(l, "spanId", "span_id")) link.context.span_id = read_id<tracing::SpanId>(*v, lp + "spanId");
    if (const Json* v = member(l, "traceState", "trace_state")) {
      link.context.trace_state = read_string(*v, lp + "traceState");
    }
    link.attributes = read_attributes(l, lp);
    link.dropped_attributes_count = optional_u32(l, "droppedAttributesCount", "dropped_attributes_count", lp);
    if (const Json* v = member(l, "flags")) {
      apply_flags(read_u32(*v, lp + "flags"), link.context.flags, link.context.remote);
    }
    return link;
  });
  s.dropped_links_count = optional_u32(j, "droppedLinksCount", "dropped_links_count", p);
  if (const Json* st = member(j, "status")) {
    check_object(*st, p + "status");
    if (const Json* v = member(*st, "message")) s.status.description = read_string(*v, p + "status.message");
    if (const Json* v = member(*st, "code")) s.status.code = read_status_code(*v, p + "status.code");
  }
  s.source = source;
  return s;
}

const tracing::SpanSource* read_source(tracing::Resource resource, tracing::InstrumentationScope scope) {
  // Spans written without a resource or scope point at the shared empty source, so that a span
  // read back compares equal to the one that was written.
  if (resource == tracing::Resource{} && scope == tracing::InstrumentationScope{}) return &tracing::SpanSource::empty();
  return &tracing::SpanSource::intern(std::move(resource), std::move(scope));
}

void read_request(const Json& request, std::vector<tracing::SpanData>& out) {
  if (!request.is_object()) fail("request", std::string("expected a JSON object, got ") + request.type_name());
  const Json* list = member(request, "resourceSpans", "resource_spans");
  if (list == nullptr) return;
  check_array(*list, "resourceSpans");
  for (std::size_t r = 0; r < list->size(); ++r) {
    const std::string rp = "resourceSpans[" + std::to_string(r) + "]";
    const Json& resource_spans = list->at(r);
    check_object(resource_spans, rp);
    tracing::Resource resource;
    if (const Json* res = member(resource_spans, "resource")) {
      check_object(*res, rp + ".resource");
      resource.attributes = read_attributes(*res, rp + ".resource.");
    }
    const char* scope_key = "scopeSpans";
    const Json* scopes = member(resource_spans, "scopeSpans", "scope_spans");
    if (scopes == nullptr) {  // before opentelemetry-proto 0.15
      scope_key = "instrumentationLibrarySpans";
      scopes = member(resource_spans, "instrumentationLibrarySpans", "instrumentation_library_spans");
    }
    if (scopes == nullptr) continue;
    check_array(*scopes, rp + "." + scope_key);
    for (std::size_t c = 0; c < scopes->size(); ++c) {
      const std::string cp = rp + "." + scope_key + "[" + std::to_string(c) + "]";
      const Json& scope_spans = scopes->at(c);
      check_object(scope_spans, cp);
      tracing::InstrumentationScope scope;
      const Json* sc = member(scope_spans, "scope");
      if (sc == nullptr) sc = member(scope_spans, "instrumentationLibrary", "instrumentation_library");
      if (sc != nullptr) {
        check_object(*sc, cp + ".scope");
        if (const Json* v = member(*sc, "name")) scope.name = read_string(*v, cp + ".scope.name");
        if (const Json* v = member(*sc, "version")) scope.version = read_string(*v, cp + ".scope.version");
      }
      const tracing::SpanSource* source = read_source(resource, std::move(scope));
      for_each_in(scope_spans, "spans", cp + ".",
                  [&](const Json& span, const std::string& at) { out.push_back(read_span(span, at, source)); });
    }
  }
}

Json parse_json(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    throw detail::json_syntax_error(e.what(), e.byte);
  } catch (const Json::out_of_range& e) {
    throw detail::json_number_error(e.what());
  }
}

bool is_blank(std::string_view text) noexcept {
  return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

}  // namespace

std::vector<tracing::SpanData> from_otlp_json(std::string_view json) {
  const Json request = parse_json(json);
  std::vector<tracing::SpanData> out;
  read_request(request, out);
  return out;
}

JsonlReadResult read_otlp_json(std::istream& in) {
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // editors' byte order mark
  JsonlReadResult result;
  if (is_blank(text)) return result;

  // One document, pretty-printed or on one line.
  const Json whole = Json::parse(text, nullptr, false);
  if (!whole.is_discarded()) {
    try {
      read_request(whole, result.spans);
    } catch (const std::exception& e) {
      result.spans.clear();
      result.errors.push_back(JsonlError{1, e.what()});
    }
    return result;
  }

  // Several lines that are each a document (the file exporters' format), or one broken document.
  std::size_t first_line_end = 0;
  std::size_t first_line_start = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    if (!is_blank(std::string_view(text).substr(at, end - at))) {
      first_line_start = at;
      first_line_end = end;
      break;
    }
    at = end + 1;
  }
  const std::string_view first = std::string_view(text).substr(first_line_start, first_line_end - first_line_start);
  if (Json::parse(first, nullptr, false).is_discarded()) {
    try {
      parse_json(text);
    } catch (const std::exception& e) {
      // The line of the byte nlohmann stopped at.
      const std::string_view what = e.what();
      std::size_t line = 1;
      const auto at = what.find("at byte ");
      if (at != std::string_view::npos) {
        std::size_t byte = 0;
        std::from_chars(what.data() + at + 8, what.data() + what.size(), byte);
        line += static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(
                                                                                   std::min(byte, text.size())),
                                                    '\n'));
      }
      result.errors.push_back(JsonlError{line, e.what()});
    }
    return result;
  }
  std::size_t number = 0;
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    ++number;
    std::string_view line = std::string_view(text).substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!is_blank(line)) {
      try {
        const Json request = parse_json(line);
        std::vector<tracing::SpanData> spans;
        read_request(request, spans);
        std::move(spans.begin(), spans.end(), std::back_inserter(result.spans));
      } catch (const std::exception& e) {
        result.errors.push_back(JsonlError{number, e.what()});
      }
    }
    at = end + 1;
  }
  return result;
}

JsonlReadResult read_otlp_json_file(const std::filesystem::path& path) {
  return detail::read_trace_file_with(path, read_otlp_json);
}

bool looks_like_otlp_json(std::string_view head) noexcept {
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  const auto brace = head.find_first_not_of(" \t\r\n");
  if (brace == std::string_view::npos || head[brace] != '{') return false;
  const auto key = head.find_first_not_of(" \t\r\n", brace + 1);
  if (key == std::string_view::npos) return false;
  const std::string_view rest = head.substr(key);
  return rest.starts_with("\"resourceSpans\"") || rest.starts_with("\"resource_spans\"");
}

}  // namespace agentrace::formats
