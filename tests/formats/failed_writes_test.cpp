// Trace files that cannot be written: a full disk (/dev/full fails every write with ENOSPC; a
// file size limit makes a write stop part way, as a disk that fills up does), a directory in the
// way. The run goes on, the loss is counted, one warning gives the system's reason, and no file
// is left ending in half a line. Tests run as root, which ignores directory permissions, so an
// "unwritable directory" is a path below a regular file (ENOTDIR) or a file that is a directory.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agentrace/formats/file_exporters.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/tracing/processor.hpp"
#include "support/file_size_limit.hpp"
#include "support/test_support.hpp"
#include "tracing/sample_spans.hpp"

using namespace agentrace::formats;
using namespace agentrace::tracing;
using agentrace::testing::FileSizeLimit;
using agentrace::testing::LogCapture;
using agentrace::testing::plain_span;
using agentrace::testing::pointers;
using agentrace::testing::sample_trace_id;
using agentrace::testing::TempDir;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

const TraceId trace = *TraceId::from_hex(sample_trace_id);

std::vector<SpanData> spans_named(const std::string& prefix, int count) {
  std::vector<SpanData> out;
  for (int i = 1; i <= count; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "%016x", i);
    out.push_back(plain_span(prefix + std::to_string(i) + std::string(200, 'x'), id, nullptr, i, i + 1));
  }
  return out;
}

}  // namespace

TEST_CASE("a trace file on a full disk fails its export with the system's reason, once, and counts the loss",
          "[formats][failed_writes]") {
  TempDir dir;
  // The trace's file is /dev/full: the open succeeds, every write fails with ENOSPC.
  fs::create_symlink("/dev/full", TraceDirectoryExporter::file_for(dir.path(), trace));
  LogCapture capture;
  TraceDirectoryExporter exporter(dir.path());
  const auto batch = spans_named("a", 3);
  CHECK(exporter.export_spans(pointers(batch), 1s) == ExportResult::failure);
  CHECK(exporter.export_spans(pointers(batch), 1s) == ExportResult::failure);  // tried again: the disk may have room by now
  const std::string log = capture.text();
  CHECK(occurrences(log, "warning") == 1);
  CHECK_THAT(log, Contains("cannot write") && Contains(trace.hex() + ".jsonl") && Contains("No space left on device"));
  CHECK_THAT(log, !Contains("Input/output error"));
  const auto stats = exporter.stats();
  CHECK(stats.spans_lost == 6);
  CHECK(stats.spans_written == 0);
  CHECK_THAT(stats.last_error, Contains("No space left on device"));
  REQUIRE(exporter.failure(trace).has_value());
  CHECK_THAT(*exporter.failure(trace), Contains("No space left on device"));
  CHECK_FALSE(exporter.failure(*TraceId::from_hex("0af7651916cd43dd8448eb211c80319c")).has_value());
}

TEST_CASE("a trace directory that cannot be made or a trace file that is a directory costs only its spans",
          "[formats][failed_writes]") {
  TempDir dir;
  LogCapture capture;
  const auto batch = spans_named("a", 2);
  SECTION("the directory's path runs through a regular file") {
    const fs::path blocker = dir.write("blocker", "a file where a directory should be");
    TraceDirectoryExporter exporter(blocker / "traces");
    CHECK(exporter.export_spans(pointers(batch), 1s) == ExportResult::failure);
    CHECK(exporter.stats().spans_lost == 2);
    CHECK_THAT(capture.text(), Contains("traces") && Contains("Not a directory"));
  }
  SECTION("the trace's file is a directory") {
    fs::create_directory(TraceDirectoryExporter::file_for(dir.path(), trace));
    TraceDirectoryExporter exporter(dir.path());
    CHECK(exporter.export_spans(pointers(batch), 1s) == ExportResult::failure);
    CHECK(exporter.stats().spans_lost == 2);
    CHECK_THAT(capture.text(), Contains("Is a directory"));
  }
  CHECK(occurrences(capture.text(), "warning") == 1);
}

TEST_CASE("a write that stops part way leaves no half line: the batch is taken back whole", "[formats][failed_writes]") {
  TempDir dir;
  LogCapture capture;
  const auto first = spans_named("first", 2);
  const auto second = spans_named("second", 20);  // several KB: more than the room left
  SECTION("JSON Lines file") {
    const fs::path path = dir.path() / "trace.jsonl";
    JsonlFileExporter exporter(path);
    REQUIRE(exporter.export_spans(pointers(first), 1s) == ExportResult::success);
    const std::string before = read_file(path);
    {
      FileSizeLimit limit(before.size() + 300);  // room for a line and a half of the next batch
      CHECK(exporter.export_spans(pointers(second), 1s) == ExportResult::failure);
    }
    CHECK(read_file(path) == before);
    CHECK_THAT(capture.text(), Contains("File too large"));
    REQUIRE(exporter.export_spans(pointers(first), 1s) == ExportResult::success);  // room again: it goes on
    const auto read = read_jsonl_file(path);
    CHECK(read.errors.empty());
    CHECK(read.spans.size() == 4);
  }
  SECTION("trace directory") {
    TraceDirectoryExporter exporter(dir.path());
    REQUIRE(exporter.export_spans(pointers(first), 1s) == ExportResult::success);
    const fs::path path = TraceDirectoryExporter::file_for(dir.path(), trace);
    const std::string before = read_file(path);
    {
      FileSizeLimit limit(before.size() + 300);
      CHECK(exporter.export_spans(pointers(second), 1s) == ExportResult::failure);
    }
    CHECK(read_file(path) == before);
    CHECK(exporter.stats().spans_lost == 20);
    CHECK(exporter.stats().spans_written == 2);
    CHECK_THAT(capture.text(), Contains("File too large"));
  }
  SECTION("OTLP/JSON lines") {
    const fs::path path = dir.path() / "trace.otlp.jsonl";
    OtlpJsonFileExporter exporter(path);
    REQUIRE(exporter.export_spans(pointers(first), 1s) == ExportResult::success);
    const std::string before = read_file(path);
    {
      FileSizeLimit limit(before.size() + 300);
      CHECK(exporter.export_spans(pointers(second), 1s) == ExportResult::failure);
    }
    CHECK(read_file(path) == before);
  }
}

TEST_CASE("write_file_atomically reports a full disk with the system's reason and leaves no temporary file",
          "[formats][failed_writes]") {
  TempDir dir;
  const fs::path path = dir.path() / "out.json";
  std::string error;
  {
    FileSizeLimit limit(100);
    CHECK_FALSE(write_file_atomically(path, std::string(5000, 'x'), &error));
  }
  CHECK_THAT(error, Contains("out.json") && Contains("File too large"));
  CHECK(fs::is_empty(dir.path()));  // neither the file nor a temporary one
}

TEST_CASE("the batch processor counts the spans its exporter failed to write", "[formats][failed_writes]") {
  TempDir dir;
  fs::create_symlink("/dev/full", TraceDirectoryExporter::file_for(dir.path(), trace));
  LogCapture capture;
  BatchSpanProcessor processor(std::make_unique<TraceDirectoryExporter>(dir.path()));
  for (const SpanData& span : spans_named("a", 5)) processor.on_end(std::make_unique<SpanData>(span));
  CHECK(processor.force_flush(5s));
  const BatchStats stats = processor.stats();
  CHECK(stats.enqueued == 5);
  CHECK(stats.failed == 5);
  CHECK(stats.exported == 0);
  CHECK(processor.shutdown(5s));
  CHECK(occurrences(capture.text(), "warning") == 1);
  CHECK_THAT(capture.text(), Contains("No space left on device"));
}
