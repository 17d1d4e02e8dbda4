// The OTLP/JSON, Jaeger and Chrome trace file exporters, on real files in a temporary directory.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agentrace/formats/file_exporters.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/formats/otlp_encoding.hpp"
#include "agentrace/tracing/tracer.hpp"
#include "support/test_support.hpp"
#include "tracing/sample_spans.hpp"

using namespace agentrace::formats;
using namespace agentrace::tracing;
using agentrace::testing::plain_span;
using agentrace::testing::pointers;
using agentrace::testing::LogCapture;
using agentrace::testing::TempDir;
using Catch::Matchers::Contains;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::size_t count_files(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

const std::vector<SpanData> first_batch{plain_span("root", "0000000000000001", nullptr, 0, 10)};
const std::vector<SpanData> second_batch{plain_span("a", "0000000000000002", "0000000000000001", 1, 4),
                                         plain_span("b", "0000000000000003", "0000000000000001", 2, 5)};

}  // namespace

TEST_CASE("OtlpJsonFileExporter appends one request per batch, one line each", "[formats][file_exporters]") {
  TempDir dir;
  const auto path = dir.path() / "nested" / "dir" / "traces.otlp.json";
  OtlpJsonFileExporter exporter(path);
  CHECK_FALSE(std::filesystem::exists(path));  // opened at the first batch
  CHECK(exporter.export_spans(pointers(first_batch), 1s) == ExportResult::success);
  CHECK(exporter.export_spans({}, 1s) == ExportResult::success);  // nothing to write
  CHECK(exporter.export_spans(pointers(second_batch), 1s) == ExportResult::success);
  CHECK(exporter.force_flush(1s));

  const auto lines = lines_of(read_file(path));
  REQUIRE(lines.size() == 2);
  CHECK(from_otlp_json(lines[0]) == first_batch);
  CHECK(from_otlp_json(lines[1]) == second_batch);
  const JsonlReadResult back = read_otlp_json_file(path);
  CHECK(back.errors.empty());
  CHECK(back.spans.size() == 3);

  CHECK(exporter.shutdown(1s));
  CHECK(exporter.shutdown(1s));
  CHECK(exporter.export_spans(pointers(first_batch), 1s) == ExportResult::failure);
  CHECK(lines_of(read_file(path)).size() == 2);

  // A new exporter appends to what is there.
  OtlpJsonFileExporter again(path);
  CHECK(again.export_spans(pointers(first_batch), 1s) == ExportResult::success);
  CHECK(again.shutdown(1s));
  CHECK(lines_of(read_file(path)).size() == 3);
}

TEST_CASE("file exporters report an unwritable path by failing and one warning, without throwing",
          "[formats][file_exporters]") {
  TempDir dir;
  // A path under a regular file cannot be created, whoever runs the test (root included).
  const auto blocker = dir.write("a-file", "x");
  const auto path = blocker / "trace.json";

  SECTION("OTLP/JSON lines") {
    LogCapture capture;  // the library's logger
    OtlpJsonFileExporter exporter(path);
    CHECK(exporter.export_spans(pointers(first_batch), 1s) == ExportResult::failure);
    CHECK(exporter.export_spans(pointers(second_batch), 1s) == ExportResult::failure);
    CHECK(exporter.force_flush(1s));  // nothing pending
    CHECK(exporter.shutdown(1s));
    const std::string log = capture.text();
    CHECK(occurrences(log, "warning") == 1);
    CHECK_THAT(log, Contains("a-file/trace.json") && Contains("Not a directory"));
  }
  SECTION("Jaeger") {
    LogCapture capture;  // the library's logger
    JaegerFileExporter exporter(path);
    CHECK(exporter.export_spans(pointers(first_batch), 1s) == ExportResult::failure);
    CHECK(exporter.export_spans(pointers(second_batch), 1s) == ExportResult::success);  // kept for the flush
    CHECK_FALSE(exporter.force_flush(1s));
    CHECK_FALSE(exporter.shutdown(1s));
    const std::string log = capture.text();
    CHECK(occurrences(log, "warning") == 1);
    CHECK_THAT(log, Contains("cannot write") && Contains("a-file/trace.json"));
  }
  SECTION("Chrome trace") {
    LogCapture capture;  // the library's logger
    ChromeTraceFileExporter exporter(path);
    CHECK(exporter.export_spans(pointers(first_batch), 1s) == ExportResult::failure);
    CHECK_FALSE(exporter.shutdown(1s));
    CHECK(occurrences(capture.text(), "warning") == 1);
  }
  CHECK(count_files(dir.path()) == 1);  // the blocker: no temporary files left
}

