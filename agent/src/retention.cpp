#include "retention.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <system_error>

#include "agentrace/tracing/env.hpp"

namespace agentrace::agent {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view trace_suffix = ".jsonl";
constexpr std::string_view cassette_suffix = ".cassette.json";

// "7d" -> 7 days; s, m, h, d.
std::optional<std::chrono::seconds> parse_age(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end == text.data()) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::uint64_t scale = 0;
  if (unit == "s") scale = 1;
  else if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else if (unit == "d") scale = 86400;
  else return std::nullopt;
  constexpr std::uint64_t longest = 100ULL * 365 * 86400;  // a century: no overflow below
  if (n > longest / scale) return std::nullopt;
  return std::chrono::seconds(static_cast<std::int64_t>(n * scale));
}

// "1GiB" -> 2^30; B, KB, MB, GB (powers of 1000), KiB, MiB, GiB (of 1024).
std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end == text.data()) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::uint64_t scale = 0;
  if (unit == "B" || unit.empty()) scale = 1;
  else if (unit == "KB") scale = 1000;
  else if (unit == "MB") scale = 1000 * 1000;
  else if (unit == "GB") scale = 1000 * 1000 * 1000;
  else if (unit == "KiB") scale = 1ULL << 10;
  else if (unit == "MiB") scale = 1ULL << 20;
  else if (unit == "GiB") scale = 1ULL << 30;
  else return std::nullopt;
  if (n > UINT64_MAX / scale) return std::nullopt;
  return n * scale;
}

}  // namespace

TraceRetention TraceRetention::parse(std::string_view text) {
  TraceRetention r;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    bool ok = false;
    if (key == "count") {
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      ok = ec == std::errc{} && end == value.data() + value.size() && !value.empty() && n > 0;
      if (ok) r.max_traces = n;
    } else if (key == "age") {
      if (auto age = parse_age(value); age && age->count() > 0) {
        r.max_age = age;
        ok = true;
      }
    } else if (key == "size") {
      if (auto size = parse_size(value); size && *size > 0) {
        r.max_bytes = size;
        ok = true;
      }
    }
    if (!ok) {
      tracing::warn_once("AGENTRACE_TRACE_RETENTION: '" + std::string(part) +
                         "' is not count=N, age=N(s|m|h|d) or size=N(B|KB|MB|GB|KiB|MiB|GiB); ignored");
    }
  }
  return r;
}

TraceRetention TraceRetention::from_env() {
  const auto text = tracing::env_string("AGENTRACE_TRACE_RETENTION");
  return text ? parse(*text) : TraceRetention{};
}

namespace detail {

std::vector<fs::path> prune_traces(const fs::path& dir, const TraceRetention& retention, fs::file_time_type now) {
  std::vector<fs::path> removed;
  if (!retention.limited()) return removed;
  struct Trace {
    fs::path file;
    fs::path cassette;  // empty when there is none
    fs::file_time_type written;
    std::uint64_t bytes = 0;
  };
  std::vector<Trace> traces;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.ends_with(trace_suffix) || !it->is_regular_file(ec)) continue;
    Trace t;
    t.file = it->path();
    t.written = it->last_write_time(ec);
    if (ec) continue;
    t.bytes = it->file_size(ec);
    if (ec) continue;
    const fs::path cassette = dir / (name.substr(0, name.size() - trace_suffix.size()) + std::string(cassette_suffix));
    if (fs::is_regular_file(cassette, ec)) {
      t.cassette = cassette;
      t.bytes += fs::file_size(cassette, ec);
    }
    traces.push_back(std::move(t));
  }
  if (ec) {
    tracing::warn_once("cannot read the trace directory " + dir.string() + " for retention: " + ec.message());
    return removed;
  }
  std::sort(traces.begin(), traces.end(), [](const Trace& a, const Trace& b) { return a.written > b.written; });  // newest first
  std::uint64_t total = 0;
  for (const auto& t : traces) total += t.bytes;
  // Oldest first, while a limit does not hold.
  std::size_t kept = traces.size();
  for (auto it = traces.rbegin(); it != traces.rend(); ++it) {
    const bool too_many = retention.max_traces && kept > *retention.max_traces;
    const bool too_old = retention.max_age && it->written < now - *retention.max_age;
    const bool too_big = retention.max_bytes && total > *retention.max_bytes;
    if (!too_many && !too_old && !too_big) break;  // the rest are newer: they hold as well
    std::error_code remove_error;
    fs::remove(it->file, remove_error);
    if (remove_error) {
      tracing::warn_once("cannot remove " + it->file.string() + " for retention: " + remove_error.message());
      continue;
    }
    if (!it->cassette.empty()) fs::remove(it->cassette, remove_error);
    removed.push_back(it->file);
    --kept;
    total -= it->bytes;
  }
  return removed;
}

}  // namespace detail
}  // namespace agentrace::agent
