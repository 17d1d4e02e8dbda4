#include "agentrace/formats/file_exporters.hpp"

#include <fcntl.h>
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
  return detail::describe_error(what, path, err);
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
    int fd = -1;
    do {
      fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return report(describe("cannot write", path, errno));
    // Every step's own errno: a full disk reads "No space left on device", not a generic I/O
    // error. fsync before the rename, so that after a power loss the name holds the old file or
    // the whole new one; close is checked too (some file systems report a failed write there).
    int err = detail::append_whole(fd, data);
    if (err == 0 && ::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) err = errno;  // EINVAL: cannot sync (a pipe)
    const int close_err = detail::close_file(fd);
    if (err == 0) err = close_err;
    if (err == 0 && std::rename(temp.c_str(), path.c_str()) != 0) err = errno != 0 ? errno : EIO;
    if (err != 0) {
      ::unlink(temp.c_str());
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

OtlpJsonFileExporter::~OtlpJsonFileExporter() { detail::close_file(fd_); }

void OtlpJsonFileExporter::warn(const std::string& problem) noexcept { log_warning(warned_, problem); }

// Local file writes are not bounded by the timeout: they finish or fail on their own.
tracing::ExportResult OtlpJsonFileExporter::export_spans(tracing::SpanBatch batch, std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (shut_down_) return tracing::ExportResult::failure;
    bool any = false;
    for (const tracing::SpanData* span : batch) any = any || span != nullptr;
    if (!any) return tracing::ExportResult::success;  // an empty request is not worth a line
    if (fd_ < 0) {
      fd_ = detail::open_for_appending(path_);
      if (fd_ < 0) {
        warn(describe("cannot open", path_, errno) + " for appending OTLP/JSON");
        return tracing::ExportResult::failure;
      }
    }
    buffer_.clear();
    append_otlp_json(batch, buffer_);
    buffer_ += '\n';
    const int err = detail::append_whole(fd_, buffer_);
    if (err != 0) warn(describe("cannot write", path_, err));
    detail::release_if_large(buffer_);
    return err == 0 ? tracing::ExportResult::success : tracing::ExportResult::failure;
  } catch (...) {
    return tracing::ExportResult::failure;
  }
}

bool OtlpJsonFileExporter::force_flush(std::chrono::milliseconds /*timeout*/) noexcept { return true; }  // nothing is buffered

bool OtlpJsonFileExporter::shutdown(std::chrono::milliseconds /*timeout*/) noexcept {
  try {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    const int err = detail::close_file(fd_);
    if (err != 0) warn(describe("cannot close", path_, err));
    return err == 0;
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
