#include "agentrace/formats/jsonl.hpp"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include "append_file.hpp"
#include "trace_file.hpp"

namespace agentrace::formats {

namespace {

// Ordered, because Attributes is a sequence: reading a line back must give the attributes in the
// order they were recorded, or the round trip would not compare equal.
using Json = nlohmann::ordered_json;

// ---- writing ----

Json double_json(double d) {
  if (std::isfinite(d)) return d;
  // JSON has no NaN or infinity; these are the spellings the protobuf JSON mapping uses. They read
  // back as strings, which beats nlohmann's `null` (a line that could not be read back at all).
  if (std::isnan(d)) return "NaN";
  return d > 0 ? "Infinity" : "-Infinity";
}

Json value_json(const tracing::AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> Json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          return double_json(v);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          Json array = Json::array();
          for (double d : v) array.push_back(double_json(d));
          return array;
        } else if constexpr (std::is_same_v<T, std::vector<bool>>) {
          Json array = Json::array();
          for (bool b : v) array.push_back(b);
          return array;
        } else {
          return Json(v);
        }
      },
      value);
}

Json attributes_json(const tracing::Attributes& attributes) {
  Json object = Json::object();
  for (const auto& a : attributes) object[a.key] = value_json(a.value);
  return object;
}

// ---- reading: every accessor names the field it rejects ----

[[noreturn]] void fail(const std::string& field, const std::string& problem) {
  throw std::invalid_argument("field '" + field + "': " + problem);
}

const Json* find(const Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const Json& require(const Json& object, const char* key, const std::string& prefix) {
  if (!object.contains(key)) fail(prefix + key, "missing");
  return object.at(key);
}

std::string read_string(const Json& v, const std::string& field) {
  if (!v.is_string()) fail(field, std::string("expected a string, got ") + v.type_name());
  return v.get<std::string>();
}

bool read_bool(const Json& v, const std::string& field) {
  if (!v.is_boolean()) fail(field, std::string("expected true or false, got ") + v.type_name());
  return v.get<bool>();
}

std::uint64_t read_uint(const Json& v, const std::string& field, std::uint64_t max) {
  if (!v.is_number_integer()) fail(field, std::string("expected an integer, got ") + v.type_name());
  if (!v.is_number_unsigned()) fail(field, "must not be negative");
  const auto n = v.get<std::uint64_t>();
  if (n > max) fail(field, "out of range (at most " + std::to_string(max) + ")");
  return n;
}

std::uint32_t read_u32(const Json& v, const std::string& field) {
  return static_cast<std::uint32_t>(read_uint(v, field, std::numeric_limits<std::uint32_t>::max()));
}

void check_object(const Json& v, const std::string& field) {
  if (!v.is_object()) fail(field, std::string("expected an object, got ") + v.type_name());
}

void check_array(const Json& v, const std::string& field) {
  if (!v.is_array()) fail(field, std::string("expected an array, got ") + v.type_name());
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Links may legitimately carry an all-zero id when the writer had one, so validity is the
// caller's decision; the span's own ids must be valid.
template <typename Id>
Id read_id(const Json& v, const std::string& field, bool allow_zero) {
  const std::string text = read_string(v, field);
  std::array<std::uint8_t, Id::size> bytes{};
  if (text.size() != 2 * Id::size) {
    fail(field, "expected " + std::to_string(2 * Id::size) + " hex digits, got " + std::to_string(text.size()) +
                    " characters");
  }
  for (std::size_t i = 0; i < Id::size; ++i) {
    const int hi = hex_digit(text[2 * i]);
    const int lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) fail(field, "'" + text + "' is not hexadecimal");
    bytes[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  Id id(bytes);
  if (!allow_zero && !id.valid()) fail(field, "an all-zero id is invalid");
  return id;
}

tracing::AttributeValue read_value(const Json& v, const std::string& field);

tracing::AttributeValue read_array(const Json& v, const std::string& field) {
  // An empty array has no element type; string is the most common array attribute.
  if (v.empty()) return std::vector<std::string>{};
  bool all_bool = true;
  bool all_string = true;
  bool all_integer = true;
  bool all_number = true;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const Json& e = v.at(i);
    if (e.is_array() || e.is_object() || e.is_null()) {
      fail(field + "[" + std::to_string(i) + "]",
           std::string("arrays hold bool, number or string, got ") + e.type_name());
    }
    all_bool = all_bool && e.is_boolean();
    all_string = all_string && e.is_string();
    all_integer = all_integer && e.is_number_integer();
    all_number = all_number && e.is_number();
  }
  if (all_bool) {
    std::vector<bool> out;
    for (const Json& e : v) out.push_back(e.get<bool>());
    return out;
  }
  if (all_string) {
    std::vector<std::string> out;
    for (const Json& e : v) out.push_back(e.get<std::string>());
    return out;
  }
  if (all_integer) {
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      out.push_back(std::get<std::int64_t>(read_value(v.at(i), field + "[" + std::to_string(i) + "]")));
    }
    return out;
  }
  // Writers never mix, but a hand-edited [1, 2.5] clearly means doubles.
  if (all_number) {
    std::vector<double> out;
    for (const Json& e : v) out.push_back(e.get<double>());
    return out;
  }
  fail(field, "array elements must all have one type (bool, number or string)");
}

tracing::AttributeValue read_value(const Json& v, const std::string& field) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_unsigned()) {
    const auto n = v.get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(field, "integer out of int64 range");
    }
    return static_cast<std::int64_t>(n);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) return read_array(v, field);
  fail(field, std::string("expected bool, number, string or array, got ") + v.type_name());
}

