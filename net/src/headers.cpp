#include "agentrace/net/headers.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <string>

namespace agentrace::net {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void Headers::add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }

void Headers::set(std::string name, std::string value) {
  erase(name);
  add(std::move(name), std::move(value));
}

std::size_t Headers::erase(std::string_view name) {
  return std::erase_if(fields_, [&](const Field& f) { return iequals(f.first, name); });
}

std::optional<std::string_view> Headers::find(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::find_all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) out.emplace_back(v);
  }
  return out;
}

}  // namespace agentrace::net

namespace agentrace::net {

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  using std::chrono::milliseconds;
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return milliseconds{std::chrono::hours{24 * 365}};
    return milliseconds{std::stoll(std::string(value)) * 1000};
  }
  const std::string text(value);
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    // The whole value: a NUL inside it would end strptime's reading early.
    if (end != text.c_str() + text.size()) continue;
    const std::time_t when = timegm(&tm);
    if (when == static_cast<std::time_t>(-1)) continue;
    // Compared in seconds first: a date centuries away (year 19, year 9999) does not fit the
    // clock's nanoseconds, and from_time_t would overflow.
    const auto now_seconds = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
    if (when < now_seconds) return milliseconds{0};
    if (when - now_seconds > std::int64_t{365} * 24 * 3600) return milliseconds{std::chrono::hours{24 * 365}};
    const auto at = std::chrono::system_clock::from_time_t(when);
    if (at <= now) return milliseconds{0};
    return std::chrono::ceil<milliseconds>(at - now);
  }
  return std::nullopt;
}

}  // namespace agentrace::net
