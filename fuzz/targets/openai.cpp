// The OpenAI-compatible client's reply parsers (llm/openai.hpp): a chat.completion body, and a
// streamed reply's Server-Sent Events assembled as the client assembles them.
#include "agentrace/llm/openai.hpp"
#include "llm_reply.hpp"
#include "stream_replies.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace;
  agentrace::fuzz::read_reply(data, size, llm::parse_openai_response, llm::detail::openai_stream_reply);
  return 0;
}
