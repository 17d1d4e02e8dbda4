// AnthropicClient: the Anthropic Messages API, POST {base_url}/v1/messages with the
// anthropic-version header. The system prompt goes in `system`, tool calls and results travel as
// tool_use and tool_result content blocks, tools as input_schema; replies plain or streamed
// (message_start, content_block_start / delta / stop, message_delta, message_stop events).
//
// Errors, retries, keys and traceparent behave as for OpenAiClient (openai.hpp): typed LlmError,
// no retry inside the client (the Runner retries), the key (x-api-key) never shown anywhere.
#pragma once

#include <memory>
#include <string>

#include "agentrace/llm/client.hpp"
#include "agentrace/net/headers.hpp"
#include "agentrace/net/http_client.hpp"

namespace agentrace::llm {

struct AnthropicOptions {
  std::string base_url = "https://api.anthropic.com";  // without the /v1/messages
  std::string api_key{};                               // sent as x-api-key
  bool require_api_key = true;                         // as OpenAiOptions::require_api_key
  std::string model{};                                 // used when a request names no model
  std::string version = "2023-06-01";                  // the anthropic-version header
  // The API requires max_tokens: used when a request sets none.
  std::int64_t default_max_tokens = 4096;
  std::string provider = "anthropic";  // gen_ai.provider.name
  bool stream = false;
  net::ClientOptions http{};
  net::Headers headers{};  // sent with every request (anthropic-beta, ...)

  // ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL (an empty variable counts as unset).
  static AnthropicOptions from_env();
};

class AnthropicClient final : public LlmClient {
 public:
  // Throws as OpenAiClient's constructor does.
  explicit AnthropicClient(AnthropicOptions options);
  ~AnthropicClient() override;

  [[nodiscard]] std::string provider() const override;
  [[nodiscard]] std::string default_model() const override;
  [[nodiscard]] std::optional<ServerAddress> server() const override;

  [[nodiscard]] Json request_body(const ChatRequest& request, bool stream) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;

  asio::awaitable<ChatResponse> do_complete(const ChatRequest& request, CallOptions options) override;
};

// A Messages API reply body as a ChatResponse (stop_reason becomes finish_reason unchanged:
// "end_turn", "tool_use", "max_tokens", ...). Throws LlmError(malformed_response).
ChatResponse parse_anthropic_response(std::string_view body);

}  // namespace agentrace::llm