tracing::Attributes read_attributes(const Json& v, const std::string& field) {
  check_object(v, field);
  tracing::Attributes out;
  out.reserve(v.size());
  for (const auto& [key, value] : v.items()) {
    tracing::Attribute a;
    a.key = key;
    a.value = read_value(value, field + "." + key);
    out.push_back(std::move(a));
  }
  return out;
}

tracing::Attributes optional_attributes(const Json& object, const std::string& prefix) {
  const Json* v = find(object, "attributes");
  return v ? read_attributes(*v, prefix + "attributes") : tracing::Attributes{};
}

std::uint32_t optional_dropped(const Json& object, const std::string& prefix, const char* key) {
  const Json* v = find(object, key);
  return v ? read_u32(*v, prefix + key) : 0;
}

tracing::TraceFlags read_flags(const Json& v, const std::string& field) {
  return tracing::TraceFlags{static_cast<std::uint8_t>(read_uint(v, field, 0xFF))};
}

tracing::SpanKind read_kind(const Json& v, const std::string& field) {
  tracing::SpanKind kind = tracing::SpanKind::internal;
  if (v.is_number_integer()) {  // OTLP's integer, accepted for hand-converted files
    const auto n = read_uint(v, field, 5);
    if (n == 0) fail(field, "0 is not a span kind");
    return static_cast<tracing::SpanKind>(n);
  }
  if (!tracing::from_string(read_string(v, field), kind)) fail(field, "unknown span kind '" + v.get<std::string>() + "'");
  return kind;
}

tracing::Status read_status(const Json& v, const std::string& field) {
  check_object(v, field);
  tracing::Status status;
  const Json& code = require(v, "code", field + ".");
  if (code.is_number_integer()) {
    status.code = static_cast<tracing::StatusCode>(read_uint(code, field + ".code", 2));
  } else if (!tracing::from_string(read_string(code, field + ".code"), status.code)) {
    fail(field + ".code", "unknown status code '" + code.get<std::string>() + "'");
  }
  if (const Json* d = find(v, "description")) status.description = read_string(*d, field + ".description");
  return status;
}

tracing::Event read_event(const Json& v, const std::string& field) {
  check_object(v, field);
  const std::string prefix = field + ".";
  tracing::Event e;
  e.name = read_string(require(v, "name", prefix), prefix + "name");
  e.time_unix_ns =
      read_uint(require(v, "time_unix_ns", prefix), prefix + "time_unix_ns", std::numeric_limits<std::uint64_t>::max());
  e.attributes = optional_attributes(v, prefix);
  e.dropped_attributes_count = optional_dropped(v, prefix, "dropped_attributes_count");
  return e;
}

