#include <catch2/catch.hpp>

#include <unistd.h>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "agentrace/formats/jsonl.hpp"
#include "support/test_support.hpp"
#include "tracing/sample_spans.hpp"

using namespace agentrace::formats;
using namespace agentrace::tracing;
using agentrace::testing::full_span;
using agentrace::testing::plain_span;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;

namespace {

// A fresh directory under the system temp dir, removed with everything in it.
using agentrace::testing::TempDir;

// A span of the sample trace, 250 ms long.
SpanData simple_span(std::string name, const char* span_hex, const char* parent_hex = nullptr) {
  return plain_span(std::move(name), span_hex, parent_hex, 0, 250);
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("a span with every field set survives the round trip exactly", "[formats][jsonl]") {
  SpanData original = full_span();
  // Doubles at the edges of what JSON text holds: zero and the smallest subnormal.
  original.attributes.emplace_back("zero double", 0.0);
  original.attributes.emplace_back("tiny", 5e-324);
  const std::string line = to_jsonl_line(original);
  CHECK(line.find('\n') == std::string::npos);
  const SpanData back = from_jsonl_line(line);
  CHECK(back == original);
  CHECK(back.source == original.source);  // interned: the same object, not a copy
  CHECK(to_jsonl_line(back) == line);
}

TEST_CASE("the line format is the documented one", "[formats][jsonl]") {
  SpanData root = simple_span("invoke_agent weather", "00f067aa0ba902b7");
  root.source = &SpanSource::empty();
  root.attributes = {{"gen_ai.agent.name", "weather"}};
  const std::string line = to_jsonl_line(root);
  CHECK(line == R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","flags":1,)"
                R"("name":"invoke_agent weather","kind":"internal","start_unix_ns":1700000000000000000,)"
                R"("end_unix_ns":1700000000250000000,"attributes":{"gen_ai.agent.name":"weather"},)"
                R"("resource":{},"scope":{"name":"","version":""}})");
  // Roots have no parent_span_id; zero dropped counts and an unset status are left out.
  const SpanData back = from_jsonl_line(line);
  CHECK(back == root);
  CHECK(back.source == &SpanSource::empty());

  const std::string full = to_jsonl_line(full_span());
  CHECK_THAT(full, Contains(R"("parent_span_id":"b7ad6b7169203331")"));
  CHECK_THAT(full, Contains(R"("parent_remote":true)"));
  CHECK_THAT(full, Contains(R"("status":{"code":"error","description":"model timed out"})"));
  CHECK_THAT(full, Contains(R"("dropped_events_count":4)"));
  CHECK_THAT(full, Contains(R"("kind":"client")"));
}

TEST_CASE("doubles stay doubles and integers stay integers", "[formats][jsonl]") {
  SpanData s = simple_span("numbers", "00f067aa0ba902b7");
  s.attributes = {{"one", 1.0},
                  {"minus zero", -0.0},
                  {"int one", 1},
                  {"list", std::vector<double>{2.0, 3.0}},
                  {"third", 1.0 / 3.0},
                  {"exp", 1e300}};
  const std::string line = to_jsonl_line(s);
  CHECK_THAT(line, Contains(R"("one":1.0)"));
  CHECK_THAT(line, Contains(R"("int one":1,)"));
  CHECK_THAT(line, Contains(R"("list":[2.0,3.0])"));
  const SpanData back = from_jsonl_line(line);
  REQUIRE(back == s);
  CHECK(find_attribute_as<double>(back.attributes, "one") != nullptr);
  CHECK(find_attribute_as<std::int64_t>(back.attributes, "int one") != nullptr);
  CHECK(std::signbit(*find_attribute_as<double>(back.attributes, "minus zero")));
  CHECK(*find_attribute_as<double>(back.attributes, "third") == 1.0 / 3.0);
}

TEST_CASE("values JSON cannot hold exactly come back as documented", "[formats][jsonl]") {
  SpanData s = simple_span("odd values", "00f067aa0ba902b7");
  s.attributes = {{"nan", std::numeric_limits<double>::quiet_NaN()},
                  {"inf", std::numeric_limits<double>::infinity()},
                  {"neg inf", -std::numeric_limits<double>::infinity()},
                  {"empty ints", std::vector<std::int64_t>{}},
                  {"not utf8", std::string("ok \xFF\xFE end")}};
  const SpanData back = from_jsonl_line(to_jsonl_line(s));
  CHECK(*find_attribute_as<std::string>(back.attributes, "nan") == "NaN");
  CHECK(*find_attribute_as<std::string>(back.attributes, "inf") == "Infinity");
  CHECK(*find_attribute_as<std::string>(back.attributes, "neg inf") == "-Infinity");
  // An empty array has no element type: it reads back as an empty string array.
  const auto* empty = find_attribute_as<std::vector<std::string>>(back.attributes, "empty ints");
  REQUIRE(empty != nullptr);
  CHECK(empty->empty());
  // Invalid UTF-8 is replaced (U+FFFD), never a reason to throw.
  CHECK(*find_attribute_as<std::string>(back.attributes, "not utf8") == "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST_CASE("readers accept what hand-written files reasonably hold", "[formats][jsonl]") {
  const std::string line =
      R"({"trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"00F067AA0BA902B7","name":"x",)"
      R"("kind":3,"start_unix_ns":5,"end_unix_ns":0,"status":{"code":2},"unknown_field":[1,{"a":null}],)"
      R"("attributes":{"mixed numbers":[1,2.5],"big negative":-9223372036854775808}})";
  const SpanData s = from_jsonl_line(line);
  CHECK(s.trace_id.hex() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(s.kind == SpanKind::client);
  CHECK(s.status.code == StatusCode::error);
  CHECK_FALSE(s.ended());
  CHECK(s.is_root());
  CHECK(s.flags.value == 0);
  CHECK(*find_attribute_as<std::vector<double>>(s.attributes, "mixed numbers") == std::vector<double>{1.0, 2.5});
  CHECK(*find_attribute_as<std::int64_t>(s.attributes, "big negative") == std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("a malformed line is rejected with the name of the bad field", "[formats][jsonl]") {
  const std::string good = to_jsonl_line(full_span());
  REQUIRE_NOTHROW(from_jsonl_line(good));

  CHECK_THROWS_WITH(from_jsonl_line("not json"), Contains("not valid JSON"));
  CHECK_THROWS_WITH(from_jsonl_line(good.substr(0, good.size() / 2)), Contains("not valid JSON"));
  CHECK_THROWS_WITH(from_jsonl_line("[1,2]"), Contains("expected a JSON object"));
  CHECK_THROWS_AS(from_jsonl_line(""), std::invalid_argument);

  struct Case {
    const char* from;
    const char* to;
    const char* field;
  };
  const Case cases[] = {
      {R"("span_id":"00f067aa0ba902b7",)", "", "'span_id': missing"},
      {R"("span_id":"00f067aa0ba902b7")", R"("span_id":"00f067aa0ba902bz")",
       "'span_id': '00f067aa0ba902bz' is not hex"},
      {R"("span_id":"00f067aa0ba902b7")", R"("span_id":"00f067aa")", "'span_id': expected 16 hex digits"},
      {R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736")", R"("trace_id":"00000000000000000000000000000000")",
       "'trace_id': an all-zero id"},
      {R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736")", R"("trace_id":42)", "'trace_id': expected a string"},
      {R"("name":"chat gpt-4o")", R"("name":null)", "'name': expected a string"},
      {R"("start_unix_ns":1700000000000000000)", R"("start_unix_ns":"1700000000000000000")", "'start_unix_ns'"},
      {R"("start_unix_ns":1700000000000000000)", R"("start_unix_ns":-1)", "'start_unix_ns': must not be negative"},
      {R"("end_unix_ns":1700000000250000000)", R"("end_unix_ns":1.5)", "'end_unix_ns': expected an integer"},
      {R"("kind":"client")", R"("kind":"sideways")", "'kind': unknown span kind"},
      {R"("flags":3)", R"("flags":256)", "'flags': out of range"},
      {R"("parent_remote":true)", R"("parent_remote":"yes")", "'parent_remote'"},
      {R"("dropped_attributes_count":3)", R"("dropped_attributes_count":4294967296)", "'dropped_attributes_count'"},
      {R"("code":"error")", R"("code":"fatal")", "'status.code': unknown status code"},
      {R"("flag":true)", R"("flag":null)", "'attributes.flag'"},
      {R"("flag":true)", R"("flag":{"nested":1})", "'attributes.flag'"},
      {R"("big":9223372036854775807)", R"("big":9223372036854775808)", "'attributes.big': integer out of int64 range"},
      {R"("bools":[true,false,true])", R"("bools":[true,"false"])", "'attributes.bools': array elements"},
      {R"("ints":[1,-2,9223372036854775807])", R"("ints":[1,[2]])", "'attributes.ints[1]'"},
      {R"("time_unix_ns":1700000000100000000)", R"("time_unix_ns":"soon")", "'events[0].time_unix_ns'"},
      {R"("name":"bare")", R"("nome":"bare")", "'events[1].name': missing"},
      {R"("retry":2)", R"("retry":null)", "'events[0].attributes.retry'"},
      {R"("span_id":"b9c7c989f97918e1")", R"("span_id":"xyz")", "'links[0].span_id'"},
      {R"("link.kind":"follows")", R"("link.kind":[[]])", "'links[0].attributes.link.kind[0]'"},
      {R"("service.name":"weather-bot")", R"("service.name":null)", "'resource.service.name'"},
      {R"("scope":{"name":"agentrace.tests")", R"("scope":{"name":7)", "'scope.name'"},
  };
  for (const auto& c : cases) {
    const std::string bad = replace_once(good, c.from, c.to);
    INFO(bad);
    CHECK_THROWS_AS(from_jsonl_line(bad), std::invalid_argument);
    CHECK_THROWS_WITH(from_jsonl_line(bad), Contains(c.field));
  }

  // Containers of the wrong kind, added to a minimal line.
  std::string minimal = to_jsonl_line(simple_span("m", "1111111111111111"));
  REQUIRE_NOTHROW(from_jsonl_line(minimal));
  minimal.pop_back();  // the closing brace
  const std::pair<const char*, const char*> containers[] = {
      {R"(,"events":7})", "'events': expected an array"},
      {R"(,"events":[{"name":"e"}]})", "'events[0].time_unix_ns': missing"},
      {R"(,"links":[5]})", "'links[0]': expected an object"},
      {R"(,"links":[{"span_id":"2222222222222222"}]})", "'links[0].trace_id': missing"},
      {R"(,"status":"ok"})", "'status': expected an object"},
      {R"(,"status":{}})", "'status.code': missing"},
      {R"(,"scope":[]})", "'scope': expected an object"},
      {R"(,"resource":"svc"})", "'resource': expected an object"},
  };
  for (const auto& [tail, field] : containers) {
    INFO(minimal + tail);
    CHECK_THROWS_WITH(from_jsonl_line(minimal + tail), Contains(field));
  }
  CHECK_THROWS_WITH(from_jsonl_line(replace_once(to_jsonl_line(simple_span("m", "1111111111111111")),
                                                 R"("attributes":{})", R"("attributes":[])")),
                    Contains("'attributes': expected an object"));
}

TEST_CASE("read_jsonl reports each malformed line by number and keeps the good ones", "[formats][jsonl]") {
  const SpanData a = simple_span("a", "1111111111111111");
  const SpanData b = simple_span("b", "2222222222222222", "1111111111111111");
  const SpanData c = simple_span("c", "3333333333333333", "1111111111111111");
  const std::string line_c = to_jsonl_line(c);
  std::stringstream in;
  in << to_jsonl_line(a) << "\n"                                                    // 1
     << "{oops\n"                                                                   // 2
     << "\n"                                                                        // 3: blank, skipped
     << "   \t\n"                                                                   // 4: blank, skipped
     << to_jsonl_line(b) << "\r\n"                                                  // 5: CRLF is fine
     << replace_once(to_jsonl_line(b), R"("name":"b")", R"("name":false)") << "\n"  // 6
     << line_c.substr(0, line_c.size() - 10);                                       // 7: truncated, no newline
  const JsonlReadResult result = read_jsonl(in);
  REQUIRE(result.spans.size() == 2);
  CHECK(result.spans[0] == a);
  CHECK(result.spans[1] == b);
  REQUIRE(result.errors.size() == 3);
  CHECK(result.errors[0].line == 2);
  CHECK_THAT(result.errors[0].message, Contains("not valid JSON"));
  CHECK(result.errors[1].line == 6);
  CHECK_THAT(result.errors[1].message, Contains("'name'"));
  CHECK(result.errors[2].line == 7);
}

TEST_CASE("a long malformed line is reported with a short quote of it", "[formats][jsonl]") {
  // The parser quotes what it read; for a trace line that is kilobytes. The quote keeps its first
  // 80 characters and ends in "…"; a short quote stays whole.
  const std::string line = "{\"name\": \"" + std::string(3000, 'x') + "\xC3\xA9" + std::string(3000, 'y');  // unterminated
  std::stringstream in(line + "\n" + "[1, 2, oops]\n");
  const JsonlReadResult result = read_jsonl(in);
  REQUIRE(result.errors.size() == 2);
  for (const auto& e : result.errors) {
    INFO(e.message);
    CHECK_THAT(e.message, Contains("not valid JSON at byte"));
    CHECK(e.message.size() < 300);
  }
  CHECK_THAT(result.errors[0].message,
             Contains("missing closing quote; last read: '\"" + std::string(79, 'x') + "…'"));
  CHECK_THAT(result.errors[1].message, EndsWith("last read: '2, o'"));
}

TEST_CASE("read_jsonl_file fails clearly on a missing file or a directory", "[formats][jsonl]") {
  TempDir dir;
  CHECK_THROWS_AS(read_jsonl_file(dir.path() / "missing.jsonl"), std::system_error);
  CHECK_THROWS_WITH(read_jsonl_file(dir.path() / "missing.jsonl"), Contains("missing.jsonl"));
  CHECK_THROWS_AS(read_jsonl_file(dir.path()), std::system_error);

  std::ofstream(dir.path() / "bom.jsonl")
      << "\xEF\xBB\xBF" << to_jsonl_line(simple_span("a", "1111111111111111")) << "\n";
  const auto result = read_jsonl_file(dir.path() / "bom.jsonl");
  CHECK(result.errors.empty());
  CHECK(result.spans.size() == 1);
}

TEST_CASE("the file exporter appends readable lines and fails after shutdown", "[formats][jsonl]") {
  TempDir dir;
  const auto path = dir.path() / "nested" / "deeper" / "trace.jsonl";
  const SpanData a = simple_span("a", "1111111111111111");
  const SpanData b = full_span();
  SpanData c = simple_span("c", "3333333333333333", "1111111111111111");
  c.name = "bad bytes \xC0\xAF here";

  {
    JsonlFileExporter exporter(path);
    CHECK(exporter.path() == path);
    const SpanData* first[] = {&a, &b};
    CHECK(exporter.export_spans(first, std::chrono::milliseconds(100)) == ExportResult::success);
    // Flushed after each batch: readable while the exporter is still open.
    CHECK(read_jsonl_file(path).spans.size() == 2);
    const SpanData* second[] = {&c, nullptr};
    CHECK(exporter.export_spans(second, std::chrono::milliseconds(100)) == ExportResult::success);
    CHECK(exporter.export_spans({}, std::chrono::milliseconds(100)) == ExportResult::success);
    CHECK(exporter.force_flush(std::chrono::milliseconds(100)));
    CHECK(exporter.shutdown(std::chrono::milliseconds(100)));
    CHECK(exporter.shutdown(std::chrono::milliseconds(100)));  // idempotent
    CHECK(exporter.export_spans(first, std::chrono::milliseconds(100)) == ExportResult::failure);
  }
  {
    JsonlFileExporter again(path);  // appends, never truncates
    const SpanData* batch[] = {&a};
    CHECK(again.export_spans(batch, std::chrono::milliseconds(100)) == ExportResult::success);
  }

  const auto result = read_jsonl_file(path);
  CHECK(result.errors.empty());
  REQUIRE(result.spans.size() == 4);
  CHECK(result.spans[0] == a);
  CHECK(result.spans[1] == b);
  CHECK(result.spans[2].name == "bad bytes \xEF\xBF\xBD\xEF\xBF\xBD here");
  CHECK(result.spans[3] == a);
}

TEST_CASE("the file exporter refuses a path it cannot open", "[formats][jsonl]") {
  TempDir dir;
  std::ofstream(dir.path() / "plain_file") << "x";
  CHECK_THROWS_AS(JsonlFileExporter(dir.path() / "plain_file" / "under_a_file.jsonl"), std::system_error);
  CHECK_THROWS_AS(JsonlFileExporter(dir.path()), std::system_error);
}

TEST_CASE("the file exporter keeps lines whole under concurrent exports", "[formats][jsonl]") {
  TempDir dir;
  const auto path = dir.path() / "concurrent.jsonl";
  JsonlFileExporter exporter(path);
  constexpr int threads = 4;
  constexpr int batches = 50;
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      SpanData s = full_span();
      s.name = "worker " + std::to_string(t);
      const SpanData* batch[] = {&s, &s, &s};
      for (int i = 0; i < batches; ++i) {
        if (exporter.export_spans(batch, std::chrono::milliseconds(1000)) != ExportResult::success) ++failures;
      }
    });
  }
  for (auto& w : workers) w.join();
  CHECK(failures == 0);
  REQUIRE(exporter.shutdown(std::chrono::milliseconds(1000)));
  const auto result = read_jsonl_file(path);
  CHECK(result.errors.empty());
  CHECK(result.spans.size() == static_cast<std::size_t>(threads * batches * 3));
}
