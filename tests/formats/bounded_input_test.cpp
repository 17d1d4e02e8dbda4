// The trace readers on hostile files: nesting thousands of levels deep, numbers no type holds,
// one bad attribute among good ones, lines and names beyond the size caps, device files, and a
// chain of 100,000 spans for the exporters that walk parents. Each gets a clear error naming
// where, and loses nothing else.
#include <catch2/catch.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agentrace/formats/chrome_trace.hpp"
#include "agentrace/formats/jaeger.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/formats/otlp_encoding.hpp"
#include "agentrace/formats/read_limits.hpp"
#include "support/test_support.hpp"
#include "tracing/sample_spans.hpp"

using namespace agentrace::formats;
using namespace agentrace::tracing;
using agentrace::testing::plain_span;
using agentrace::testing::pointers;
using agentrace::testing::TempDir;
using Catch::Matchers::Contains;

namespace {

std::string otlp_document(const std::string& attributes_of_second_span) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[
    {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"1111111111111111","name":"first",
     "attributes":[{"key":"kept","value":{"stringValue":"yes"}}]},
    {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"2222222222222222","parentSpanId":"1111111111111111",
     "name":"second","attributes":[{"key":"before","value":{"intValue":"1"}},)" +
         attributes_of_second_span + R"(,{"key":"after","value":{"boolValue":true}}]},
    {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"3333333333333333","name":"third"}]}]}]})";
}

std::string nested_any_value(std::size_t levels, bool kvlist) {
  std::string open;
  std::string close;
  for (std::size_t i = 0; i < levels; ++i) {
    open += kvlist ? R"({"kvlistValue":{"values":[{"key":"k","value":)" : R"({"arrayValue":{"values":[)";
    close += kvlist ? "}]}}" : "]}}";
  }
  return open + R"({"intValue":"1"})" + close;
}

JsonlReadResult read_otlp(const std::string& text) {
  std::istringstream in(text);
  return read_otlp_json(in);
}

JsonlReadResult read_lines(const std::string& text, const ReadLimits& limits = {}) {
  std::istringstream in(text);
  return read_jsonl(in, limits);
}

const SpanData* named(const std::vector<SpanData>& spans, std::string_view name) {
  for (const auto& s : spans) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string jsonl_line(const std::string& name, const std::string& attributes = "{}") {
  return R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"1111111111111111","name":")" + name +
         R"(","start_unix_ns":1,"end_unix_ns":2,"attributes":)" + attributes + "}";
}

}  // namespace

TEST_CASE("OTLP/JSON: AnyValues nested 5,000 levels are refused by their attribute alone", "[formats][bounded]") {
  for (const bool kvlist : {false, true}) {
    const auto result = read_otlp(otlp_document(R"({"key":"deep","value":)" + nested_any_value(5000, kvlist) + "}"));
    REQUIRE(result.spans.size() == 3);  // not one span lost
    const SpanData* second = named(result.spans, "second");
    REQUIRE(second != nullptr);
    CHECK(second->attribute("deep") == nullptr);
    CHECK(second->attribute("before") != nullptr);
    CHECK(second->attribute("after") != nullptr);
    REQUIRE(result.errors.size() == 1);
    CHECK_THAT(result.errors[0].message, Contains("spans[1].attributes[1]") && Contains("deeper than 64 levels") &&
                                             Contains("skipped"));
  }
  // Nesting the span model can keep (as JSON text) still reads.
  const auto shallow = read_otlp(otlp_document(R"({"key":"deep","value":)" + nested_any_value(10, true) + "}"));
  CHECK(shallow.errors.empty());
  CHECK(named(shallow.spans, "second")->attribute("deep") != nullptr);
}

TEST_CASE("OTLP/JSON: one bad attribute or span is skipped with a note, the rest is read", "[formats][bounded]") {
  const auto result = read_otlp(otlp_document(R"({"key":"bad","value":{"intValue":"twelve"}})"));
  REQUIRE(result.spans.size() == 3);
  CHECK(named(result.spans, "second")->attribute("after") != nullptr);
  REQUIRE(result.errors.size() == 1);
  CHECK_THAT(result.errors[0].message, Contains("attributes[1].value.intValue") && Contains("expected an integer"));

  // A span without an id cannot be kept: it alone is skipped.
  const auto spans = read_otlp(R"({"resourceSpans":[{"scopeSpans":[{"spans":[
      {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","name":"no id"},
      {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"3333333333333333","name":"fine"}]}]}]})");
  REQUIRE(spans.spans.size() == 1);
  CHECK(spans.spans[0].name == "fine");
  REQUIRE(spans.errors.size() == 1);
  CHECK_THAT(spans.errors[0].message, Contains("span skipped") && Contains("spans[0].spanId: missing"));

  // from_otlp_json (one request, as a receiver gets it) stays strict.
  CHECK_THROWS_WITH(from_otlp_json(otlp_document(R"({"key":"bad","value":{"intValue":"twelve"}})")),
                    Contains("expected an integer"));
}