tracing::Link read_link(const Json& v, const std::string& field) {
  check_object(v, field);
  const std::string prefix = field + ".";
  tracing::Link l;
  l.context.trace_id = read_id<tracing::TraceId>(require(v, "trace_id", prefix), prefix + "trace_id", true);
  l.context.span_id = read_id<tracing::SpanId>(require(v, "span_id", prefix), prefix + "span_id", true);
  if (const Json* f = find(v, "flags")) l.context.flags = read_flags(*f, prefix + "flags");
  if (const Json* r = find(v, "remote")) l.context.remote = read_bool(*r, prefix + "remote");
  if (const Json* t = find(v, "trace_state")) l.context.trace_state = read_string(*t, prefix + "trace_state");
  l.attributes = optional_attributes(v, prefix);
  l.dropped_attributes_count = optional_dropped(v, prefix, "dropped_attributes_count");
  return l;
}

template <typename T, typename ReadOne>
std::vector<T> read_list(const Json& object, const char* key, ReadOne read_one) {
  std::vector<T> out;
  const Json* v = find(object, key);
  if (v == nullptr) return out;
  check_array(*v, key);
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i) {
    out.push_back(read_one(v->at(i), std::string(key) + "[" + std::to_string(i) + "]"));
  }
  return out;
}

const tracing::SpanSource* read_source(const Json& j) {
  tracing::Resource resource;
  tracing::InstrumentationScope scope;
  if (const Json* r = find(j, "resource")) resource.attributes = read_attributes(*r, "resource");
  if (const Json* s = find(j, "scope")) {
    check_object(*s, "scope");
    if (const Json* n = find(*s, "name")) scope.name = read_string(*n, "scope.name");
    if (const Json* v = find(*s, "version")) scope.version = read_string(*v, "scope.version");
  }
  // Spans made without a resource point at the shared empty source; keeping that identity makes
  // a read-back span compare equal to the one that was written.
  if (resource == tracing::Resource{} && scope == tracing::InstrumentationScope{}) return &tracing::SpanSource::empty();
  return &tracing::SpanSource::intern(std::move(resource), std::move(scope));
}

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos; }

}  // namespace

