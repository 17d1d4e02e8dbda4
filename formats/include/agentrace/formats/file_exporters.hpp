// File exporters for the interchange formats: OTLP/JSON lines, Jaeger UI JSON, Chrome trace JSON.
//
// None of them throws, from its constructor either: a file that cannot be written makes
// export_spans (or force_flush / shutdown) return failure, and the exporter logs one spdlog
// warning naming the file and the reason (once per exporter, not once per batch).
#pragma once

#include <filesystem>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/tracing/exporter.hpp"

namespace agentrace::formats {

// Writes `data` to a temporary file beside `path` and renames it over `path`, so a reader sees
// the old file or the new one, never half of one (the data is synced before the rename). Creates
// missing parent directories. On failure nothing is left behind, the temporary file included, and
// `error` (when given) says why with the system's own reason ("No space left on device").
bool write_file_atomically(const std::filesystem::path& path, std::string_view data,
                           std::string* error = nullptr) noexcept;

// One ExportTraceServiceRequest per batch, as one line of OTLP/JSON: the format of the
// OpenTelemetry Collector's file exporter, which `agentrace export` and Collector receivers read.
// Appends (the file is opened at the first batch, parent directories created) each batch's line
// in one write, so a crash loses at most the batch being written and never leaves half a line.
class OtlpJsonFileExporter final : public tracing::SpanExporter {
 public:
  explicit OtlpJsonFileExporter(std::filesystem::path path);
  ~OtlpJsonFileExporter() override;
  tracing::ExportResult export_spans(tracing::SpanBatch batch, std::chrono::milliseconds timeout) noexcept override;
  bool force_flush(std::chrono::milliseconds timeout) noexcept override;
  bool shutdown(std::chrono::milliseconds timeout) noexcept override;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  void warn(const std::string& problem) noexcept;

  std::filesystem::path path_;
  std::mutex mutex_;
  int fd_ = -1;
  bool shut_down_ = false;
  bool warned_ = false;
  std::string buffer_;  // reused from batch to batch
};

// A whole-document format cannot be appended to, so these exporters keep every span they are
// given and (re)write the complete file, atomically: at the first batch (so the file appears,
// and an unwritable path fails that export), then on force_flush and on shutdown when something
// changed since the last write. Memory grows with the spans exported: they suit
// development runs and tests; for long-running services use OTLP or JSON Lines.
class DocumentFileExporter : public tracing::SpanExporter {
 public:
  explicit DocumentFileExporter(std::filesystem::path path);
  tracing::ExportResult export_spans(tracing::SpanBatch batch, std::chrono::milliseconds timeout) noexcept override;
  bool force_flush(std::chrono::milliseconds timeout) noexcept override;
  bool shutdown(std::chrono::milliseconds timeout) noexcept override;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 protected:
  // The whole document for `spans`.
  virtual std::string render(std::span<const tracing::SpanData> spans) const = 0;

 private:
  bool write_locked() noexcept;

  std::filesystem::path path_;
  std::mutex mutex_;
  std::vector<tracing::SpanData> spans_;
  bool dirty_ = false;  // spans_ holds spans the file does not
  bool first_write_attempted_ = false;
  bool shut_down_ = false;
  bool warned_ = false;
};

// Jaeger UI JSON (jaeger.hpp): open it in Jaeger UI without a backend.
class JaegerFileExporter final : public DocumentFileExporter {
 public:
  using DocumentFileExporter::DocumentFileExporter;

 protected:
  std::string render(std::span<const tracing::SpanData> spans) const override;
};

// Chrome trace JSON (chrome_trace.hpp): open it in Perfetto or speedscope.
class ChromeTraceFileExporter final : public DocumentFileExporter {
 public:
  using DocumentFileExporter::DocumentFileExporter;

 protected:
  std::string render(std::span<const tracing::SpanData> spans) const override;
};

}  // namespace agentrace::formats
