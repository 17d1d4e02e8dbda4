// Small value types of the runner: status names, the content policy, default tracing settings.
#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "agentrace/agent/runner.hpp"

namespace agentrace::agent {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once at construction
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// Backs up from `at` to the start of a UTF-8 sequence, so a cut never splits a character.
std::size_t utf8_boundary(std::string_view text, std::size_t at) noexcept {
  while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
  return at;
}

}  // namespace

std::string_view to_string(RunStatus status) noexcept {
  switch (status) {
    case RunStatus::completed: return "completed";
    case RunStatus::max_steps: return "max_steps";
    case RunStatus::cancelled: return "cancelled";
    case RunStatus::timed_out: return "timed_out";
    case RunStatus::failed: return "failed";
  }
  return "failed";
}

ContentPolicy ContentPolicy::from_env() {
  ContentPolicy policy;
  if (auto mode = env("AGENTRACE_CAPTURE_CONTENT")) {
    if (*mode == "full") {
      policy.mode = ContentCapture::full;
    } else if (*mode == "truncated") {
      policy.mode = ContentCapture::truncated;
    } else if (*mode == "off") {
      policy.mode = ContentCapture::off;
    } else {
      spdlog::warn("agentrace: AGENTRACE_CAPTURE_CONTENT='{}' is not full, truncated or off; using truncated", *mode);
    }
  }
  if (auto bytes = env("AGENTRACE_CAPTURE_CONTENT_BYTES")) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(bytes->c_str(), &end, 10);
    if (end != nullptr && *end == '\0' && n > 0) {
      policy.max_bytes = static_cast<std::size_t>(n);
    } else {
      spdlog::warn("agentrace: AGENTRACE_CAPTURE_CONTENT_BYTES='{}' is not a positive integer; using {}", *bytes,
                   policy.max_bytes);
    }
  }
  return policy;
}

std::optional<std::string> ContentPolicy::apply(std::string_view text) const {
  switch (mode) {
    case ContentCapture::off: return std::nullopt;
    case ContentCapture::full: return std::string(text);
    case ContentCapture::truncated: break;
  }
  if (text.size() <= max_bytes) return std::string(text);
  const std::size_t cut = utf8_boundary(text, max_bytes);
  std::string out(text.substr(0, cut));
  out += "...[truncated ";
  out += std::to_string(text.size() - cut);
  out += " bytes]";
  return out;
}

DefaultTracing DefaultTracing::from_env() {
  DefaultTracing d;
  if (auto traces = env("AGENTRACE_TRACES")) {
    if (*traces == "off" || *traces == "false" || *traces == "0") {
      d.enabled = false;
    } else if (*traces != "on" && *traces != "true" && *traces != "1") {
      spdlog::warn("agentrace: AGENTRACE_TRACES='{}' is not on or off; tracing stays on", *traces);
    }
  }
  if (auto dir = env("AGENTRACE_TRACE_DIR")) d.trace_dir = *dir;
  return d;
}

}  // namespace agentrace::agent
