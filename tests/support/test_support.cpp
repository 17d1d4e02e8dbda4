#include "support/test_support.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/base_sink.h>

#include <cstdlib>
#include <fstream>
#include <random>

namespace agentrace::testing {

using tracing::SpanData;

InMemoryTracing::InMemoryTracing(tracing::TracerProviderOptions options) {
  auto exporter = std::make_unique<tracing::InMemoryExporter>();
  storage = exporter->storage();
  if (!options.processor) options.processor = tracing::make_simple_processor(std::move(exporter));
  provider = std::make_shared<tracing::TracerProvider>(std::move(options));
  tracer = provider->tracer("agentrace.tests");
}

std::vector<SpanData> spans_named(const std::vector<SpanData>& spans, std::string_view name) {
  std::vector<SpanData> out;
  for (const auto& s : spans) {
    if (s.name == name) out.push_back(s);
  }
  return out;
}

const SpanData& only_span(const std::vector<SpanData>& spans, std::string_view name) {
  const SpanData* found = nullptr;
  std::size_t count = 0;
  for (const auto& s : spans) {
    if (s.name == name) {
      found = &s;
      ++count;
    }
  }
  INFO("spans named '" << name << "'");
  REQUIRE(count == 1);
  return *found;
}

std::vector<SpanData> children_of(const std::vector<SpanData>& spans, const SpanData& parent) {
  std::vector<SpanData> out;
  for (const auto& s : spans) {
    if (s.trace_id == parent.trace_id && s.parent_span_id == parent.span_id) out.push_back(s);
  }
  return out;
}

ScopedEnv::ScopedEnv(const char* name, const char* value) : name_(name) {
  if (const char* old = std::getenv(name)) {
    had_value_ = true;
    old_value_ = old;
  }
  if (value != nullptr) {
    ::setenv(name, value, 1);
  } else {
    ::unsetenv(name);
  }
}

ScopedEnv::~ScopedEnv() {
  if (had_value_) {
    ::setenv(name_.c_str(), old_value_.c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

TempDir::TempDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("agentrace-test-" + std::to_string(random()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& text) const {
  const auto file = path_ / name;
  std::ofstream(file) << text;
  return file;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

class LogCapture::Sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    text_.append(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::string text_;  // under base_sink's mutex_
};

LogCapture::LogCapture() : sink_(std::make_shared<Sink>()) {
  auto logger = std::make_shared<spdlog::logger>("agentrace", sink_);
  logger->set_level(spdlog::level::debug);
  tracing::set_logger(std::move(logger));
}

LogCapture::~LogCapture() { tracing::set_logger(nullptr); }

std::string LogCapture::text() const { return sink_->text(); }

}  // namespace agentrace::testing