TEST_CASE("appending exporters report a full disk by failing each batch and keep working", "[formats][file_exporters]") {
  // /dev/full (on every Linux system) accepts the open and fails every write with ENOSPC: what a
  // full disk does.
  REQUIRE(std::filesystem::exists("/dev/full"));
  TempDir dir;
  SECTION("OTLP/JSON lines") {
    LogCapture capture;  // the library's logger
    OtlpJsonFileExporter exporter("/dev/full");
    CHECK(exporter.export_spans(pointers(first_batch), 1s) == ExportResult::failure);
    CHECK(exporter.export_spans(pointers(second_batch), 1s) == ExportResult::failure);  // tried again, no throw
    CHECK(exporter.shutdown(1s));
    const std::string log = capture.text();
    CHECK(occurrences(log, "warning") == 1);  // once per exporter, not once per batch
    CHECK_THAT(log, Contains("cannot write") && Contains("/dev/full") && Contains("No space left on device"));
  }
  SECTION("JSON Lines") {
    JsonlFileExporter exporter("/dev/full");
    CHECK(exporter.export_spans(pointers(first_batch), 1s) == ExportResult::failure);
    CHECK(exporter.export_spans(pointers(second_batch), 1s) == ExportResult::failure);
    CHECK(exporter.export_spans({}, 1s) == ExportResult::success);  // nothing to write
    CHECK(exporter.shutdown(1s));
  }
}

TEST_CASE("Jaeger and Chrome trace exporters rewrite the whole file on flush and shutdown",
          "[formats][file_exporters]") {
  TempDir dir;
  const auto jaeger_path = dir.path() / "trace.jaeger.json";
  const auto chrome_path = dir.path() / "trace.perfetto.json";
  JaegerFileExporter jaeger(jaeger_path);
  ChromeTraceFileExporter chrome(chrome_path);

  // The first batch is written at once.
  CHECK(jaeger.export_spans(pointers(first_batch), 1s) == ExportResult::success);
  CHECK(chrome.export_spans(pointers(first_batch), 1s) == ExportResult::success);
  CHECK(Json::parse(read_file(jaeger_path)).at("data").at(0).at("spans").size() == 1);
  CHECK(Json::parse(read_file(chrome_path)).at("traceEvents").size() == 5);  // 4 metadata, 1 span

  // Later batches wait for a flush.
  CHECK(jaeger.export_spans(pointers(second_batch), 1s) == ExportResult::success);
  CHECK(chrome.export_spans(pointers(second_batch), 1s) == ExportResult::success);
  CHECK(Json::parse(read_file(jaeger_path)).at("data").at(0).at("spans").size() == 1);
  CHECK(jaeger.force_flush(1s));
  CHECK(Json::parse(read_file(jaeger_path)).at("data").at(0).at("spans").size() == 3);

  CHECK(chrome.shutdown(1s));
  const Json doc = Json::parse(read_file(chrome_path));
  std::size_t spans = 0;
  for (const Json& e : doc.at("traceEvents")) spans += e.at("ph") == "X" ? 1 : 0;
  CHECK(spans == 3);
  CHECK(chrome.export_spans(pointers(first_batch), 1s) == ExportResult::failure);
  CHECK(chrome.shutdown(1s));

  CHECK(jaeger.shutdown(1s));
  CHECK(count_files(dir.path()) == 2);  // no temporary files left
}

TEST_CASE("file exporters behind a batch processor write complete files at shutdown", "[formats][file_exporters]") {
  TempDir dir;
  std::vector<std::unique_ptr<SpanProcessor>> processors;
  processors.push_back(make_batch_processor(std::make_unique<OtlpJsonFileExporter>(dir.path() / "t.otlp.json")));
  processors.push_back(make_batch_processor(std::make_unique<JaegerFileExporter>(dir.path() / "t.jaeger.json")));
  processors.push_back(make_batch_processor(std::make_unique<ChromeTraceFileExporter>(dir.path() / "t.perfetto.json")));
  {
    TracerProvider provider(TracerProviderOptions{.processor = make_multi_processor(std::move(processors))});
    const Tracer tracer = provider.tracer("file.exporters.test");
    Span root = tracer.start_span("root");
    for (int i = 0; i < 20; ++i) {
      Span child = tracer.start_span("child " + std::to_string(i), {.parent = root});
      child.set_attribute("i", i);
    }
    root.end();
    CHECK(provider.shutdown());
  }
  const JsonlReadResult otlp = read_otlp_json_file(dir.path() / "t.otlp.json");
  CHECK(otlp.errors.empty());
  CHECK(otlp.spans.size() == 21);
  CHECK(Json::parse(read_file(dir.path() / "t.jaeger.json")).at("data").at(0).at("spans").size() == 21);
  const Json chrome = Json::parse(read_file(dir.path() / "t.perfetto.json"));
  std::size_t x_events = 0;
  for (const Json& e : chrome.at("traceEvents")) x_events += e.at("ph") == "X" ? 1 : 0;
  CHECK(x_events == 21);
}

TEST_CASE("write_file_atomically replaces a file whole, or leaves it as it was", "[formats][file_exporters]") {
  TempDir dir;
  const auto path = dir.write("doc.json", "old");
  CHECK(write_file_atomically(path, "new contents"));
  CHECK(read_file(path) == "new contents");
  CHECK(write_file_atomically(dir.path() / "made" / "for" / "it.json", "x"));
  CHECK(read_file(dir.path() / "made" / "for" / "it.json") == "x");

  std::string error;
  CHECK_FALSE(write_file_atomically(path / "below-a-file", "x", &error));
  CHECK_THAT(error, Contains("cannot write") && Contains("below-a-file") && Contains("Not a directory"));
  CHECK_FALSE(write_file_atomically(dir.path(), "x", &error));  // a directory is not replaced
  CHECK(read_file(path) == "new contents");
  CHECK(count_files(dir.path()) == 2);  // doc.json and made/
}
