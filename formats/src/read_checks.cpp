#include "read_checks.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace agentrace::formats::detail {
namespace {

std::string quoted_key(std::string_view key) {
  constexpr std::size_t shown = 60;
  if (key.size() <= shown) return "'" + std::string(key) + "'";
  std::size_t cut = shown;
  while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;  // a whole UTF-8 character
  return "'" + std::string(key.substr(0, cut)) + "…'";
}

std::size_t value_bytes(const tracing::AttributeValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return s->size();
  if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
    std::size_t longest = 0;
    for (const auto& s : *list) longest = std::max(longest, s.size());
    return longest;
  }
  return 0;
}

void check_attributes(tracing::Attributes& attributes, const std::string& owner, const ReadLimits& limits,
                      std::vector<std::string>& notes) {
  bool any_too_long = false;
  auto too_long = [&](const tracing::Attribute& a) {
    return std::max(a.key.view().size(), value_bytes(a.value)) > limits.max_value_bytes;
  };
  for (const auto& a : attributes) any_too_long = any_too_long || too_long(a);
  if (!any_too_long) return;
  tracing::Attributes kept;
  for (const auto& a : attributes) {
    if (!too_long(a)) {
      kept.push_back(a);
      continue;
    }
    const std::string_view key = a.key.view();
    const std::size_t bytes = std::max(key.size(), value_bytes(a.value));
    notes.push_back(owner + "attribute " + quoted_key(key) + " skipped: its " +
                    (key.size() > limits.max_value_bytes ? "key" : "value") + " is " + std::to_string(bytes) +
                    " bytes, longer than " + std::to_string(limits.max_value_bytes) + " bytes");
  }
  attributes = std::move(kept);
}

void check_name(const std::string& name, const std::string& field, const ReadLimits& limits) {
  if (name.size() > limits.max_name_bytes) {
    throw std::invalid_argument("field '" + field + "': " + std::to_string(name.size()) + " bytes, longer than " +
                                std::to_string(limits.max_name_bytes) + " bytes");
  }
}

}  // namespace

void enforce_limits(tracing::SpanData& span, const ReadLimits& limits, std::vector<std::string>& notes) {
  check_name(span.name, "name", limits);
  for (std::size_t i = 0; i < span.events.size(); ++i) {
    check_name(span.events[i].name, "events[" + std::to_string(i) + "].name", limits);
  }
  check_attributes(span.attributes, "", limits, notes);
  for (std::size_t i = 0; i < span.events.size(); ++i) {
    check_attributes(span.events[i].attributes, "events[" + std::to_string(i) + "]: ", limits, notes);
  }
  for (std::size_t i = 0; i < span.links.size(); ++i) {
    check_attributes(span.links[i].attributes, "links[" + std::to_string(i) + "]: ", limits, notes);
  }
}

std::string number_error(std::string_view what) {
  constexpr std::string_view marker = "number overflow parsing '";
  const auto at = what.find(marker);
  if (at == std::string_view::npos) return std::string(what);
  std::string_view number = what.substr(at + marker.size());
  number = number.substr(0, number.find('\''));
  if (number.size() > 40) number = number.substr(0, 40);
  return "a number is too large for any type the reader holds: " + std::string(number);
}

void check_trace_file(const std::filesystem::path& path, const ReadLimits& limits) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) {
    // Missing or unreadable: the open that follows says which.
    return;
  }
  switch (status.type()) {
    case fs::file_type::directory:
      throw std::system_error(std::make_error_code(std::errc::is_a_directory), "cannot read '" + path.string() + "'");
    case fs::file_type::regular: {
      const auto size = fs::file_size(path, ec);
      if (!ec && size > limits.max_file_bytes) {
        throw std::system_error(std::make_error_code(std::errc::file_too_large),
                                "cannot read '" + path.string() + "': it is " + std::to_string(size) +
                                    " bytes, larger than " + std::to_string(limits.max_file_bytes) +
                                    " bytes, the most a trace file may have");
      }
      return;
    }
    case fs::file_type::fifo: return;  // read with the bound counted
    default:
      throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                              "cannot read '" + path.string() + "': not a regular file (a device or a socket)");
  }
}

bool read_bounded_line(std::istream& in, std::string& line, std::size_t max, bool& too_long, std::size_t& total) {
  line.clear();
  too_long = false;
  std::streambuf* buffer = in.rdbuf();
  if (buffer == nullptr) return false;
  bool any = false;
  for (;;) {
    const int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      if (!any) in.setstate(std::ios::eofbit);
      return any;
    }
    any = true;
    ++total;
    if (c == '\n') return true;
    if (too_long) continue;
    if (line.size() == max) {
      too_long = true;
      std::string().swap(line);
      continue;
    }
    line.push_back(static_cast<char>(c));
  }
}

}  // namespace agentrace::formats::detail