std::string to_jsonl_line(const tracing::SpanData& span) {
  Json j = Json::object();
  j["trace_id"] = span.trace_id.hex();
  j["span_id"] = span.span_id.hex();
  if (span.parent_span_id.valid()) j["parent_span_id"] = span.parent_span_id.hex();
  if (span.parent_remote) j["parent_remote"] = true;
  j["flags"] = span.flags.value;
  if (!span.trace_state.empty()) j["trace_state"] = span.trace_state;
  j["name"] = span.name;
  j["kind"] = std::string(tracing::to_string(span.kind));
  j["start_unix_ns"] = span.start_unix_ns;
  j["end_unix_ns"] = span.end_unix_ns;
  j["attributes"] = attributes_json(span.attributes);
  if (span.dropped_attributes_count != 0) j["dropped_attributes_count"] = span.dropped_attributes_count;
  if (span.status.code != tracing::StatusCode::unset || !span.status.description.empty()) {
    Json status = Json::object();
    status["code"] = std::string(tracing::to_string(span.status.code));
    if (!span.status.description.empty()) status["description"] = span.status.description;
    j["status"] = std::move(status);
  }
  if (!span.events.empty()) {
    Json events = Json::array();
    for (const tracing::Event& e : span.events) {
      Json event = Json::object();
      event["name"] = e.name;
      event["time_unix_ns"] = e.time_unix_ns;
      if (!e.attributes.empty()) event["attributes"] = attributes_json(e.attributes);
      if (e.dropped_attributes_count != 0) event["dropped_attributes_count"] = e.dropped_attributes_count;
      events.push_back(std::move(event));
    }
    j["events"] = std::move(events);
  }
  if (span.dropped_events_count != 0) j["dropped_events_count"] = span.dropped_events_count;
  if (!span.links.empty()) {
    Json links = Json::array();
    for (const tracing::Link& l : span.links) {
      Json link = Json::object();
      link["trace_id"] = l.context.trace_id.hex();
      link["span_id"] = l.context.span_id.hex();
      link["flags"] = l.context.flags.value;
      if (l.context.remote) link["remote"] = true;
      if (!l.context.trace_state.empty()) link["trace_state"] = l.context.trace_state;
      if (!l.attributes.empty()) link["attributes"] = attributes_json(l.attributes);
      if (l.dropped_attributes_count != 0) link["dropped_attributes_count"] = l.dropped_attributes_count;
      links.push_back(std::move(link));
    }
    j["links"] = std::move(links);
  }
  if (span.dropped_links_count != 0) j["dropped_links_count"] = span.dropped_links_count;
  j["resource"] = attributes_json(span.resource().attributes);
  j["scope"] = Json{{"name", span.scope().name}, {"version", span.scope().version}};
  // Model output and tool results are not guaranteed UTF-8; a replacement character is better
  // than an exporter that throws and loses the whole batch.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

tracing::SpanData from_jsonl_line(std::string_view line) {
  Json j;
  try {
    j = Json::parse(line.begin(), line.end());
  } catch (const Json::parse_error& e) {
    throw detail::json_syntax_error(e.what(), e.byte);
  } catch (const Json::out_of_range& e) {
    throw detail::json_number_error(e.what());
  }
  if (!j.is_object()) throw std::invalid_argument(std::string("expected a JSON object, got ") + j.type_name());

  tracing::SpanData s;
  s.trace_id = read_id<tracing::TraceId>(require(j, "trace_id", ""), "trace_id", false);
  s.span_id = read_id<tracing::SpanId>(require(j, "span_id", ""), "span_id", false);
  if (const Json* p = find(j, "parent_span_id")) s.parent_span_id = read_id<tracing::SpanId>(*p, "parent_span_id", true);
  if (const Json* r = find(j, "parent_remote")) s.parent_remote = read_bool(*r, "parent_remote");
  if (const Json* f = find(j, "flags")) s.flags = read_flags(*f, "flags");
  if (const Json* t = find(j, "trace_state")) s.trace_state = read_string(*t, "trace_state");
  s.name = read_string(require(j, "name", ""), "name");
  if (const Json* k = find(j, "kind")) s.kind = read_kind(*k, "kind");
  constexpr auto any_time = std::numeric_limits<std::uint64_t>::max();
  s.start_unix_ns = read_uint(require(j, "start_unix_ns", ""), "start_unix_ns", any_time);
  s.end_unix_ns = read_uint(require(j, "end_unix_ns", ""), "end_unix_ns", any_time);
  s.attributes = optional_attributes(j, "");
  s.dropped_attributes_count = optional_dropped(j, "", "dropped_attributes_count");
  if (const Json* st = find(j, "status")) s.status = read_status(*st, "status");
  s.events = read_list<tracing::Event>(j, "events", read_event);
  s.dropped_events_count = optional_dropped(j, "", "dropped_events_count");
  s.links = read_list<tracing::Link>(j, "links", read_link);
  s.dropped_links_count = optional_dropped(j, "", "dropped_links_count");
  s.source = read_source(j);
  return s;
}

JsonlReadResult read_jsonl(std::istream& in) {
  JsonlReadResult result;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // editors' byte order mark
    if (is_blank(line)) continue;
    try {
      result.spans.push_back(from_jsonl_line(line));
    } catch (const std::exception& e) {
      result.errors.push_back(JsonlError{number, e.what()});
    }
  }
  return result;
}

std::invalid_argument detail::json_syntax_error(std::string_view what, std::size_t byte) {
  // nlohmann's text starts "[json.exception.parse_error.101] parse error at line 1, column N: ";
  // a line is one line, so the byte offset and the reason are what a reader needs.
  const auto column = what.find("column ");
  const auto reason = column == std::string_view::npos ? column : what.find(": ", column);
  if (reason != std::string_view::npos) what.remove_prefix(reason + 2);
  std::string text(what);
  // The quote runs from "last read: '" to its closing "'", which "; expected ..." may follow.
  constexpr std::string_view marker = "last read: '";
  constexpr std::size_t max_chars = 80;
  if (const auto start = text.find(marker); start != std::string::npos) {
    const std::size_t from = start + marker.size();
    std::size_t close = text.rfind("'; expected ");
    if (close == std::string::npos || close < from) close = text.rfind('\'');
    if (close == std::string::npos || close < from) close = text.size();
    std::size_t i = from;
    for (std::size_t chars = 0; i < close; ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // inside a UTF-8 character
      if (chars++ == max_chars) break;
    }
    if (i < close) text.replace(i, close - i, "…");
  }
  return std::invalid_argument("not valid JSON at byte " + std::to_string(byte) + ": " + text);
}

