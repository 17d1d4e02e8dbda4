// The Anthropic client's reply parsers (llm/anthropic.hpp): a Messages API body, and a streamed
// reply's events (message_start, content_block_*, message_delta, message_stop) assembled as the
// client assembles them.
#include "agentrace/llm/anthropic.hpp"
#include "llm_reply.hpp"
#include "stream_replies.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace;
  agentrace::fuzz::read_reply(data, size, llm::parse_anthropic_response, llm::detail::anthropic_stream_reply);
  return 0;
}
