#include "agentrace/net/sse.hpp"

#include <algorithm>

namespace agentrace::net {
namespace {
constexpr std::string_view bom = "\xEF\xBB\xBF";
}  // namespace

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  if (at_start_) {
    // The BOM itself may be split across chunks: hold its bytes until they match or do not.
    while (!bytes.empty() && bom_.size() < bom.size() && bytes.front() == bom[bom_.size()]) {
      bom_ += bytes.front();
      bytes.remove_prefix(1);
    }
    if (bom_.size() == bom.size()) {
      at_start_ = false;
    } else if (!bytes.empty()) {
      at_start_ = false;
      partial_ = bom_;  // not a BOM after all: ordinary bytes of the first line
    } else {
      return out;
    }
  }
  if (after_cr_ && !bytes.empty()) {
    after_cr_ = false;
    if (bytes.front() == '\n') bytes.remove_prefix(1);
  }
  while (!bytes.empty()) {
    const auto end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      partial_.append(bytes);
      break;
    }
    if (partial_.empty()) {
      line(bytes.substr(0, end), out);
    } else {
      partial_.append(bytes.substr(0, end));
      std::string whole = std::move(partial_);
      partial_.clear();
      line(whole, out);
    }
    const bool cr = bytes[end] == '\r';
    bytes.remove_prefix(end + 1);
    if (cr) {
      if (bytes.empty()) {
        after_cr_ = true;
      } else if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
      }
    }
  }
  return out;
}

void SseParser::line(std::string_view text, std::vector<SseEvent>& out) {
  if (text.empty()) {
    if (!data_.empty()) {
      SseEvent event;
      event.data = std::move(data_);
      event.data.pop_back();  // the "\n" after the last data line
      if (!event_.empty()) event.event = std::move(event_);
      event.id = last_id_;
      out.push_back(std::move(event));
    }
    reset_event();
    return;
  }
  if (text.front() == ':') return;  // a comment

  const auto colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (name == "data") {
    data_.append(value);
    data_ += '\n';
  } else if (name == "event") {
    event_ = std::string(value);
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_ = std::string(value);
  } else if (name == "retry") {
    if (!value.empty() && value.size() <= 18 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      retry_ = std::chrono::milliseconds(std::stoll(std::string(value)));
    }
  } else {
    return;  // an unknown field: ignored, and not the start of an event either
  }
  has_fields_ = true;
}

void SseParser::reset_event() {
  data_.clear();
  event_.clear();
  has_fields_ = false;
}

bool SseParser::finish() {
  const bool mid_event = !partial_.empty() || has_fields_ || (at_start_ && !bom_.empty());
  partial_.clear();
  reset_event();
  after_cr_ = false;
  at_start_ = true;
  bom_.clear();
  return mid_event;
}

}  // namespace agentrace::net
