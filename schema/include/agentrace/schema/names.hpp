// Every name the agent spans use, in one place: span names and operations, and attribute names
// from the OpenTelemetry GenAI semantic conventions (gen_ai.*), OpenInference
// (openinference.span.kind, input.value, llm.*, tool.*) and the project's own (agentrace.*).
// The writers (writers.hpp) put them on spans and the readers (readers.hpp) read them back; no
// other file spells one. docs/tracing.md lists which span carries which.
//
// The attribute names are interned keys, made once when the program starts, so the Runner's
// spans set them without looking the text up; they convert to std::string_view wherever text is
// wanted. (Do not use them from another static object's initializer: they may not be made yet.)
#pragma once

#include <string_view>

#include "agentrace/tracing/attributes.hpp"

namespace agentrace::schema {

// gen_ai.operation.name of each span kind, and the first word of its span name
// ("invoke_agent researcher", "step 2", "chat gpt-4o", "decide", "execute_tool search",
// "memory get").
namespace operation {
inline constexpr std::string_view invoke_agent = "invoke_agent";
inline constexpr std::string_view step = "step";
inline constexpr std::string_view chat = "chat";
inline constexpr std::string_view decide = "decide";
inline constexpr std::string_view execute_tool = "execute_tool";
inline constexpr std::string_view execute_code = "execute_code";  // a code action's program
inline constexpr std::string_view memory = "memory";
}  // namespace operation

// Span events beside the standard "exception" one.
namespace event {
inline constexpr std::string_view llm_attempt_failed = "llm.attempt_failed";  // a model call attempt that failed
}  // namespace event

}  // namespace agentrace::schema

