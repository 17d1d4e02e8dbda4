// ReplayLlmClient: answers from a recording instead of a model. Each call gets the next recorded
// reply (or the recorded error, thrown again), and the request it was given is compared with the
// recorded one: the first call whose request differs is kept with a diff of the two, so a replay
// can say where a run stopped being the same. Calls beyond the recording fail with
// LlmErrorKind::script_exhausted naming the call.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agentrace/llm/client.hpp"

namespace agentrace::llm {

struct RecordedCall {
  ChatRequest request;
  std::optional<ChatResponse> response;  // exactly one of response and error
  std::optional<LlmError> error;
};

struct RequestMismatch {
  std::size_t call = 0;  // 0-based index into the recording
  std::string diff;      // see diff_requests
};

class ReplayLlmClient final : public LlmClient {
 public:
  // `name` names the recording in errors (e.g. the agent's name).
  ReplayLlmClient(std::string name, std::vector<RecordedCall> calls, std::string model);

  [[nodiscard]] std::string provider() const override { return "replay"; }
  [[nodiscard]] std::string default_model() const override { return model_; }

  [[nodiscard]] std::optional<RequestMismatch> first_mismatch() const;
  [[nodiscard]] std::size_t calls() const;     // made so far
  [[nodiscard]] std::size_t recorded() const;  // available

 private:
  std::string name_;
  std::string model_;
  mutable std::mutex mutex_;
  std::vector<RecordedCall> calls_;
  std::size_t next_ = 0;
  std::optional<RequestMismatch> mismatch_;

  asio::awaitable<ChatResponse> do_complete(const ChatRequest& request, CallOptions options) override;
};

// Empty when the two requests ask the same (model, messages, tools, settings); otherwise a short
// line-based diff: the first differing line of each with two lines of context, "- " for the
// recorded side and "+ " for the replayed one.
std::string diff_requests(const ChatRequest& recorded, const ChatRequest& replayed);

}  // namespace agentrace::llm
