#include "agentrace/schema/render_hints.hpp"

#include <array>

#include "agentrace/schema/names.hpp"

namespace agentrace::schema {

// Made on first use rather than at start-up, so that the names they view (themselves made when
// the program starts) are there by then.
std::span<const std::string_view> summary_keys() {
  static const std::array<std::string_view, 17> keys = {
      attr::run_status,          attr::step_action,        attr::decision_action,    attr::decision_tool_calls,
      attr::code_error_kind,     attr::code_calls,
      attr::usage_input_tokens,  attr::usage_output_tokens, attr::response_finish_reasons, attr::tool_call_id,
      attr::tool_error_kind,     attr::tool_call_arguments, attr::memory_key,        attr::memory_hit,
      attr::memory_result_count, attr::total_input_tokens,  attr::total_output_tokens};
  return keys;
}

std::span<const std::string_view> hidden_keys() {
  static const std::array<std::string_view, 17> keys = {
      attr::span_kind,         attr::operation_name,   attr::input_mime_type,     attr::output_mime_type,
      attr::input_messages,    attr::output_messages,  attr::tool_definitions,    attr::system_instructions,
      attr::tool_description,
      attr::agent_description, attr::agent_id,         attr::conversation_id,     attr::tool_type,
      attr::provider_name,     attr::llm_token_prompt, attr::llm_token_completion, attr::step_number};
  return keys;
}

tracing::RenderOptions render_options() {
  tracing::RenderOptions options;
  options.first_keys = summary_keys();
  options.hidden_keys = hidden_keys();
  return options;
}

}  // namespace agentrace::schema