namespace agentrace::schema::attr {

// GenAI semantic conventions
inline const tracing::AttributeKey operation_name = "gen_ai.operation.name";
inline const tracing::AttributeKey provider_name = "gen_ai.provider.name";
inline const tracing::AttributeKey request_model = "gen_ai.request.model";
inline const tracing::AttributeKey request_temperature = "gen_ai.request.temperature";
inline const tracing::AttributeKey request_max_tokens = "gen_ai.request.max_tokens";
inline const tracing::AttributeKey response_model = "gen_ai.response.model";
inline const tracing::AttributeKey response_id = "gen_ai.response.id";
inline const tracing::AttributeKey response_finish_reasons = "gen_ai.response.finish_reasons";
inline const tracing::AttributeKey usage_input_tokens = "gen_ai.usage.input_tokens";
inline const tracing::AttributeKey usage_output_tokens = "gen_ai.usage.output_tokens";
inline const tracing::AttributeKey usage_cache_read_input_tokens = "gen_ai.usage.cache_read.input_tokens";
inline const tracing::AttributeKey request_seed = "gen_ai.request.seed";
inline const tracing::AttributeKey request_stop_sequences = "gen_ai.request.stop_sequences";
// OpenTelemetry general conventions: the model server a chat span talked to.
inline const tracing::AttributeKey server_address = "server.address";
inline const tracing::AttributeKey server_port = "server.port";
inline const tracing::AttributeKey input_messages = "gen_ai.input.messages";
inline const tracing::AttributeKey tool_definitions = "gen_ai.tool.definitions";  // the tools offered, as JSON
inline const tracing::AttributeKey output_messages = "gen_ai.output.messages";
inline const tracing::AttributeKey system_instructions = "gen_ai.system_instructions";
inline const tracing::AttributeKey tool_name = "gen_ai.tool.name";
inline const tracing::AttributeKey tool_call_id = "gen_ai.tool.call.id";
inline const tracing::AttributeKey tool_type = "gen_ai.tool.type";
inline const tracing::AttributeKey tool_description = "gen_ai.tool.description";
inline const tracing::AttributeKey tool_call_arguments = "gen_ai.tool.call.arguments";
inline const tracing::AttributeKey tool_call_result = "gen_ai.tool.call.result";
inline const tracing::AttributeKey agent_name = "gen_ai.agent.name";
inline const tracing::AttributeKey agent_id = "gen_ai.agent.id";
inline const tracing::AttributeKey agent_description = "gen_ai.agent.description";
inline const tracing::AttributeKey conversation_id = "gen_ai.conversation.id";
inline const tracing::AttributeKey error_type = "error.type";
// On llm.attempt_failed events (beside error.type).
inline const tracing::AttributeKey attempt = "attempt";
inline const tracing::AttributeKey http_status_code = "http.response.status_code";
inline const tracing::AttributeKey message = "message";

// OpenInference
inline const tracing::AttributeKey span_kind = "openinference.span.kind";
inline const tracing::AttributeKey input_value = "input.value";
inline const tracing::AttributeKey input_mime_type = "input.mime_type";
inline const tracing::AttributeKey output_value = "output.value";
inline const tracing::AttributeKey output_mime_type = "output.mime_type";
inline const tracing::AttributeKey llm_model_name = "llm.model_name";
inline const tracing::AttributeKey llm_provider = "llm.provider";
inline const tracing::AttributeKey llm_token_prompt = "llm.token_count.prompt";
inline const tracing::AttributeKey llm_token_completion = "llm.token_count.completion";
inline const tracing::AttributeKey llm_token_total = "llm.token_count.total";
inline const tracing::AttributeKey oi_tool_name = "tool.name";
inline const tracing::AttributeKey oi_tool_parameters = "tool.parameters";
inline const tracing::AttributeKey oi_agent_name = "agent.name";

// agentrace: usage on agent and step spans under names of their own, so that backends summing
// gen_ai.usage.* over a trace count every token once (only chat spans carry gen_ai.usage.*).
inline const tracing::AttributeKey own_input_tokens = "agentrace.usage.own.input_tokens";
inline const tracing::AttributeKey own_output_tokens = "agentrace.usage.own.output_tokens";
inline const tracing::AttributeKey total_input_tokens = "agentrace.usage.total.input_tokens";
inline const tracing::AttributeKey total_output_tokens = "agentrace.usage.total.output_tokens";
inline const tracing::AttributeKey step_number = "agentrace.step.number";
inline const tracing::AttributeKey step_action = "agentrace.step.action";  // final_answer | tool_calls | error
inline const tracing::AttributeKey run_status = "agentrace.run.status";
inline const tracing::AttributeKey run_steps = "agentrace.run.steps";
inline const tracing::AttributeKey agent_depth = "agentrace.agent.depth";  // 0 top level, 1 managed, ...
inline const tracing::AttributeKey decision_options = "agentrace.decision.options";
inline const tracing::AttributeKey decision_action = "agentrace.decision.action";
inline const tracing::AttributeKey decision_tool_calls = "agentrace.decision.tool_calls";
inline const tracing::AttributeKey decision_error = "agentrace.decision.error";
inline const tracing::AttributeKey llm_attempts = "agentrace.llm.attempts";
inline const tracing::AttributeKey tool_error_kind = "agentrace.tool.error_kind";
inline const tracing::AttributeKey tool_duration_ms = "agentrace.tool.duration_ms";
inline const tracing::AttributeKey memory_operation = "agentrace.memory.operation";
inline const tracing::AttributeKey memory_store = "agentrace.memory.store";
inline const tracing::AttributeKey memory_key = "agentrace.memory.key";
inline const tracing::AttributeKey memory_hit = "agentrace.memory.hit";
inline const tracing::AttributeKey memory_result_count = "agentrace.memory.result_count";
inline const tracing::AttributeKey memory_query = "agentrace.memory.query";
// Code actions: on decide (language, lines) and on execute_code (all of them; the code itself is
// input.value, what it printed and its last value output.value, under the content policy).
inline const tracing::AttributeKey code_language = "agentrace.code.language";
inline const tracing::AttributeKey code_lines = "agentrace.code.lines";
inline const tracing::AttributeKey code_error = "agentrace.code.error";            // with the line
inline const tracing::AttributeKey code_error_kind = "agentrace.code.error_kind";  // syntax, runtime, timeout, ...
inline const tracing::AttributeKey code_calls = "agentrace.code.calls";            // calls the program made
inline const tracing::AttributeKey code_instructions = "agentrace.code.instructions";
inline const tracing::AttributeKey code_final_answer = "agentrace.code.final_answer";  // it called final_answer

}  // namespace agentrace::schema::attr

namespace agentrace::schema::span_kind {
// openinference.span.kind values
inline constexpr std::string_view agent = "AGENT";
inline constexpr std::string_view chain = "CHAIN";
inline constexpr std::string_view llm = "LLM";
inline constexpr std::string_view tool = "TOOL";
inline constexpr std::string_view retriever = "RETRIEVER";
}  // namespace agentrace::schema::span_kind
