// Shared helpers for the test suite: a provider wired to an in-memory exporter, and lookups over
// the spans it collected.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/tracing/in_memory_exporter.hpp"
#include "agentrace/tracing/log.hpp"
#include "agentrace/tracing/tracer.hpp"

namespace agentrace::testing {

// A provider whose spans land in memory, synchronously (simple processor) unless a processor
// factory is given.
struct InMemoryTracing {
  explicit InMemoryTracing(tracing::TracerProviderOptions options = {});

  [[nodiscard]] std::vector<tracing::SpanData> spans() const { return storage->spans(); }

  std::shared_ptr<tracing::InMemoryExporter::Storage> storage;
  std::shared_ptr<tracing::TracerProvider> provider;
  tracing::Tracer tracer;
};

// The spans named `name` (in export order).
std::vector<tracing::SpanData> spans_named(const std::vector<tracing::SpanData>& spans, std::string_view name);
// The one span named `name`; fails the test when there is not exactly one.
const tracing::SpanData& only_span(const std::vector<tracing::SpanData>& spans, std::string_view name);
// The direct children of `parent`.
std::vector<tracing::SpanData> children_of(const std::vector<tracing::SpanData>& spans, const tracing::SpanData& parent);

// Sets an environment variable for the lifetime of the object and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value);  // value nullptr: unset
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  bool had_value_ = false;
  std::string old_value_;
};

// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // Writes `text` to `name` in the directory and returns the file's path.
  std::filesystem::path write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

// Routes the library's logger (agentrace::tracing::logger) into a string, at debug level, for the
// object's lifetime; the default logger is back afterwards.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  [[nodiscard]] std::string text() const;

  class Sink;

 private:
  std::shared_ptr<Sink> sink_;  // shared with the logger, which a worker thread may still hold
};

}  // namespace agentrace::testing
