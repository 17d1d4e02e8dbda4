// HTTP header fields in order, looked up case-insensitively (RFC 9110: field names are
// case-insensitive), repeated names kept. The client never logs them: values carry API keys.
#pragma once

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentrace::net {

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;
  using const_iterator = std::vector<Field>::const_iterator;

  Headers() = default;
  Headers(std::initializer_list<Field> fields) : fields_(fields) {}

  // Appends a field; a name may appear several times.
  void add(std::string name, std::string value);
  // Replaces every field called `name` (any case) with one.
  void set(std::string name, std::string value);
  // Removes every field called `name`; returns how many there were.
  std::size_t erase(std::string_view name);

  // The first value of `name`, any case.
  [[nodiscard]] std::optional<std::string_view> find(std::string_view name) const;
  // The first value of `name`, or "" when absent.
  [[nodiscard]] std::string_view value(std::string_view name) const { return find(name).value_or(""); }
  [[nodiscard]] bool contains(std::string_view name) const { return find(name).has_value(); }
  // Every value of `name`, in order.
  [[nodiscard]] std::vector<std::string_view> find_all(std::string_view name) const;

  [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
  [[nodiscard]] bool empty() const noexcept { return fields_.empty(); }
  [[nodiscard]] const_iterator begin() const noexcept { return fields_.begin(); }
  [[nodiscard]] const_iterator end() const noexcept { return fields_.end(); }

  friend bool operator==(const Headers&, const Headers&) = default;

 private:
  std::vector<Field> fields_;
};

// ASCII case-insensitive equality, as field names and tokens compare.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

// The wait a Retry-After value asks for: delta seconds, or an HTTP date (IMF-fixdate, RFC 850 or
// asctime) measured from `now` (zero when already past). nullopt when it is neither. Very large
// delta seconds, and dates more than a year ahead, are capped at a year.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace agentrace::net
