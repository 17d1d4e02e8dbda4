// Jaeger UI JSON: the structure the UI's JSON upload reads, and the OTLP -> Jaeger tag mapping.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agentrace/formats/jaeger.hpp"
#include "tracing/sample_spans.hpp"

using namespace agentrace::formats;
using namespace agentrace::tracing;
using agentrace::testing::full_span;
using agentrace::testing::plain_span;
using agentrace::testing::t0;
using Json = nlohmann::json;

namespace {

const Json& tag(const Json& tags, const std::string& key) {
  for (const Json& t : tags) {
    if (t.at("key") == key) return t;
  }
  FAIL("no tag " << key << " in " << tags.dump());
  return tags;
}

bool has_tag(const Json& tags, const std::string& key) {
  for (const Json& t : tags) {
    if (t.at("key") == key) return true;
  }
  return false;
}

const Json& span_named(const Json& trace, const std::string& name) {
  for (const Json& s : trace.at("spans")) {
    if (s.at("operationName") == name) return s;
  }
  FAIL("no span " << name);
  return trace;
}

}  // namespace

TEST_CASE("Jaeger JSON: one data entry per trace, spans with references, tags, logs, processes", "[formats][jaeger]") {
  SpanData root = plain_span("invoke_agent weather", "00f067aa0ba902b7", nullptr, 0, 1500);
  root.status = Status{StatusCode::ok, ""};
  SpanData chat = full_span();  // a child of b7ad6b7169203331, which is not in the file
  SpanData other_trace = plain_span("other", "1111111111111111", nullptr, 0, 1, "0af7651916cd43dd8448eb211c80319c");
  other_trace.start_unix_ns = t0 - 5'000'000;
  Resource second;
  second.attributes = {{"service.name", "tool-server"}, {"region", "eu"}};
  SpanData tool = plain_span("execute_tool x", "3333333333333333", "00f067aa0ba902b7", 10, 20);
  tool.source = &SpanSource::intern(second, {});
  const Json doc = Json::parse(to_jaeger_json(std::vector<SpanData>{root, chat, other_trace, tool}));

  REQUIRE(doc.at("data").size() == 2);
  CHECK(doc.at("data").at(0).at("traceID") == "0af7651916cd43dd8448eb211c80319c");  // it starts first
  const Json& trace = doc.at("data").at(1);
  CHECK(trace.at("traceID") == "4bf92f3577b34da6a3ce929d0e0e4736");
  REQUIRE(trace.at("spans").size() == 3);
  for (const Json& s : trace.at("spans")) {
    CHECK(s.at("traceID") == trace.at("traceID"));
    CHECK(trace.at("processes").contains(s.at("processID").get<std::string>()));
  }

  // Processes: one per distinct resource, service.name as serviceName and the rest as tags.
  CHECK(trace.at("processes").size() == 2);
  const Json& p1 = trace.at("processes").at("p1");
  CHECK(p1.at("serviceName") == "weather-bot");
  CHECK(tag(p1.at("tags"), "host.cores") == Json{{"key", "host.cores"}, {"type", "int64"}, {"value", 8}});
  CHECK(tag(p1.at("tags"), "debug") == Json{{"key", "debug"}, {"type", "bool"}, {"value", true}});
  CHECK_FALSE(has_tag(p1.at("tags"), "service.name"));
  CHECK(trace.at("processes").at("p2").at("serviceName") == "tool-server");
  CHECK(span_named(trace, "execute_tool x").at("processID") == "p2");

  // The root: no references, microseconds, status OK.
  const Json& r = span_named(trace, "invoke_agent weather");
  CHECK(r.at("spanID") == "00f067aa0ba902b7");
  CHECK(r.at("references") == Json::array());
  CHECK(r.at("startTime") == t0 / 1000);
  CHECK(r.at("duration") == 1'500'000);
  CHECK(r.at("flags") == 1);
  CHECK(tag(r.at("tags"), "otel.status_code").at("value") == "OK");
  CHECK_FALSE(has_tag(r.at("tags"), "error"));
  CHECK(tag(r.at("tags"), "span.kind").at("value") == "internal");
  CHECK(r.at("warnings").is_null());

  // The full span: parent first (CHILD_OF), then links (FOLLOWS_FROM); every tag type.
  const Json& c = span_named(trace, "chat gpt-4o");
  CHECK(c.at("references") == Json::parse(R"([
      {"refType":"CHILD_OF","traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"b7ad6b7169203331"},
      {"refType":"FOLLOWS_FROM","traceID":"0af7651916cd43dd8448eb211c80319c","spanID":"b9c7c989f97918e1"},
      {"refType":"FOLLOWS_FROM","traceID":"11111111111111111111111111111111","spanID":"2222222222222222"}])"));
  CHECK(c.at("duration") == 250'000);
  const Json& tags = c.at("tags");
  CHECK(tag(tags, "flag") == Json{{"key", "flag"}, {"type", "bool"}, {"value", true}});
  CHECK(tag(tags, "count") == Json{{"key", "count"}, {"type", "int64"}, {"value", -42}});
  CHECK(tag(tags, "ratio") == Json{{"key", "ratio"}, {"type", "float64"}, {"value", 0.1}});
  CHECK(tag(tags, "empty text") == Json{{"key", "empty text"}, {"type", "string"}, {"value", ""}});
  CHECK(tag(tags, "strings") == Json{{"key", "strings"}, {"type", "string"}, {"value", R"(["a","","c"])"}});
  CHECK(tag(tags, "ints").at("value") == "[1,-2,9223372036854775807]");
  CHECK(tag(tags, "span.kind").at("value") == "client");
  CHECK(tag(tags, "otel.scope.name").at("value") == "agentrace.tests");
  CHECK(tag(tags, "otel.scope.version").at("value") == "1.2.3");
  CHECK(tag(tags, "otel.status_code").at("value") == "ERROR");
  CHECK(tag(tags, "otel.status_description").at("value") == "model timed out");
  CHECK(tag(tags, "error") == Json{{"key", "error"}, {"type", "bool"}, {"value", true}});
  CHECK(tag(tags, "w3c.tracestate").at("value") == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  CHECK(tag(tags, "otel.dropped_attributes_count").at("value") == 3);
  CHECK(tag(tags, "otel.dropped_events_count").at("value") == 4);
  CHECK(tag(tags, "otel.dropped_links_count").at("value") == 5);

  // Events are logs: event=<name> first, then the attributes.
  REQUIRE(c.at("logs").size() == 2);
  const Json& log = c.at("logs").at(0);
  CHECK(log.at("timestamp") == (t0 + 100'000'000) / 1000);
  CHECK(log.at("fields").at(0) == Json{{"key", "event"}, {"type", "string"}, {"value", "exception"}});
  CHECK(tag(log.at("fields"), "exception.type").at("value") == "TimeoutError");
  CHECK(tag(log.at("fields"), "retry") == Json{{"key", "retry"}, {"type", "int64"}, {"value", 2}});
  CHECK(tag(log.at("fields"), "otel.dropped_attributes_count").at("value") == 1);
}

TEST_CASE("Jaeger JSON: an unended span runs to the trace's last time, with a warning", "[formats][jaeger]") {
  SpanData root = plain_span("root", "1111111111111111", nullptr, 0, -1);
  SpanData child = plain_span("child", "2222222222222222", "1111111111111111", 1, 40.0005);
  const Json doc = Json::parse(to_jaeger_json(std::vector<SpanData>{root, child}));
  const Json& trace = doc.at("data").at(0);
  const Json& r = span_named(trace, "root");
  CHECK(r.at("duration") == 40'000);  // truncated to microseconds
  CHECK(r.at("warnings").at(0).get<std::string>().find("did not end") != std::string::npos);
  CHECK(span_named(trace, "child").at("startTime") == t0 / 1000 + 1000);
  CHECK(to_jaeger_json({}) == R"({"data":[],"total":0,"limit":0,"offset":0,"errors":null})");
}

TEST_CASE("Jaeger JSON: an attribute named event wins over the event name, non-finite doubles", "[formats][jaeger]") {
  SpanData s = plain_span("s", "1111111111111111", nullptr, 0, 1);
  s.events = {Event{"log", t0, {{"event", "custom"}}, 0}};
  s.attributes = {{"nan", std::nan("")}};
  const Json trace = Json::parse(to_jaeger_json(std::vector<SpanData>{s})).at("data").at(0);
  const Json& fields = trace.at("spans").at(0).at("logs").at(0).at("fields");
  REQUIRE(fields.size() == 1);
  CHECK(fields.at(0).at("value") == "custom");
  CHECK(tag(trace.at("spans").at(0).at("tags"), "nan") == Json{{"key", "nan"}, {"type", "string"}, {"value", "NaN"}});
}
