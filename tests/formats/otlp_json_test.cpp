// OTLP/JSON: the spec's JSON mapping as written, the lenient reader, and round trips.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agentrace/formats/otlp_encoding.hpp"
#include "support/test_support.hpp"
#include "tracing/sample_spans.hpp"

using namespace agentrace::formats;
using namespace agentrace::tracing;
using agentrace::testing::full_span;
using agentrace::testing::plain_span;
using agentrace::testing::pointers;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

std::string encode(const std::vector<SpanData>& spans) {
  std::string out;
  append_otlp_json(pointers(spans), out);
  return out;
}

std::set<std::string> keys(const Json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items()) out.insert(key);
  return out;
}

const Json& first_span(const Json& request) { return request.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0); }

// The attribute named `key` of an OTLP attribute list.
const Json& value_of(const Json& list, const std::string& key) {
  for (const Json& kv : list) {
    if (kv.at("key") == key) return kv.at("value");
  }
  FAIL("no attribute " << key);
  return list;
}

}  // namespace

TEST_CASE("OTLP/JSON: key names, hex ids, int64 as strings, enums as integers", "[formats][otlp]") {
  const SpanData s = full_span();
  const std::string text = encode({s});
  CHECK(text.find('\n') == std::string::npos);  // one line
  const Json request = Json::parse(text);
  CHECK(keys(request) == std::set<std::string>{"resourceSpans"});
  const Json& rs = request.at("resourceSpans").at(0);
  CHECK(keys(rs) == std::set<std::string>{"resource", "scopeSpans"});
  CHECK(value_of(rs.at("resource").at("attributes"), "service.name") == Json{{"stringValue", "weather-bot"}});
  CHECK(value_of(rs.at("resource").at("attributes"), "host.cores") == Json{{"intValue", "8"}});
  CHECK(rs.at("scopeSpans").at(0).at("scope") == Json{{"name", "agentrace.tests"}, {"version", "1.2.3"}});

  const Json& span = first_span(request);
  CHECK(keys(span) == std::set<std::string>{"traceId", "spanId", "traceState", "parentSpanId", "flags", "name", "kind",
                                            "startTimeUnixNano", "endTimeUnixNano", "attributes",
                                            "droppedAttributesCount", "events", "droppedEventsCount", "links",
                                            "droppedLinksCount", "status"});
  CHECK(span.at("traceId") == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(span.at("spanId") == "00f067aa0ba902b7");
  CHECK(span.at("parentSpanId") == "b7ad6b7169203331");
  CHECK(span.at("traceState") == s.trace_state);
  CHECK(span.at("flags") == 0x303);  // a number: fixed32 is 32 bits
  CHECK(span.at("kind") == 3);
  CHECK(span.at("startTimeUnixNano") == std::to_string(s.start_unix_ns));  // a string: 64 bits
  CHECK(span.at("endTimeUnixNano") == std::to_string(s.end_unix_ns));
  CHECK(span.at("droppedAttributesCount") == 3);
  CHECK(span.at("droppedEventsCount") == 4);
  CHECK(span.at("droppedLinksCount") == 5);
  CHECK(span.at("status") == Json{{"message", "model timed out"}, {"code", 2}});

  const Json& attrs = span.at("attributes");
  CHECK(value_of(attrs, "flag") == Json{{"boolValue", true}});
  CHECK(value_of(attrs, "off") == Json{{"boolValue", false}});
  CHECK(value_of(attrs, "count") == Json{{"intValue", "-42"}});
  CHECK(value_of(attrs, "zero") == Json{{"intValue", "0"}});
  CHECK(value_of(attrs, "big") == Json{{"intValue", "9223372036854775807"}});
  CHECK(value_of(attrs, "small") == Json{{"intValue", "-9223372036854775808"}});
  CHECK(value_of(attrs, "ratio") == Json{{"doubleValue", 0.1}});
  CHECK(value_of(attrs, "empty text") == Json{{"stringValue", ""}});
  CHECK(value_of(attrs, "text").at("stringValue") == std::get<std::string>(*s.attribute("text")));
  CHECK(value_of(attrs, "bools") ==
        Json::parse(R"({"arrayValue":{"values":[{"boolValue":true},{"boolValue":false},{"boolValue":true}]}})"));
  CHECK(value_of(attrs, "ints") == Json::parse(R"({"arrayValue":{"values":[{"intValue":"1"},{"intValue":"-2"},
                                                   {"intValue":"9223372036854775807"}]}})"));
  CHECK(value_of(attrs, "doubles") == Json::parse(R"({"arrayValue":{"values":[{"doubleValue":1.0},
                                                      {"doubleValue":2.5},{"doubleValue":-0.125}]}})"));
  CHECK(value_of(attrs, "strings") ==
        Json::parse(R"({"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":""},{"stringValue":"c"}]}})"));
  CHECK(value_of(attrs, "no strings") == Json::parse(R"({"arrayValue":{}})"));

  const Json& event = span.at("events").at(0);
  CHECK(keys(event) == std::set<std::string>{"timeUnixNano", "name", "attributes", "droppedAttributesCount"});
  CHECK(event.at("timeUnixNano") == std::to_string(s.events[0].time_unix_ns));
  CHECK(event.at("droppedAttributesCount") == 1);
  CHECK(keys(span.at("events").at(1)) == std::set<std::string>{"timeUnixNano", "name"});

  const Json& link = span.at("links").at(0);
  CHECK(keys(link) ==
        std::set<std::string>{"traceId", "spanId", "traceState", "attributes", "droppedAttributesCount", "flags"});
  CHECK(link.at("traceId") == "0af7651916cd43dd8448eb211c80319c");
  CHECK(link.at("flags") == 0x301);
  CHECK(span.at("links").at(1) == Json{{"traceId", "11111111111111111111111111111111"},
                                       {"spanId", "2222222222222222"},
                                       {"flags", 0x100}});
}

