#include "agentrace/llm/client.hpp"

#include <exception>

namespace agentrace::llm {

std::string_view to_string(LlmErrorKind kind) noexcept {
  switch (kind) {
    case LlmErrorKind::transport: return "transport";
    case LlmErrorKind::timeout: return "timeout";
    case LlmErrorKind::rate_limited: return "rate_limited";
    case LlmErrorKind::server: return "server";
    case LlmErrorKind::bad_request: return "bad_request";
    case LlmErrorKind::authentication: return "authentication";
    case LlmErrorKind::malformed_response: return "malformed_response";
    case LlmErrorKind::script_exhausted: return "script_exhausted";
    case LlmErrorKind::cancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<LlmErrorKind> error_kind_from_string(std::string_view name) noexcept {
  for (auto k = static_cast<int>(LlmErrorKind::transport); k <= static_cast<int>(LlmErrorKind::cancelled); ++k) {
    if (to_string(static_cast<LlmErrorKind>(k)) == name) return static_cast<LlmErrorKind>(k);
  }
  return std::nullopt;
}

bool LlmError::retryable() const noexcept {
  switch (kind_) {
    case LlmErrorKind::transport:
    case LlmErrorKind::timeout:
    case LlmErrorKind::rate_limited:
    case LlmErrorKind::server:
      return true;
    default:
      return false;
  }
}

ChatResponse LlmClient::complete_sync(ChatRequest request, CallOptions options) {
  // A private context keeps the call independent of whatever executors the caller runs; a
  // result slot (rather than use_future) lets the exception propagate with its dynamic type.
  asio::io_context io;
  std::optional<ChatResponse> result;
  std::exception_ptr failure;
  asio::co_spawn(io, complete(request, std::move(options)),  // `request` outlives io.run()
                 [&](std::exception_ptr e, ChatResponse response) {
                   if (e) {
                     failure = e;
                   } else {
                     result = std::move(response);
                   }
                 });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

}  // namespace agentrace::llm
