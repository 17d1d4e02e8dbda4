// An incremental parser for Server-Sent Events (the WHATWG HTML "event stream" format), as the
// OpenAI and Anthropic APIs stream their replies. Feed it the body's bytes in chunks of any size,
// split anywhere; it returns each event once its blank line has arrived.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrace::net {

struct SseEvent {
  std::string event = "message";  // the `event:` field; "message" when the event had none
  std::string data{};             // the `data:` lines joined with "\n"
  std::string id{};               // the last `id:` seen in the stream so far (it persists, per the spec)

  friend bool operator==(const SseEvent&, const SseEvent&) = default;
};

// Lines end in "\r\n", "\n" or "\r" (a "\r\n" split between two chunks counts once). Lines that
// start with ':' are comments (keep-alives) and are skipped; unknown fields are ignored; an event
// with no data is not dispatched, as the spec says. A UTF-8 byte order mark at the start is dropped.
// Not thread-safe: one parser per stream.
class SseParser {
 public:
  // Parses `bytes` and returns the events they completed, in order.
  std::vector<SseEvent> feed(std::string_view bytes);

  // Ends the stream. Returns true when it ended mid-event: a line without its end, or fields not
  // yet dispatched by a blank line (a truncated stream); that partial event is discarded. The
  // parser is then ready for a new stream (the last event id and retry are kept).
  bool finish();

  [[nodiscard]] const std::string& last_event_id() const noexcept { return last_id_; }
  // The reconnection time from the last valid `retry:` field.
  [[nodiscard]] std::optional<std::chrono::milliseconds> retry() const noexcept { return retry_; }

 private:
  void line(std::string_view text, std::vector<SseEvent>& out);
  void reset_event();

  std::string partial_;       // the current line's bytes so far
  bool after_cr_ = false;     // the previous chunk ended in "\r": a leading "\n" belongs to it
  bool at_start_ = true;      // nothing consumed yet: a BOM may come
  std::string bom_;           // the bytes of a possible BOM seen so far
  std::string data_;
  std::string event_;
  bool has_fields_ = false;   // a field arrived since the last dispatch
  std::string last_id_;
  std::optional<std::chrono::milliseconds> retry_;
};

}  // namespace agentrace::net
