// ScriptedLlmClient: replies from a script instead of a model. The offline default and the test
// double. Replies are taken in order across all calls; when the script runs out the call fails
// with LlmErrorKind::script_exhausted, naming the call.
//
// Script JSON (a file or a value):
//   {"model": "scripted-demo",
//    "replies": [
//      {"text": "final answer text"},
//      {"text": "optional thought", "tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}]},
//      {"tool_calls": [{"id": "call_x", "name": "add", "arguments": "{not json"}]},  // raw, invalid
//      {"error": {"kind": "rate_limited", "message": "slow down", "status": 429, "retry_after_ms": 10}},
//      {"delay_ms": 20, "text": "answered after an asynchronous 20 ms wait"},
//      {"text": "...", "usage": {"input_tokens": 12, "output_tokens": 3}, "finish_reason": "stop"}
//    ]}
// Reply text and string values in tool-call arguments may quote the run: {{last_tool_result}}
// becomes the content of the request's last tool message, {{task}} its first user message.
// Tool call ids default to "call_<n>" (n counts calls across the script). Usage not given is
// estimated at 4 characters per token of the request's messages and of the reply.
#pragma once

#include <filesystem>
#include <mutex>
#include <vector>

#include "agentrace/llm/client.hpp"

namespace agentrace::llm {

struct ScriptedReply {
  std::optional<ChatResponse> response;      // a reply
  std::optional<LlmError> error;             // or an error to throw
  std::chrono::milliseconds delay{0};        // waited asynchronously before either
};

class ScriptedLlmClient final : public LlmClient {
 public:
  explicit ScriptedLlmClient(std::vector<ScriptedReply> replies, std::string model = "scripted");
  // Throws std::invalid_argument naming the bad reply and field.
  static std::unique_ptr<ScriptedLlmClient> from_json(const Json& script);
  // Throws std::invalid_argument (bad script, with the file name) or std::system_error (I/O).
  static std::unique_ptr<ScriptedLlmClient> from_file(const std::filesystem::path& path);

  // Convenience builders for tests.
  static ScriptedReply text(std::string text, Usage usage = {});
  static ScriptedReply tool_calls(std::vector<ToolCall> calls, std::string text = {}, Usage usage = {});
  static ScriptedReply failure(LlmErrorKind kind, std::string message, int http_status = 0);

  [[nodiscard]] std::string provider() const override { return "scripted"; }
  [[nodiscard]] std::string default_model() const override { return model_; }

  // What was asked, in call order (for assertions and for replay).
  [[nodiscard]] std::vector<ChatRequest> requests() const;
  // Recording is on by default; long benchmarks turn it off so requests do not pile up.
  void set_recording(bool on);
  [[nodiscard]] std::size_t calls() const;
  [[nodiscard]] std::size_t remaining() const;

 private:
  std::string model_;
  mutable std::mutex mutex_;
  std::vector<ScriptedReply> replies_;
  std::size_t next_ = 0;
  std::vector<ChatRequest> requests_;
  bool recording_ = true;

  asio::awaitable<ChatResponse> do_complete(const ChatRequest& request, CallOptions options) override;
};

}  // namespace agentrace::llm
