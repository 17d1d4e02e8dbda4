// The Server-Sent Events parser (net/sse.hpp). Besides not crashing, a stream must parse to the
// same events however its bytes are split into chunks: the input is read whole, then in chunks
// of the size its first byte gives, and the two must agree.
#include <cstdlib>
#include <vector>

#include "agentrace/net/sse.hpp"
#include "fuzz_support.hpp"

namespace {

struct Parsed {
  std::vector<agentrace::net::SseEvent> events;
  bool truncated = false;
  std::string last_id;
  std::optional<std::chrono::milliseconds> retry;
};

Parsed parse(std::string_view body, std::size_t chunk) {
  agentrace::net::SseParser parser;
  Parsed out;
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    for (auto& e : parser.feed(body.substr(at, chunk))) out.events.push_back(std::move(e));
  }
  out.truncated = parser.finish();
  out.last_id = parser.last_event_id();
  out.retry = parser.retry();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = data[0] == 0 ? 1 : data[0];
  const std::string_view body = agentrace::fuzz::text_of(data + 1, size - 1);
  const Parsed whole = parse(body, body.size() + 1);
  const Parsed split = parse(body, chunk);
  if (whole.events != split.events || whole.truncated != split.truncated || whole.last_id != split.last_id ||
      whole.retry != split.retry) {
    std::abort();  // the chunking changed what the stream says
  }
  return 0;
}
