// The OpenAI and Anthropic targets share their shape: the input is a reply body, read both as a
// plain reply and as the body of a stream, split into chunks where the input's first byte says.
#pragma once

#include <vector>

#include "agentrace/llm/client.hpp"
#include "agentrace/net/sse.hpp"
#include "fuzz_support.hpp"

namespace agentrace::fuzz {

// `parse_plain`: the client's plain-reply parser; `parse_stream`: its stream assembler.
template <class ParsePlain, class ParseStream>
void read_reply(const std::uint8_t* data, std::size_t size, ParsePlain parse_plain, ParseStream parse_stream) {
  if (size == 0) return;
  const std::size_t chunk = data[0] == 0 ? size : data[0];  // the transport's chunks split anywhere
  const std::string_view body = text_of(data + 1, size - 1);
  try {
    (void)parse_plain(body);
  } catch (const llm::LlmError&) {
  }
  net::SseParser parser;
  std::vector<net::SseEvent> events;
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    for (auto& e : parser.feed(body.substr(at, chunk))) events.push_back(std::move(e));
  }
  parser.finish();
  try {
    (void)parse_stream(events);
  } catch (const llm::LlmError&) {
  }
}

}  // namespace agentrace::fuzz