std::invalid_argument detail::json_number_error(std::string_view what) {
  // "[json.exception.out_of_range.406] number overflow parsing '1e999'": the quote is the number.
  constexpr std::string_view marker = "parsing '";
  std::string number = "?";
  if (const auto at = what.find(marker); at != std::string_view::npos) {
    number = std::string(what.substr(at + marker.size()));
    if (!number.empty() && number.back() == '\'') number.pop_back();
    if (number.size() > 80) number = number.substr(0, 80) + "…";
  }
  return std::invalid_argument("not valid JSON: the number '" + number + "' is out of range");
}

JsonlReadResult detail::read_trace_file_with(const std::filesystem::path& path, JsonlReadResult (*parse)(std::istream&)) {
  std::error_code ec;
  // An ifstream opens a directory without complaint and then reads nothing.
  if (std::filesystem::is_directory(path, ec)) {
    throw std::system_error(std::make_error_code(std::errc::is_a_directory), "cannot read '" + path.string() + "'");
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    const int err = errno != 0 ? errno : EIO;
    throw std::system_error(err, std::generic_category(), "cannot open '" + path.string() + "'");
  }
  JsonlReadResult result = parse(in);
  if (in.bad()) throw std::system_error(EIO, std::generic_category(), "error reading '" + path.string() + "'");
  return result;
}

JsonlReadResult read_jsonl_file(const std::filesystem::path& path) { return detail::read_trace_file_with(path, read_jsonl); }

JsonlFileExporter::JsonlFileExporter(std::filesystem::path path) : path_(std::move(path)) {
  file_ = detail::open_for_appending(path_);
  if (file_ == nullptr) {
    const int err = errno != 0 ? errno : EIO;
    throw std::system_error(err, std::generic_category(), "cannot open '" + path_.string() + "' for appending");
  }
}

JsonlFileExporter::~JsonlFileExporter() { detail::close_file(file_); }

// Local file writes are not bounded by the timeout: they finish or fail on their own.
tracing::ExportResult JsonlFileExporter::export_spans(tracing::SpanBatch batch, std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (file_ == nullptr) return tracing::ExportResult::failure;
    buffer_.clear();
    for (const tracing::SpanData* span : batch) {
      if (span == nullptr) continue;
      buffer_ += to_jsonl_line(*span);
      buffer_ += '\n';
    }
    const bool ok = detail::append_and_flush(file_, buffer_);
    detail::release_if_large(buffer_);
    return ok ? tracing::ExportResult::success : tracing::ExportResult::failure;
  } catch (...) {
    return tracing::ExportResult::failure;
  }
}

bool JsonlFileExporter::force_flush(std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    return detail::flush_file(file_);
  } catch (...) {
    return false;
  }
}

bool JsonlFileExporter::shutdown(std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    return detail::close_file(file_);
  } catch (...) {
    return false;
  }
}

TraceDirectoryExporter::TraceDirectoryExporter(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path TraceDirectoryExporter::file_for(const std::filesystem::path& dir, const tracing::TraceId& trace_id) {
  return dir / (trace_id.hex() + ".jsonl");
}

tracing::ExportResult TraceDirectoryExporter::export_spans(tracing::SpanBatch batch, std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (shut_down_) return tracing::ExportResult::failure;
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return tracing::ExportResult::failure;
    // Group by trace, keeping each trace's spans in export order.
    std::map<tracing::TraceId, std::string> lines;
    for (const tracing::SpanData* span : batch) {
      if (span == nullptr) continue;
      std::string& out = lines[span->trace_id];
      out += to_jsonl_line(*span);
      out += '\n';
    }
    bool ok = true;
    for (const auto& [trace_id, text] : lines) {
      std::FILE* file = std::fopen(file_for(dir_, trace_id).c_str(), "ab");
      if (file == nullptr) {
        ok = false;
        continue;
      }
      ok = std::fwrite(text.data(), 1, text.size(), file) == text.size() && ok;
      ok = std::fclose(file) == 0 && ok;
    }
    return ok ? tracing::ExportResult::success : tracing::ExportResult::failure;
  } catch (...) {
    return tracing::ExportResult::failure;
  }
}

bool TraceDirectoryExporter::shutdown(std::chrono::milliseconds /*timeout*/) noexcept {
  std::lock_guard lock(mutex_);
  shut_down_ = true;
  return true;
}

}  // namespace agentrace::formats
