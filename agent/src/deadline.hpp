// Deadline: when a wait must end, or never. A run, a managed agent's run and a tool call each have
// one; the earlier of two is what a nested wait obeys. Internal to the Runner.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace agentrace::agent::detail {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  Deadline() = default;  // none: the wait ends only when what it waits for does
  // `limit` from now; none when there is no limit.
  static Deadline after(std::optional<std::chrono::milliseconds> limit) {
    return limit ? Deadline(Clock::now() + *limit) : Deadline();
  }

  [[nodiscard]] bool bounded() const noexcept { return when_.has_value(); }
  [[nodiscard]] bool passed() const noexcept { return when_ && Clock::now() >= *when_; }
  [[nodiscard]] std::optional<Clock::time_point> when() const noexcept { return when_; }
  // The earlier of the two (none is later than any time).
  [[nodiscard]] Deadline min(const Deadline& other) const {
    if (!when_) return other;
    if (!other.when_) return *this;
    return Deadline(std::min(*when_, *other.when_));
  }

 private:
  explicit Deadline(Clock::time_point when) : when_(when) {}
  std::optional<Clock::time_point> when_;
};

}  // namespace agentrace::agent::detail
