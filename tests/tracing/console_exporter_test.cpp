#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "agentrace/tracing/console_exporter.hpp"

using namespace agentrace::tracing;
using Catch::Matchers::Contains;

namespace {

constexpr auto timeout = std::chrono::milliseconds(100);

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Everything written to `f` so far.
std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fseek(f, 0, SEEK_END);
  return text;
}

SpanData span(std::uint8_t trace, const char* id, const char* parent, std::string name) {
  SpanData s;
  std::array<std::uint8_t, TraceId::size> bytes{};
  bytes.fill(trace);
  s.trace_id = TraceId(bytes);
  s.span_id = *SpanId::from_hex(id);
  if (parent != nullptr) s.parent_span_id = *SpanId::from_hex(parent);
  s.name = std::move(name);
  s.start_unix_ns = 1'000'000'000;
  s.end_unix_ns = 1'002'000'000;
  return s;
}

}  // namespace

TEST_CASE("the console exporter prints a trace when its root arrives", "[tracing][console]") {
  File out(std::tmpfile());
  REQUIRE(out);
  RenderOptions options;
  options.width = 60;
  ConsoleExporter exporter(out.get(), options);

  const SpanData child = span(1, "2222222222222222", "1111111111111111", "step 1");
  const SpanData other_trace = span(2, "3333333333333333", "4444444444444444", "elsewhere");
  const SpanData* first[] = {&child, &other_trace};
  REQUIRE(exporter.export_spans(first, timeout) == ExportResult::success);
  CHECK(contents(out.get()).empty());

  const SpanData root = span(1, "1111111111111111", nullptr, "invoke_agent weather");
  const SpanData* second[] = {&root};
  REQUIRE(exporter.export_spans(second, timeout) == ExportResult::success);
  const std::vector<SpanData> trace = {child, root};
  const std::string printed = contents(out.get());
  CHECK(printed == render_tree(trace, options) + "\n" + render_timeline(trace, options) + "\n");
  CHECK_THAT(printed, Contains("invoke_agent weather  2.00 ms\n`-- step 1  2.00 ms\n"));
  CHECK_THAT(printed, !Contains("elsewhere"));

  // The printed trace is forgotten; the other one, rootless, comes out on flush.
  REQUIRE(exporter.force_flush(timeout));
  const std::string flushed = contents(out.get()).substr(printed.size());
  CHECK_THAT(flushed, Contains("(missing parent 4444444444444444)\n`-- elsewhere"));
  CHECK(std::count_if(flushed.begin(), flushed.end(), [](char c) { return c == '\n'; }) > 3);
  REQUIRE(exporter.force_flush(timeout));
  CHECK(contents(out.get()).size() == printed.size() + flushed.size());
}

TEST_CASE("a span with a remote parent completes what this process saw of a trace", "[tracing][console]") {
  File out(std::tmpfile());
  REQUIRE(out);
  ConsoleExporter exporter(out.get());
  const SpanData local_child = span(3, "2222222222222222", "1111111111111111", "handler work");
  SpanData server = span(3, "1111111111111111", "9999999999999999", "POST /chat");
  server.parent_remote = true;
  const SpanData* batch[] = {&local_child, &server};
  REQUIRE(exporter.export_spans(batch, timeout) == ExportResult::success);
  const std::string printed = contents(out.get());
  CHECK_THAT(printed, Contains("(remote parent 9999999999999999)\n`-- POST /chat  2.00 ms\n    `-- handler work"));
}

TEST_CASE("shutdown prints what is left and later exports fail", "[tracing][console]") {
  File out(std::tmpfile());
  REQUIRE(out);
  ConsoleExporter exporter(out.get());
  const SpanData orphan = span(4, "2222222222222222", "1111111111111111", "never saw its root");
  const SpanData* batch[] = {&orphan, nullptr};
  REQUIRE(exporter.export_spans(batch, timeout) == ExportResult::success);
  CHECK(contents(out.get()).empty());
  CHECK(exporter.shutdown(timeout));
  CHECK_THAT(contents(out.get()), Contains("never saw its root"));
  CHECK(exporter.shutdown(timeout));
  const SpanData root = span(4, "1111111111111111", nullptr, "late root");
  const SpanData* late[] = {&root};
  CHECK(exporter.export_spans(late, timeout) == ExportResult::failure);
  CHECK_THAT(contents(out.get()), !Contains("late root"));
}

TEST_CASE("the console exporter draws the tree with the key hints it was given", "[tracing][console]") {
  File out(std::tmpfile());
  REQUIRE(out);
  static constexpr std::array<std::string_view, 1> first = {"outcome"};
  static constexpr std::array<std::string_view, 1> hidden = {"kind"};
  RenderOptions options;
  options.first_keys = first;
  options.hidden_keys = hidden;
  ConsoleExporter exporter(out.get(), options);
  SpanData root = span(5, "1111111111111111", nullptr, "job");
  root.attributes = {{"kind", "batch"}, {"items", 3}, {"outcome", "done"}};
  const SpanData* batch[] = {&root};
  REQUIRE(exporter.export_spans(batch, timeout) == ExportResult::success);
  CHECK_THAT(contents(out.get()), Contains("job  2.00 ms  outcome=done items=3\n"));
}