TEST_CASE("OTLP/JSON: defaults are omitted as in protobuf (but for an empty status), an empty batch is {}", "[formats][otlp]") {
  SpanData root = plain_span("root", "1111111111111111", nullptr, 0, -1);
  root.source = &SpanSource::empty();
  const Json request = Json::parse(encode({root}));
  const Json& rs = request.at("resourceSpans").at(0);
  CHECK(keys(rs) == std::set<std::string>{"scopeSpans"});
  CHECK(keys(rs.at("scopeSpans").at(0)) == std::set<std::string>{"spans"});
  // The status is always there, {} when unset: common receivers fail on a span without one.
  CHECK(keys(first_span(request)) ==
        std::set<std::string>{"traceId", "spanId", "flags", "name", "kind", "startTimeUnixNano", "status"});
  CHECK(first_span(request).at("status") == Json::object());
  CHECK(first_span(request).at("flags") == 0x101);
  CHECK(encode({}) == "{}");
}

TEST_CASE("OTLP/JSON: strings are escaped and kept valid", "[formats][otlp]") {
  SpanData s = plain_span("tab\there \"quoted\" back\\slash \x01 \x1f bad\xC0\xAF end", "1111111111111111", nullptr,
                          0, 1);
  const std::string text = encode({s});
  CHECK_THAT(text, Contains(R"("tab\there \"quoted\" back\\slash \u0001 \u001f bad)"));
  const Json request = Json::parse(text);  // throws on invalid UTF-8
  CHECK(first_span(request).at("name") ==
        "tab\there \"quoted\" back\\slash \x01 \x1f bad\xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST_CASE("OTLP/JSON: round trip of every field", "[formats][otlp]") {
  const SpanData s = full_span();
  const std::vector<SpanData> back = from_otlp_json(encode({s}));
  REQUIRE(back.size() == 1);
  CHECK(back[0] == s);
  CHECK(back[0].source == s.source);  // the same interned source

  // Several resources and scopes come back grouped, every span intact.
  Resource other;
  other.attributes = {{"service.name", "other"}};
  SpanData a = plain_span("a", "1111111111111111", nullptr, 0, 1);
  SpanData b = plain_span("b", "2222222222222222", "1111111111111111", 0, 1);
  b.source = &SpanSource::intern(other, {"other.scope", ""});
  SpanData c = plain_span("c", "3333333333333333", "1111111111111111", 0, 1);
  c.source = &SpanSource::empty();
  const std::vector<SpanData> spans{a, b, c};
  CHECK(from_otlp_json(encode(spans)) == spans);
}

TEST_CASE("OTLP/JSON: NaN and infinities use the mapping's strings", "[formats][otlp]") {
  SpanData s = plain_span("x", "1111111111111111", nullptr, 0, 1);
  s.attributes = {{"nan", std::nan("")},
                  {"inf", std::numeric_limits<double>::infinity()},
                  {"many", std::vector<double>{-std::numeric_limits<double>::infinity(), 1.5}}};
  const std::string text = encode({s});
  CHECK_THAT(text, Contains(R"({"doubleValue":"NaN"})") && Contains(R"({"doubleValue":"Infinity"})") &&
                       Contains(R"({"doubleValue":"-Infinity"})"));
  const auto back = from_otlp_json(text);
  REQUIRE(back.size() == 1);
  CHECK(std::isnan(std::get<double>(*back[0].attribute("nan"))));
  CHECK(std::get<double>(*back[0].attribute("inf")) == std::numeric_limits<double>::infinity());
  CHECK(std::get<std::vector<double>>(*back[0].attribute("many"))[0] == -std::numeric_limits<double>::infinity());
}

TEST_CASE("OTLP/JSON reader: lenient where writers differ", "[formats][otlp]") {
  const auto spans = from_otlp_json(R"({
    "resource_spans": [{
      "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
      "instrumentationLibrarySpans": [{
        "instrumentationLibrary": {"name": "old.lib", "version": "0.9"},
        "spans": [{
          "trace_id": "4BF92F3577B34DA6A3CE929D0E0E4736",
          "span_id": "APBnqgupArc=",
          "parentSpanId": "",
          "name": "upper-case hex, base64, numbers for int64",
          "kind": "SPAN_KIND_SERVER",
          "startTimeUnixNano": 1700000000000000000,
          "end_time_unix_nano": "1700000000500000000",
          "flags": 769,
          "attributes": [
            {"key": "n", "value": {"intValue": 42}},
            {"key": "d", "value": {"doubleValue": "2.5"}},
            {"key": "map", "value": {"kvlistValue": {"values": [{"key": "a", "value": {"intValue": "1"}},
                                                               {"key": "b", "value": {"arrayValue": {"values": [{"boolValue": true}]}}}]}}},
            {"key": "raw", "value": {"bytesValue": "aGk="}},
            {"key": "mixed numbers", "value": {"arrayValue": {"values": [{"intValue": "1"}, {"doubleValue": 0.5}]}}},
            {"key": "mixed", "value": {"arrayValue": {"values": [{"intValue": "1"}, {"stringValue": "x"}]}}},
            {"key": "empty", "value": {}},
            {"key": "no value"}
          ],
          "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
          "links": [{"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b9c7c989f97918e1", "flags": 1}]
        }]
      }]
    }]
  })");
  REQUIRE(spans.size() == 1);
  const SpanData& s = spans[0];
  CHECK(s.trace_id.hex() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(s.span_id.hex() == "00f067aa0ba902b7");
  CHECK_FALSE(s.parent_span_id.valid());
  CHECK(s.kind == SpanKind::server);
  CHECK(s.start_unix_ns == 1'700'000'000'000'000'000ULL);
  CHECK(s.end_unix_ns == 1'700'000'000'500'000'000ULL);
  CHECK(s.flags.value == 1);
  CHECK(s.parent_remote);  // 0x300
  CHECK(s.resource().attributes == Attributes{{"service.name", "svc"}});
  CHECK(s.scope() == InstrumentationScope{"old.lib", "0.9"});
  CHECK(s.status == Status{StatusCode::error, "boom"});
  CHECK(s.attributes == Attributes{{"n", std::int64_t{42}},
                                   {"d", 2.5},
                                   {"map", R"({"a":1,"b":[true]})"},
                                   {"raw", "aGk="},
                                   {"mixed numbers", std::vector<double>{1.0, 0.5}},
                                   {"mixed", std::vector<std::string>{"1", "x"}}});
  REQUIRE(s.links.size() == 1);
  CHECK(s.links[0].context.flags.value == 1);
  CHECK_FALSE(s.links[0].context.remote);  // no 0x100: nothing known
}

// Found by fuzz_otlp_json (fuzz/corpus/fuzz_otlp_json/regression_number_out_of_range): the
// parser's out_of_range escaped as nlohmann's own exception and message.
TEST_CASE("OTLP/JSON and JSON Lines readers: a number out of range is a clear invalid_argument", "[formats][otlp]") {
  CHECK_THROWS_MATCHES(from_otlp_json(R"({"resourceSpans": [], "x": 1e999})"), std::invalid_argument,
                       Catch::Matchers::Message("a number is too large for any type the reader holds: 1e999"));
  CHECK_THROWS_MATCHES(from_jsonl_line(R"({"trace_id": -1e999})"), std::invalid_argument,
                       Catch::Matchers::Message("a number is too large for any type the reader holds: -1e999"));
}

TEST_CASE("OTLP/JSON reader: errors name the field", "[formats][otlp]") {
  CHECK_THROWS_WITH(from_otlp_json("{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"spanId\": \"1111111111111111\"}]}]}]}"),
                    "resourceSpans[0].scopeSpans[0].spans[0].traceId: missing");
  CHECK_THROWS_WITH(
      from_otlp_json(R"({"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "xyz", "spanId": "1111111111111111"}]}]}]})"),
      Contains("spans[0].traceId: expected 32 hex digits"));
  CHECK_THROWS_WITH(from_otlp_json(R"({"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
      "spanId": "1111111111111111", "startTimeUnixNano": "soon"}]}]}]})"),
                    Contains("startTimeUnixNano: expected an integer"));
  CHECK_THROWS_WITH(from_otlp_json(R"({"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
      "spanId": "1111111111111111", "attributes": [{"key": "n", "value": {"intValue": "12x"}}]}]}]}]})"),
                    Contains("attributes[0].value.intValue: expected an integer"));
  CHECK_THROWS_WITH(from_otlp_json("{\"resourceSpans\": 3}"), "resourceSpans: expected an array, got number");
  CHECK_THROWS_WITH(from_otlp_json("[1]"), Contains("expected a JSON object"));
  CHECK_THROWS_WITH(from_otlp_json("{\"resourceSpans\": ["), Contains("not valid JSON at byte"));
}

