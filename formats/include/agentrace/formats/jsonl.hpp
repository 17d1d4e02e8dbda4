// JSON Lines: the project's native trace format. One finished span per line, self-contained
// (resource and scope included), so a truncated file loses at most its last line, and any trace
// can be read back into SpanData values and rendered again.
//
// A line: {"trace_id":"<32 hex>","span_id":"<16 hex>","parent_span_id":"<16 hex>"|absent,
//   "name":..,"kind":"internal",.."start_unix_ns":<int>,"end_unix_ns":<int>,
//   "attributes":{"key":value,..},"status":{"code":"error","description":..},"events":[..],
//   "links":[..],"resource":{..},"scope":{"name":..,"version":..}, dropped counts when non-zero}
// Attribute values keep their JSON type: bool, integer (int64), number with a decimal point
// (double), string, or a homogeneous array of those.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <istream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agentrace/formats/read_limits.hpp"
#include "agentrace/tracing/exporter.hpp"

namespace agentrace::formats {

// One line of JSON, without the trailing newline.
std::string to_jsonl_line(const tracing::SpanData& span);
// Parses one line; throws std::invalid_argument with a message naming the bad field.
tracing::SpanData from_jsonl_line(std::string_view line);
// The same within `limits` (read_limits.hpp): a line or a name beyond its cap throws; an
// attribute beyond its cap is left out, with a note in `notes`.
tracing::SpanData from_jsonl_line(std::string_view line, const ReadLimits& limits, std::vector<std::string>& notes);

struct JsonlError {
  std::size_t line = 0;  // 1-based
  std::string message;
};

struct JsonlReadResult {
  std::vector<tracing::SpanData> spans;
  // Malformed lines (the other lines are still read), and what was left out of a span that was
  // read (an attribute beyond its size cap), each with its line.
  std::vector<JsonlError> errors;
};

JsonlReadResult read_jsonl(std::istream& in, const ReadLimits& limits = {});
// Throws std::system_error when the file cannot be opened, is a directory, a device or a socket
// (not a regular file or a pipe), or is larger than limits.max_file_bytes.
JsonlReadResult read_jsonl_file(const std::filesystem::path& path, const ReadLimits& limits = {});

// Appends each batch as whole lines in one write, so a crash loses at most the batch being
// written and never leaves half a line. Creates parent directories. A failed write (a full disk)
// fails the export, leaves no partial line, and is logged once, with the system's reason.
class JsonlFileExporter final : public tracing::SpanExporter {
 public:
  // Throws std::system_error when the file cannot be opened for appending.
  explicit JsonlFileExporter(std::filesystem::path path);
  ~JsonlFileExporter() override;
  tracing::ExportResult export_spans(tracing::SpanBatch batch, std::chrono::milliseconds timeout) noexcept override;
  bool force_flush(std::chrono::milliseconds timeout) noexcept override;
  bool shutdown(std::chrono::milliseconds timeout) noexcept override;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
  std::mutex mutex_;
  int fd_ = -1;
  bool warned_ = false;
  std::string buffer_;
};

// One JSONL file per trace, `<dir>/<trace id>.jsonl`: the default destination of agent runs, so
// that every run's trace is a file of its own that `agentrace view` renders. Files are opened
// for appending per batch and closed again, so a process may hold thousands of traces. Each
// trace's share of a batch is appended whole, in one write.
//
// A file that cannot be written (a full disk, a directory that cannot be created or written)
// costs its spans and nothing else: the export fails, the first failure is logged once as a
// warning naming the file and the system's reason ("No space left on device"), the spans are
// counted in stats(), and failure(trace id) says why that trace's file is incomplete.
class TraceDirectoryExporter final : public tracing::SpanExporter {
 public:
  struct Stats {
    std::uint64_t spans_written = 0;
    std::uint64_t spans_lost = 0;  // given to the exporter, not in their file: the write failed
    std::string last_error;        // the latest failure; empty when none
  };

  // Creates `dir` when missing (lazily, at the first export).
  explicit TraceDirectoryExporter(std::filesystem::path dir);
  tracing::ExportResult export_spans(tracing::SpanBatch batch, std::chrono::milliseconds timeout) noexcept override;
  bool shutdown(std::chrono::milliseconds timeout) noexcept override;
  [[nodiscard]] const std::filesystem::path& directory() const noexcept { return dir_; }
  [[nodiscard]] static std::filesystem::path file_for(const std::filesystem::path& dir, const tracing::TraceId& trace_id);

  [[nodiscard]] Stats stats() const;
  // Why spans of this trace are missing from its file (the first failure met writing them), for
  // the latest 1,024 traces that lost spans; nullopt when none was lost (as far as it remembers).
  [[nodiscard]] std::optional<std::string> failure(const tracing::TraceId& trace_id) const;

 private:
  void record_failure_locked(const tracing::TraceId& trace_id, std::size_t spans, const std::string& error) noexcept;

  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  bool shut_down_ = false;
  bool warned_ = false;
  Stats stats_;
  std::map<tracing::TraceId, std::string> failures_;  // bounded: the oldest go first
  std::deque<tracing::TraceId> failure_order_;
};

}  // namespace agentrace::formats
