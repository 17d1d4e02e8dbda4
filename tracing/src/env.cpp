#include "env.hpp"

#include "agentrace/tracing/log.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <set>

namespace agentrace::tracing {

std::optional<std::string> env_string(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read-only use
  if (v == nullptr) return std::nullopt;
  std::string_view text = detail::trim(v);
  if (text.empty()) return std::nullopt;
  return std::string(text);
}

std::optional<std::uint64_t> env_uint(const char* name) {
  auto text = env_string(name);
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || ptr != text->data() + text->size()) {
    warn_once(std::string(name) + "='" + *text + "' is not a non-negative integer; using the default");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> env_bool(const char* name) {
  auto text = env_string(name);
  if (!text) return std::nullopt;
  std::string lower = detail::to_lower(*text);
  if (lower == "true") return true;
  if (lower == "false") return false;
  warn_once(std::string(name) + "='" + *text + "' is not true or false; using the default");
  return std::nullopt;
}

void warn_once(const std::string& message) {
  static std::mutex mutex;
  static std::set<std::string> seen;
  {
    std::lock_guard lock(mutex);
    if (!seen.insert(message).second) return;
  }
  tracing::logger()->warn("agentrace: {}", message);
}

namespace detail {

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace detail
}  // namespace agentrace::tracing
