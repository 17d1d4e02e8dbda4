// The streamed-reply assemblers of the model clients by themselves: what a client makes of the
// events of a 2xx text/event-stream body, without the HTTP exchange (http_transport.hpp feeds the
// same assemblers as the events arrive). Internal to llm/; the fuzz targets (fuzz/) read streams
// through these.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "agentrace/llm/client.hpp"
#include "agentrace/llm/message.hpp"
#include "agentrace/net/sse.hpp"

namespace agentrace::llm::detail {

// The reply `events` make: each event until the stream's final one (OpenAI's [DONE], Anthropic's
// message_stop; later events are ignored, as the transport ignores them), then the assembled
// reply. Throws LlmError as a streamed call does: an error event, an event that is not JSON,
// or no final event (malformed_response).
ChatResponse openai_stream_reply(std::span<const net::SseEvent> events);
ChatResponse anthropic_stream_reply(std::span<const net::SseEvent> events);

// Both, over a client's StreamState (see ModelTransport::call).
template <class StreamState>
ChatResponse assemble_stream_reply(std::string_view api, std::span<const net::SseEvent> events) {
  StreamState state;
  for (const net::SseEvent& event : events) {
    if (state.on_event(event)) return state.finish();
  }
  throw LlmError(LlmErrorKind::malformed_response, std::string(api) + " stream ended after " +
                                                       std::to_string(events.size()) +
                                                       " event(s) without its final event: the reply is incomplete");
}

}  // namespace agentrace::llm::detail