TEST_CASE("OTLP/JSON files: one request per line, or one pretty-printed document", "[formats][otlp]") {
  agentrace::testing::TempDir dir;
  const std::vector<SpanData> first{plain_span("a", "1111111111111111", nullptr, 0, 1)};
  const std::vector<SpanData> second{plain_span("b", "2222222222222222", "1111111111111111", 0, 1),
                                     plain_span("c", "3333333333333333", "1111111111111111", 0, 1)};

  SECTION("lines, with a bad one reported by number") {
    const auto path = dir.write("lines.json", encode(first) + "\n\n" + encode(second) + "\n{\"resourceSpans\": 7}\n");
    const JsonlReadResult result = read_otlp_json_file(path);
    CHECK(result.spans.size() == 3);
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].line == 4);
    CHECK_THAT(result.errors[0].message, Contains("resourceSpans: expected an array"));
  }
  SECTION("a pretty-printed document") {
    const auto path = dir.write("pretty.json", Json::parse(encode(second)).dump(2));
    const JsonlReadResult result = read_otlp_json_file(path);
    CHECK(result.errors.empty());
    CHECK(result.spans == second);
  }
  SECTION("a broken pretty-printed document names the line it breaks on") {
    std::string text = Json::parse(encode(second)).dump(2);
    text.insert(text.find("\"spans\""), "oops ");
    const JsonlReadResult result = read_otlp_json_file(dir.write("broken.json", text));
    CHECK(result.spans.empty());
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].line > 1);
    CHECK_THAT(result.errors[0].message, Contains("not valid JSON"));
  }
  SECTION("a missing file") {
    CHECK_THROWS_WITH(read_otlp_json_file(dir.path() / "none.json"), Contains("No such file"));
  }
}

TEST_CASE("looks_like_otlp_json tells OTLP/JSON from agentrace's JSON Lines", "[formats][otlp]") {
  CHECK(looks_like_otlp_json("{\"resourceSpans\":[]}"));
  CHECK(looks_like_otlp_json("\xEF\xBB\xBF{\n  \"resource_spans\": ["));
  CHECK_FALSE(looks_like_otlp_json("{\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"attributes\":{\"resourceSpans\":1}}"));
  CHECK_FALSE(looks_like_otlp_json(""));
  CHECK_FALSE(looks_like_otlp_json("[{\"resourceSpans\":[]}]"));
}
