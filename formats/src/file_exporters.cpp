#include "agentrace/formats/file_exporters.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "agentrace/tracing/log.hpp"

#include "agentrace/formats/chrome_trace.hpp"
#include "agentrace/formats/jaeger.hpp"
#include "agentrace/formats/otlp_encoding.hpp"
#include "append_file.hpp"

namespace agentrace::formats {

namespace {

std::string describe(const std::string& what, const std::filesystem::path& path, int err) {
  return what + " '" + path.string() + "': " + std::generic_category().message(err != 0 ? err : EIO);
}

void log_warning(bool& warned, const std::string& problem) noexcept {
  if (warned) return;
  warned = true;
  try {
    tracing::logger()->warn("agentrace: {} (further failures of this exporter are not logged)", problem);
  } catch (...) {  // logging must not take the exporter down
  }
}

}  // namespace

bool write_file_atomically(const std::filesystem::path& path, std::string_view data, std::string* error) noexcept {
  auto report = [error](std::string message) {
    if (error != nullptr) *error = std::move(message);
    return false;
  };
  try {
    detail::create_parent_directories(path);
    // Unique per process and call, in the target's directory so that the rename stays on one
    // file system (and is therefore atomic).
    static std::atomic<unsigned> counter{0};
    std::filesystem::path temp = path;
    temp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
    errno = 0;
    std::FILE* file = std::fopen(temp.c_str(), "wb");
    if (file == nullptr) return report(describe("cannot write", path, errno));
    errno = 0;
    bool ok = std::fwrite(data.data(), 1, data.size(), file) == data.size();
    ok = std::fflush(file) == 0 && ok;
    int err = errno;
    ok = std::fclose(file) == 0 && ok;
    if (err == 0) err = errno;
    if (ok && std::rename(temp.c_str(), path.c_str()) != 0) {
      ok = false;
      err = errno;
    }
    if (!ok) {
      std::remove(temp.c_str());
      return report(describe("cannot write", path, err));
    }
    return true;
  } catch (const std::exception& e) {
    return report(std::string("cannot write '") + path.string() + "': " + e.what());
  } catch (...) {
    return report("cannot write the file");
  }
}

// ---- OTLP/JSON lines ----

OtlpJsonFileExporter::OtlpJsonFileExporter(std::filesystem::path path) : path_(std::move(path)) {}

OtlpJsonFileExporter::~OtlpJsonFileExporter() { detail::close_file(file_); }

void OtlpJsonFileExporter::warn(const std::string& problem) noexcept { log_warning(warned_, problem); }

// Local file writes are not bounded by the timeout: they finish or fail on their own.
tracing::ExportResult OtlpJsonFileExporter::export_spans(tracing::SpanBatch batch, std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (shut_down_) return tracing::ExportResult::failure;
    bool any = false;
    for (const tracing::SpanData* span : batch) any = any || span != nullptr;
    if (!any) return tracing::ExportResult::success;  // an empty request is not worth a line
    if (file_ == nullptr) {
      file_ = detail::open_for_appending(path_);
      if (file_ == nullptr) {
        warn(describe("cannot open", path_, errno) + " for appending OTLP/JSON");
        return tracing::ExportResult::failure;
      }
    }
    buffer_.clear();
    append_otlp_json(batch, buffer_);
    buffer_ += '\n';
    const bool ok = detail::append_and_flush(file_, buffer_);
    if (!ok) warn(describe("cannot write", path_, errno));
    detail::release_if_large(buffer_);
    return ok ? tracing::ExportResult::success : tracing::ExportResult::failure;
  } catch (...) {
    return tracing::ExportResult::failure;
  }
}

bool OtlpJsonFileExporter::force_flush(std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    return detail::flush_file(file_);
  } catch (...) {
    return false;
  }
}

bool OtlpJsonFileExporter::shutdown(std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    return detail::close_file(file_);
  } catch (...) {
    return false;
  }
}

// ---- whole documents ----

DocumentFileExporter::DocumentFileExporter(std::filesystem::path path) : path_(std::move(path)) {}

bool DocumentFileExporter::write_locked() noexcept {
  try {
    const std::string document = render(spans_);
    std::string error;
    if (!write_file_atomically(path_, document, &error)) {
      log_warning(warned_, error);
      return false;
    }
    dirty_ = false;
    return true;
  } catch (const std::exception& e) {
    log_warning(warned_, std::string("cannot render '") + path_.string() + "': " + e.what());
    return false;
  }
}

tracing::ExportResult DocumentFileExporter::export_spans(tracing::SpanBatch batch, std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (shut_down_) return tracing::ExportResult::failure;
    for (const tracing::SpanData* span : batch) {
      if (span == nullptr) continue;
      spans_.push_back(*span);
      dirty_ = true;
    }
    // The first spans are written at once, so the file exists early and an unwritable path is
    // reported by the first export; later batches only collect until the next flush, rather
    // than rewriting an ever larger document per batch.
    if (dirty_ && !first_write_attempted_) {
      first_write_attempted_ = true;
      if (!write_locked()) return tracing::ExportResult::failure;
    }
    return tracing::ExportResult::success;
  } catch (...) {
    return tracing::ExportResult::failure;
  }
}

bool DocumentFileExporter::force_flush(std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    return !dirty_ || write_locked();
  } catch (...) {
    return false;
  }
}

bool DocumentFileExporter::shutdown(std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (shut_down_) return true;
    shut_down_ = true;
    const bool ok = !dirty_ || write_locked();
    std::vector<tracing::SpanData>().swap(spans_);
    dirty_ = false;
    return ok;
  } catch (...) {
    return false;
  }
}

std::string JaegerFileExporter::render(std::span<const tracing::SpanData> spans) const { return to_jaeger_json(spans); }

std::string ChromeTraceFileExporter::render(std::span<const tracing::SpanData> spans) const {
  return to_chrome_trace_json(spans);
}

}  // namespace agentrace::formats
