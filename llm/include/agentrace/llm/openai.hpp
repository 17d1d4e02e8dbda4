// OpenAiClient: the OpenAI chat completions API, POST {base_url}/chat/completions, as OpenAI and
// every server that speaks it (vLLM, llama.cpp server, Ollama, LM Studio, OpenRouter, Groq,
// Together) serve it. Tools as function schemas; replies plain or streamed over Server-Sent Events
// (`stream: true` with `stream_options.include_usage`), both assembled into the same ChatResponse.
//
// Errors are LlmError: a 429 is rate_limited (with its Retry-After), a 5xx server, 400/404/422
// bad_request and 401/403 authentication (with the status and the provider's own message); a body
// that does not parse, or a stream cut off before its end, is malformed_response with an excerpt.
// The client does not retry: the Runner does, per its RetryPolicy, so that every attempt shows on
// the `chat` span. The API key is sent as "Authorization: Bearer" and never appears in an error,
// a log line or a span. Requests carry the caller's span as traceparent (CallOptions::parent).
#pragma once

#include <memory>
#include <string>

#include "agentrace/llm/client.hpp"
#include "agentrace/net/headers.hpp"
#include "agentrace/net/http_client.hpp"

namespace agentrace::llm {

struct OpenAiOptions {
  std::string base_url = "https://api.openai.com/v1";  // without the /chat/completions
  std::string api_key{};                               // sent as Authorization: Bearer
  // A server that needs no key (a local vLLM or llama.cpp) sets this false; otherwise an empty key
  // is an authentication error raised by the constructor, before any request.
  bool require_api_key = true;
  std::string model{};              // used when a request names no model
  std::string provider = "openai";  // gen_ai.provider.name on the chat spans
  // Stream every reply (SSE): CallOptions::on_text then sees the text as it arrives.
  bool stream = false;
  net::ClientOptions http{};  // timeouts per phase, CA files, certificate verification, pooling
  net::Headers headers{};     // sent with every request (OpenAI-Organization, HTTP-Referer, ...)

  // OPENAI_API_KEY and OPENAI_BASE_URL (an empty variable counts as unset) over the defaults.
  static OpenAiOptions from_env();
};

class OpenAiClient final : public LlmClient {
 public:
  // Throws LlmError(authentication) when a required key is missing and std::invalid_argument
  // when base_url is not an http(s) URL or a CA file cannot be loaded. Starts the client's I/O
  // thread, on which requests run (so complete() suits any executor, complete_sync included).
  explicit OpenAiClient(OpenAiOptions options);
  ~OpenAiClient() override;

  [[nodiscard]] std::string provider() const override;
  [[nodiscard]] std::string default_model() const override;
  [[nodiscard]] std::optional<ServerAddress> server() const override;

  // The JSON body sent for `request` (documented shape; exposed for tests and debugging).
  [[nodiscard]] Json request_body(const ChatRequest& request, bool stream) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;

  asio::awaitable<ChatResponse> do_complete(const ChatRequest& request, CallOptions options) override;
};

// A chat.completion body as a ChatResponse. Throws LlmError(malformed_response) with an excerpt.
// A tool call whose arguments are not valid JSON keeps them in ToolCall::raw_arguments.
ChatResponse parse_openai_response(std::string_view body);

}  // namespace agentrace::llm