TEST_CASE("trace readers: a number no type holds is a clear error naming its line", "[formats][bounded]") {
  const auto lines = read_lines(jsonl_line("ok") + "\n" + jsonl_line("big", R"({"n": 1e999})") + "\n");
  REQUIRE(lines.spans.size() == 1);
  REQUIRE(lines.errors.size() == 1);
  CHECK(lines.errors[0].line == 2);
  CHECK_THAT(lines.errors[0].message, Contains("1e999") && Contains("too large"));
  CHECK_THAT(lines.errors[0].message, !Contains("json.exception"));

  const auto otlp = read_otlp(otlp_document(R"({"key":"big","value":{"doubleValue":1e999}})"));
  REQUIRE(otlp.errors.size() == 1);
  CHECK_THAT(otlp.errors[0].message, Contains("1e999") && Contains("too large") && !Contains("json.exception"));
  CHECK(otlp.spans.empty());  // the document cannot be parsed at all
}

TEST_CASE("JSON Lines: lines, names and values beyond their caps are refused with the cap", "[formats][bounded]") {
  ReadLimits limits;
  limits.max_line_bytes = 400;
  limits.max_name_bytes = 20;
  limits.max_value_bytes = 30;
  const auto result = read_lines(jsonl_line("fine") + "\n" + jsonl_line(std::string(500, 'x')) + "\n" +
                                     jsonl_line(std::string(21, 'n')) + "\n" +
                                     jsonl_line("v", R"({"k":")" + std::string(31, 'v') + "\"}") + "\n" +
                                     jsonl_line("also fine") + "\n",
                                 limits);
  REQUIRE(result.spans.size() == 3);  // the span with the long value is kept without it
  REQUIRE(result.errors.size() == 3);
  CHECK(result.errors[0].line == 2);
  CHECK_THAT(result.errors[0].message, Contains("longer than 400 bytes"));
  CHECK_THAT(result.errors[1].message, Contains("name") && Contains("longer than 20 bytes"));
  CHECK_THAT(result.errors[2].message, Contains("attribute 'k' skipped") && Contains("longer than 30 bytes"));
  // The defaults are generous for anything a writer of ours produces.
  CHECK(ReadLimits{}.max_line_bytes >= 64u << 20);
}

TEST_CASE("trace readers: device files are refused, and files beyond the size cap", "[formats][bounded]") {
  if (std::filesystem::exists("/dev/zero")) {
    CHECK_THROWS_WITH(read_jsonl_file("/dev/zero"), Contains("/dev/zero") && Contains("not a regular file"));
    CHECK_THROWS_WITH(read_otlp_json_file("/dev/zero"), Contains("not a regular file"));
  }
  TempDir dir;
  const auto big = dir.path() / "big.jsonl";
  { std::ofstream(big) << jsonl_line("x") << "\n"; }
  ReadLimits limits;
  limits.max_file_bytes = 10;
  CHECK_THROWS_WITH(read_jsonl_file(big, limits), Contains("big.jsonl") && Contains("larger than 10 bytes"));
  CHECK(read_jsonl_file(big).spans.size() == 1);
}

TEST_CASE("exporters: a chain of 20,000 spans exports without recursion", "[formats][bounded]") {
  std::vector<SpanData> spans;
  constexpr std::uint32_t depth = 20000;
  spans.reserve(depth);
  for (std::uint32_t i = 0; i < depth; ++i) {
    SpanData s = plain_span("s", "0000000000000001", nullptr, i * 0.001, 1000.0 - i * 0.001);
    s.span_id = SpanId(std::array<std::uint8_t, 8>{1, 0, 0, 0, static_cast<std::uint8_t>(i >> 24), static_cast<std::uint8_t>(i >> 16),
                                                   static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)});
    if (i > 0) s.parent_span_id = spans.back().span_id;
    spans.push_back(std::move(s));
  }
  std::string chrome;
  append_chrome_trace_json(pointers(spans), chrome);
  CHECK(nlohmann::json::parse(chrome)["traceEvents"].size() >= depth);
  std::string jaeger;
  append_jaeger_json(pointers(spans), jaeger);
  CHECK(jaeger.size() > depth);
  std::string otlp;
  append_otlp_json(pointers(spans), otlp);
  CHECK(from_otlp_json(otlp).size() == depth);
}

TEST_CASE("JSON Lines: attributes nested thousands of levels cost one error per line", "[formats][bounded]") {
  // The parser is iterative; the reader looks one level into an attribute's value and stops.
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  std::string text;
  constexpr std::size_t lines = 50;
  for (std::size_t i = 0; i < lines; ++i) text += jsonl_line("deep", R"({"k":)" + deep + "}") + "\n";
  text += jsonl_line("fine") + "\n";
  const auto result = read_lines(text);
  REQUIRE(result.spans.size() == 1);
  REQUIRE(result.errors.size() == lines);
  CHECK_THAT(result.errors.back().message, Contains("attributes.k[0]"));
  CHECK(result.errors.back().line == lines);
}
