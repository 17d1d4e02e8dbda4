#include "support/otlp_receiver.hpp"

#include <zlib.h>

#include <bit>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "support/protobuf_decoder.hpp"

namespace agentrace::testing {

namespace pb = protobuf;
using nlohmann::json;

namespace {

std::string double_text(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string str(const pb::Message& m, std::uint32_t f) { return m.has(f) ? m.bytes(f) : std::string{}; }
std::uint64_t var(const pb::Message& m, std::uint32_t f) { return m.has(f) ? m.varint(f) : 0; }
std::uint64_t fix64(const pb::Message& m, std::uint32_t f) { return m.has(f) ? m.fixed64(f) : 0; }

std::string any_value_pb(const pb::Message& v) {
  if (v.has(1)) return "s:" + v.bytes(1);
  if (v.has(2)) return std::string("b:") + (v.varint(2) != 0 ? "true" : "false");
  if (v.has(3)) return "i:" + std::to_string(static_cast<std::int64_t>(v.varint(3)));
  if (v.has(4)) return "d:" + double_text(std::bit_cast<double>(v.fixed64(4)));
  if (v.has(5)) {
    std::string out = "a:[";
    const auto values = v.message(5).messages(1);
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + any_value_pb(values[i]);
    return out + "]";
  }
  throw std::runtime_error("AnyValue of an unexpected type");
}

AttributeMap attributes_pb(const std::vector<pb::Message>& kvs) {
  AttributeMap out;
  for (const auto& kv : kvs) out[kv.bytes(1)] = any_value_pb(kv.message(2));
  return out;
}

std::uint64_t u64(const json& j) {
  return j.is_string() ? std::stoull(j.get<std::string>()) : j.get<std::uint64_t>();
}

std::string any_value_json(const json& v) {
  if (v.contains("stringValue")) return "s:" + v.at("stringValue").get<std::string>();
  if (v.contains("boolValue")) return std::string("b:") + (v.at("boolValue").get<bool>() ? "true" : "false");
  if (v.contains("intValue")) {
    const auto& i = v.at("intValue");
    return "i:" + std::to_string(i.is_string() ? std::stoll(i.get<std::string>()) : i.get<std::int64_t>());
  }
  if (v.contains("doubleValue")) return "d:" + double_text(v.at("doubleValue").get<double>());
  if (v.contains("arrayValue")) {
    std::string out = "a:[";
    const auto& arr = v.at("arrayValue");
    if (arr.contains("values")) {
      bool first = true;
      for (const auto& e : arr.at("values")) {
        out += (first ? "" : ",") + any_value_json(e);
        first = false;
      }
    }
    return out + "]";
  }
  throw std::runtime_error("AnyValue of an unexpected type: " + v.dump());
}

AttributeMap attributes_json(const json& parent) {
  AttributeMap out;
  if (!parent.contains("attributes")) return out;
  for (const auto& kv : parent.at("attributes")) out[kv.at("key").get<std::string>()] = any_value_json(kv.at("value"));
  return out;
}

std::string jstr(const json& j, const char* key) { return j.contains(key) ? j.at(key).get<std::string>() : std::string{}; }

}  // namespace

std::string attribute_text(const tracing::AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return std::string("b:") + (v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return "i:" + std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return "d:" + double_text(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return "s:" + v;
        } else {
          std::string out = "a:[";
          bool first = true;
          for (const auto& e : v) {
            out += first ? "" : ",";
            first = false;
            out += attribute_text(tracing::AttributeValue{static_cast<typename T::value_type>(e)});
          }
          return out + "]";
        }
      },
      value);
}

namespace {
AttributeMap attributes_of(const tracing::Attributes& attributes) {
  AttributeMap out;
  for (const auto& a : attributes) out[a.key.str()] = attribute_text(a.value);
  return out;
}
}  // namespace

ReceivedSpan expected_record(const tracing::SpanData& span) {
  ReceivedSpan r;
  r.trace_id = span.trace_id.hex();
  r.span_id = span.span_id.hex();
  r.parent_span_id = span.parent_span_id.valid() ? span.parent_span_id.hex() : "";
  r.name = span.name;
  r.kind = static_cast<int>(span.kind);
  r.start_unix_ns = span.start_unix_ns;
  r.end_unix_ns = span.end_unix_ns;
  r.attributes = attributes_of(span.attributes);
  for (const auto& e : span.events) r.events.push_back({e.name, e.time_unix_ns, attributes_of(e.attributes)});
  for (const auto& l : span.links) r.links.push_back({l.context.trace_id.hex(), l.context.span_id.hex(), attributes_of(l.attributes)});
  r.status_code = static_cast<int>(span.status.code);
  r.status_message = span.status.description;
  r.resource = attributes_of(span.resource().attributes);
  r.scope_name = span.scope().name;
  return r;
}

std::vector<ReceivedSpan> decode_otlp_protobuf(std::string_view body) {
  std::vector<ReceivedSpan> out;
  const auto request = pb::Message::parse(body);
  for (const auto& rs : request.messages(1)) {
    AttributeMap resource;
    if (rs.has(1)) resource = attributes_pb(rs.message(1).messages(1));
    for (const auto& ss : rs.messages(2)) {
      const std::string scope = ss.has(1) ? str(ss.message(1), 1) : "";
      for (const auto& s : ss.messages(2)) {
        ReceivedSpan r;
        r.trace_id = to_hex(s.bytes(1));
        r.span_id = to_hex(s.bytes(2));
        r.parent_span_id = to_hex(str(s, 4));
        r.name = str(s, 5);
        r.kind = static_cast<int>(var(s, 6));
        r.start_unix_ns = fix64(s, 7);
        r.end_unix_ns = fix64(s, 8);
        r.attributes = attributes_pb(s.messages(9));
        for (const auto& e : s.messages(11)) r.events.push_back({str(e, 2), fix64(e, 1), attributes_pb(e.messages(3))});
        for (const auto& l : s.messages(13)) r.links.push_back({to_hex(l.bytes(1)), to_hex(l.bytes(2)), attributes_pb(l.messages(4))});
        if (s.has(15)) {
          const auto st = s.message(15);
          r.status_code = static_cast<int>(var(st, 3));
          r.status_message = str(st, 2);
        }
        r.resource = resource;
        r.scope_name = scope;
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

std::vector<ReceivedSpan> decode_otlp_json(std::string_view body) {
  std::vector<ReceivedSpan> out;
  const auto request = json::parse(body);
  for (const auto& rs : request.at("resourceSpans")) {
    AttributeMap resource;
    if (rs.contains("resource")) resource = attributes_json(rs.at("resource"));
    for (const auto& ss : rs.at("scopeSpans")) {
      const std::string scope = ss.contains("scope") ? jstr(ss.at("scope"), "name") : "";
      for (const auto& s : ss.at("spans")) {
        ReceivedSpan r;
        r.trace_id = s.at("traceId").get<std::string>();
        r.span_id = s.at("spanId").get<std::string>();
        r.parent_span_id = jstr(s, "parentSpanId");
        r.name = jstr(s, "name");
        r.kind = s.contains("kind") ? s.at("kind").get<int>() : 0;
        r.start_unix_ns = s.contains("startTimeUnixNano") ? u64(s.at("startTimeUnixNano")) : 0;
        r.end_unix_ns = s.contains("endTimeUnixNano") ? u64(s.at("endTimeUnixNano")) : 0;
        r.attributes = attributes_json(s);
        if (s.contains("events")) {
          for (const auto& e : s.at("events")) {
            r.events.push_back({jstr(e, "name"), e.contains("timeUnixNano") ? u64(e.at("timeUnixNano")) : 0, attributes_json(e)});
          }
        }
        if (s.contains("links")) {
          for (const auto& l : s.at("links")) {
            r.links.push_back({l.at("traceId").get<std::string>(), l.at("spanId").get<std::string>(), attributes_json(l)});
          }
        }
        if (s.contains("status")) {
          const auto& st = s.at("status");
          r.status_code = st.contains("code") ? st.at("code").get<int>() : 0;
          r.status_message = jstr(st, "message");
        }
        r.resource = resource;
        r.scope_name = scope;
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

std::string gunzip(std::string_view data) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw std::runtime_error("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[16384];
  int rc = Z_OK;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw std::runtime_error("not valid gzip data");
    }
    out.append(buffer, sizeof buffer - zs.avail_out);
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

OtlpReceiver::OtlpReceiver() : server_([this](const ServerRequest& r) { return handle(r); }) {}

void OtlpReceiver::script(std::vector<ServerResponse> responses) {
  std::lock_guard lock(mutex_);
  script_ = std::move(responses);
  next_ = 0;
}

void OtlpReceiver::set_default(ServerResponse response) {
  std::lock_guard lock(mutex_);
  default_ = std::move(response);
}

std::vector<ReceivedSpan> OtlpReceiver::spans() const {
  std::lock_guard lock(mutex_);
  return spans_;
}

std::vector<std::string> OtlpReceiver::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

ServerResponse OtlpReceiver::handle(const ServerRequest& request) {
  std::lock_guard lock(mutex_);
  ServerResponse response = next_ < script_.size() ? script_[next_++] : default_;
  std::vector<ReceivedSpan> decoded;
  try {
    std::string body = request.body;
    if (request.header("Content-Encoding") == "gzip") body = gunzip(body);
    const auto type = request.header("Content-Type");
    if (type == "application/x-protobuf") {
      decoded = decode_otlp_protobuf(body);
    } else if (type == "application/json") {
      decoded = decode_otlp_json(body);
    } else {
      errors_.push_back("unexpected Content-Type: " + std::string(type));
      return ServerResponse::text("unsupported content type", 415);
    }
  } catch (const std::exception& e) {
    errors_.push_back(e.what());
    return ServerResponse::text(e.what(), 400);
  }
  const bool whole = !response.drop && !response.raw && !response.close_after_body_bytes;
  if (whole && response.status >= 200 && response.status < 300) {
    spans_.insert(spans_.end(), decoded.begin(), decoded.end());
  }
  return response;
}

}  // namespace agentrace::testing
