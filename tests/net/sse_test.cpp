#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "agentrace/net/sse.hpp"

using namespace agentrace::net;

namespace {

SseEvent ev(std::string event, std::string data, std::string id = "") {
  SseEvent e;
  e.event = std::move(event);
  e.data = std::move(data);
  e.id = std::move(id);
  return e;
}

std::vector<SseEvent> parse_whole(std::string_view stream) {
  SseParser p;
  auto events = p.feed(stream);
  CHECK_FALSE(p.finish());
  return events;
}

// Everything the parser must handle, in one stream: LF, CRLF and CR line ends, comments,
// multi-line data, named events, ids that persist, retry, a field without a colon, a value
// without the optional space, an unknown field, an event without data, a BOM.
const std::string kitchen_sink =
    "\xEF\xBB\xBF"
    ": keep-alive comment\n"
    "data: first\n\n"
    "event: message_start\r\ndata: {\"a\":1}\r\nid: 7\r\n\r\n"
    "data:line one\rdata: line two\r\r"
    "retry: 1500\n"
    "event: ping\n\n"
    "data\n\n"
    "unknown: x\ndata:  two spaces\n\n"
    "event: message_stop\nid\ndata: [DONE]\n\n";

const std::vector<SseEvent> kitchen_sink_events = {
    ev("message", "first"),
    ev("message_start", "{\"a\":1}", "7"),
    ev("message", "line one\nline two", "7"),
    ev("message", "", "7"),
    ev("message", " two spaces", "7"),
    ev("message_stop", "[DONE]", ""),
};

}  // namespace

TEST_CASE("SSE: events of the OpenAI and Anthropic shapes", "[net]") {
  CHECK(parse_whole("data: {\"x\":1}\n\ndata: [DONE]\n\n") ==
        std::vector<SseEvent>{ev("message", "{\"x\":1}"), ev("message", "[DONE]")});
  CHECK(parse_whole("event: content_block_delta\ndata: {\"d\":\"hi\"}\n\n") ==
        std::vector<SseEvent>{ev("content_block_delta", "{\"d\":\"hi\"}")});
}

TEST_CASE("SSE: every feature in one stream, fed whole", "[net]") {
  SseParser p;
  CHECK(p.feed(kitchen_sink) == kitchen_sink_events);
  CHECK_FALSE(p.finish());
  CHECK(p.retry() == std::chrono::milliseconds(1500));
  CHECK(p.last_event_id().empty());  // the last `id` line had no value: it reset the id
}

TEST_CASE("SSE: the same events wherever the stream is split in two, and byte by byte", "[net]") {
  for (std::size_t cut = 0; cut <= kitchen_sink.size(); ++cut) {
    SseParser p;
    auto events = p.feed(std::string_view(kitchen_sink).substr(0, cut));
    auto rest = p.feed(std::string_view(kitchen_sink).substr(cut));
    events.insert(events.end(), rest.begin(), rest.end());
    INFO("split at byte " << cut);
    CHECK(events == kitchen_sink_events);
    CHECK_FALSE(p.finish());
  }
  SseParser p;
  std::vector<SseEvent> events;
  for (char c : kitchen_sink) {
    auto more = p.feed(std::string_view(&c, 1));
    events.insert(events.end(), more.begin(), more.end());
  }
  CHECK(events == kitchen_sink_events);
  CHECK_FALSE(p.finish());
}

TEST_CASE("SSE: split in three anywhere, CRLF pairs included", "[net]") {
  const std::string stream = "data: a\r\ndata: b\r\n\r\nevent: e\r\ndata: c\r\n\r\n";
  const std::vector<SseEvent> expected = {ev("message", "a\nb"), ev("e", "c")};
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    for (std::size_t j = i; j <= stream.size(); ++j) {
      SseParser p;
      std::vector<SseEvent> events;
      for (auto piece : {stream.substr(0, i), stream.substr(i, j - i), stream.substr(j)}) {
        auto more = p.feed(piece);
        events.insert(events.end(), more.begin(), more.end());
      }
      INFO("split at " << i << " and " << j);
      CHECK(events == expected);
    }
  }
}

TEST_CASE("SSE: a CR then an LF in the next chunk is one line end, not two", "[net]") {
  SseParser p;
  CHECK(p.feed("data: a\r").empty());
  // Were the LF a second line end, the event would be dispatched here with data "a".
  CHECK(p.feed("\ndata: b\r").empty());
  CHECK(p.feed("\n\r\n") == std::vector<SseEvent>{ev("message", "a\nb")});
}

TEST_CASE("SSE: finish reports a stream that ended mid-event", "[net]") {
  SseParser p;
  CHECK(p.feed("data: whole\n\ndata: cut") == std::vector<SseEvent>{ev("message", "whole")});
  CHECK(p.finish());  // a line without its end

  CHECK(p.feed("data: complete line, no blank line\n").empty());
  CHECK(p.finish());  // fields not dispatched

  CHECK(p.feed("event: only a name\n").empty());
  CHECK(p.finish());

  CHECK(p.feed("data: x\n\n: trailing comment\n").size() == 1);
  CHECK_FALSE(p.finish());  // comments are not events

  CHECK(p.feed("data: x\n\n").size() == 1);
  CHECK_FALSE(p.finish());
  CHECK_FALSE(p.finish());  // an empty stream
}

TEST_CASE("SSE: after finish the parser starts a new stream, and the id persists", "[net]") {
  SseParser p;
  CHECK(p.feed("id: 42\ndata: a\n\ndata: partial") == std::vector<SseEvent>{ev("message", "a", "42")});
  CHECK(p.finish());
  CHECK(p.feed("data: b\n\n") == std::vector<SseEvent>{ev("message", "b", "42")});
  CHECK(p.last_event_id() == "42");
}

TEST_CASE("SSE: ignored input", "[net]") {
  // Not a BOM after all: the bytes belong to the first line (an unknown field name).
  CHECK(parse_whole("\xEF\xBB" "x: 1\ndata: y\n\n") == std::vector<SseEvent>{ev("message", "y")});
  // An id with NUL is ignored; a retry that is not all digits too.
  SseParser p;
  using namespace std::string_literals;
  const std::string with_nul = "id: a\0b\nretry: 12x\ndata: z\n\n"s;
  CHECK(p.feed(with_nul) == std::vector<SseEvent>{ev("message", "z")});
  CHECK_FALSE(p.retry().has_value());
  // Events without data lines are not dispatched.
  CHECK(parse_whole("event: nothing\nid: 1\n\n").empty());
}
