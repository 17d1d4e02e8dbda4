// The names the Runner puts on spans: OpenTelemetry GenAI semantic conventions (gen_ai.*),
// OpenInference (openinference.span.kind, input.value, llm.*, tool.*) and the project's own
// (agentrace.*). docs/tracing.md lists which span carries which.
#pragma once

#include <string_view>

namespace agentrace::agent::attr {

// GenAI semantic conventions
inline constexpr std::string_view operation_name = "gen_ai.operation.name";
inline constexpr std::string_view provider_name = "gen_ai.provider.name";
inline constexpr std::string_view request_model = "gen_ai.request.model";
inline constexpr std::string_view request_temperature = "gen_ai.request.temperature";
inline constexpr std::string_view request_max_tokens = "gen_ai.request.max_tokens";
inline constexpr std::string_view response_model = "gen_ai.response.model";
inline constexpr std::string_view response_id = "gen_ai.response.id";
inline constexpr std::string_view response_finish_reasons = "gen_ai.response.finish_reasons";
inline constexpr std::string_view usage_input_tokens = "gen_ai.usage.input_tokens";
inline constexpr std::string_view usage_output_tokens = "gen_ai.usage.output_tokens";
inline constexpr std::string_view usage_cache_read_input_tokens = "gen_ai.usage.cache_read.input_tokens";
inline constexpr std::string_view request_seed = "gen_ai.request.seed";
inline constexpr std::string_view request_stop_sequences = "gen_ai.request.stop_sequences";
// OpenTelemetry general conventions: the model server a chat span talked to.
inline constexpr std::string_view server_address = "server.address";
inline constexpr std::string_view server_port = "server.port";
inline constexpr std::string_view input_messages = "gen_ai.input.messages";
inline constexpr std::string_view output_messages = "gen_ai.output.messages";
inline constexpr std::string_view system_instructions = "gen_ai.system_instructions";
inline constexpr std::string_view tool_name = "gen_ai.tool.name";
inline constexpr std::string_view tool_call_id = "gen_ai.tool.call.id";
inline constexpr std::string_view tool_type = "gen_ai.tool.type";
inline constexpr std::string_view tool_description = "gen_ai.tool.description";
inline constexpr std::string_view tool_call_arguments = "gen_ai.tool.call.arguments";
inline constexpr std::string_view tool_call_result = "gen_ai.tool.call.result";
inline constexpr std::string_view agent_name = "gen_ai.agent.name";
inline constexpr std::string_view agent_id = "gen_ai.agent.id";
inline constexpr std::string_view agent_description = "gen_ai.agent.description";
inline constexpr std::string_view conversation_id = "gen_ai.conversation.id";
inline constexpr std::string_view error_type = "error.type";

// OpenInference
inline constexpr std::string_view span_kind = "openinference.span.kind";
inline constexpr std::string_view input_value = "input.value";
inline constexpr std::string_view input_mime_type = "input.mime_type";
inline constexpr std::string_view output_value = "output.value";
inline constexpr std::string_view output_mime_type = "output.mime_type";
inline constexpr std::string_view llm_model_name = "llm.model_name";
inline constexpr std::string_view llm_provider = "llm.provider";
inline constexpr std::string_view llm_token_prompt = "llm.token_count.prompt";
inline constexpr std::string_view llm_token_completion = "llm.token_count.completion";
inline constexpr std::string_view llm_token_total = "llm.token_count.total";
inline constexpr std::string_view oi_tool_name = "tool.name";
inline constexpr std::string_view oi_tool_parameters = "tool.parameters";
inline constexpr std::string_view oi_agent_name = "agent.name";

// agentrace: usage on agent and step spans under names of their own, so that backends summing
// gen_ai.usage.* over a trace count every token once (only chat spans carry gen_ai.usage.*).
inline constexpr std::string_view own_input_tokens = "agentrace.usage.own.input_tokens";
inline constexpr std::string_view own_output_tokens = "agentrace.usage.own.output_tokens";
inline constexpr std::string_view total_input_tokens = "agentrace.usage.total.input_tokens";
inline constexpr std::string_view total_output_tokens = "agentrace.usage.total.output_tokens";
inline constexpr std::string_view step_number = "agentrace.step.number";
inline constexpr std::string_view step_action = "agentrace.step.action";  // final_answer | tool_calls | error
inline constexpr std::string_view run_status = "agentrace.run.status";
inline constexpr std::string_view run_steps = "agentrace.run.steps";
inline constexpr std::string_view agent_depth = "agentrace.agent.depth";  // 0 top level, 1 managed, ...
inline constexpr std::string_view decision_options = "agentrace.decision.options";
inline constexpr std::string_view decision_action = "agentrace.decision.action";
inline constexpr std::string_view decision_tool_calls = "agentrace.decision.tool_calls";
inline constexpr std::string_view decision_error = "agentrace.decision.error";
inline constexpr std::string_view llm_attempts = "agentrace.llm.attempts";
inline constexpr std::string_view tool_error_kind = "agentrace.tool.error_kind";
inline constexpr std::string_view tool_duration_ms = "agentrace.tool.duration_ms";
inline constexpr std::string_view memory_operation = "agentrace.memory.operation";
inline constexpr std::string_view memory_store = "agentrace.memory.store";
inline constexpr std::string_view memory_key = "agentrace.memory.key";
inline constexpr std::string_view memory_hit = "agentrace.memory.hit";
inline constexpr std::string_view memory_result_count = "agentrace.memory.result_count";
inline constexpr std::string_view memory_query = "agentrace.memory.query";

}  // namespace agentrace::agent::attr

namespace agentrace::agent::span_kind {
// openinference.span.kind values
inline constexpr std::string_view agent = "AGENT";
inline constexpr std::string_view chain = "CHAIN";
inline constexpr std::string_view llm = "LLM";
inline constexpr std::string_view tool = "TOOL";
inline constexpr std::string_view retriever = "RETRIEVER";
}  // namespace agentrace::agent::span_kind
