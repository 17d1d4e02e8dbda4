#include "agentrace/schema/writers.hpp"

#include "agentrace/base/json_text.hpp"
#include "agentrace/schema/names.hpp"
#include "messages_json.hpp"

namespace agentrace::schema {
namespace tr = tracing;

namespace {

void set_usage(tr::Span& span, const llm::Usage& own, const llm::Usage& total) {
  span.set_attribute(attr::own_input_tokens, own.input_tokens)
      .set_attribute(attr::own_output_tokens, own.output_tokens)
      .set_attribute(attr::total_input_tokens, total.input_tokens)
      .set_attribute(attr::total_output_tokens, total.output_tokens);
}

// The exception type a failed tool call is recorded with (smolagents' split: the model's mistake
// in the call, the tool's own failure, or the run's limits).
std::string_view exception_type_for(tools::ToolErrorKind kind) {
  switch (kind) {
    case tools::ToolErrorKind::unknown_tool:
    case tools::ToolErrorKind::invalid_arguments: return "agentrace.ToolCallError";
    case tools::ToolErrorKind::timeout: return "agentrace.ToolTimeoutError";
    case tools::ToolErrorKind::cancelled: return "agentrace.ToolCancelledError";
    case tools::ToolErrorKind::execution:
    case tools::ToolErrorKind::none: break;
  }
  return "agentrace.ToolExecutionError";
}

std::string span_name(std::string_view operation, std::string_view what) {
  std::string name;
  name.reserve(operation.size() + 1 + what.size());
  name += operation;
  name += ' ';
  name += what;
  return name;
}

}  // namespace

// ---- invoke_agent -------------------------------------------------------------------------

tr::Span start_agent_span(const tr::Tracer& tracer, const tr::SpanContext& parent, const AgentSpanStart& agent,
                          std::string_view task, const ContentPolicy& content) {
  tr::Span span = tracer.start_span(span_name(operation::invoke_agent, agent.name),
                                    {.parent = parent.valid() ? tr::Parent(parent) : tr::Parent::none()});
  if (span.is_recording()) {
    span.set_attribute(attr::operation_name, operation::invoke_agent)
        .set_attribute(attr::agent_name, agent.name)
        .set_attribute(attr::agent_id, agent.id)
        .set_attribute(attr::conversation_id, agent.conversation_id)
        .set_attribute(attr::provider_name, agent.provider)
        .set_attribute(attr::request_model, agent.model)
        .set_attribute(attr::span_kind, span_kind::agent)
        .set_attribute(attr::oi_agent_name, agent.name)
        .set_attribute(attr::agent_depth, agent.depth);
    if (!agent.description.empty()) span.set_attribute(attr::agent_description, agent.description);
    content.record(span, {attr::input_value}, task);
    if (!agent.instructions.empty()) content.record(span, {attr::system_instructions}, agent.instructions);
  }
  return span;
}

void end_agent_span(tr::Span& span, const RunOutcome& outcome, const ContentPolicy& content) {
  if (!span.is_recording()) return;
  span.set_attribute(attr::run_status, outcome.status).set_attribute(attr::run_steps, outcome.steps);
  set_usage(span, outcome.own, outcome.total);
  if (!outcome.output.empty()) content.record(span, {attr::output_value}, outcome.output);
  if (outcome.status != "completed") {
    std::string type = "agentrace.Run.";
    type += outcome.status;
    span.set_attribute(attr::error_type, type).set_status(tr::StatusCode::error, outcome.error);
  }
}

// ---- step ---------------------------------------------------------------------------------

tr::Span start_step_span(const tr::Tracer& tracer, const tr::Span& agent_span, int number) {
  tr::Span span = tracer.start_span(span_name(operation::step, std::to_string(number)), {.parent = agent_span});
  span.set_attribute(attr::span_kind, span_kind::chain).set_attribute(attr::step_number, number);
  return span;
}

void end_step_span(tr::Span& span, std::string_view action, const llm::Usage& own, const llm::Usage& total,
                   std::string_view error) {
  span.set_attribute(attr::step_action, action);
  set_usage(span, own, total);
  if (!error.empty()) span.set_status(tr::StatusCode::error, error);
}

// ---- chat ---------------------------------------------------------------------------------

tr::Span start_chat_span(const tr::Tracer& tracer, const tr::Span& step_span, const llm::ChatRequest& request,
                         const llm::LlmClient& model, const ContentPolicy& content, MessagesJson* history) {
  tr::Span span = tracer.start_span(span_name(operation::chat, request.model), {.parent = step_span, .kind = tr::SpanKind::client});
  if (!span.is_recording()) return span;
  const std::string provider = model.provider();
  span.set_attribute(attr::operation_name, operation::chat)
      .set_attribute(attr::provider_name, provider)
      .set_attribute(attr::request_model, request.model)
      .set_attribute(attr::span_kind, span_kind::llm)
      .set_attribute(attr::llm_model_name, request.model)
      .set_attribute(attr::llm_provider, provider);
  if (request.temperature) span.set_attribute(attr::request_temperature, *request.temperature);
  if (request.max_tokens) span.set_attribute(attr::request_max_tokens, *request.max_tokens);
  if (request.seed) span.set_attribute(attr::request_seed, *request.seed);
  if (!request.stop.empty()) span.set_attribute(attr::request_stop_sequences, request.stop);
  if (auto server = model.server()) {
    span.set_attribute(attr::server_address, server->address).set_attribute(attr::server_port, server->port);
  }
  if (content.captures()) {
    // The history under both conventions' names. A growing request's JSON is kept between calls
    // (history), a one-off request's (planning) written whole.
    std::string whole;
    const std::string& messages = history != nullptr ? history->update(request.messages)
                                                     : (whole = detail::messages_json(request.messages));
    content.record(span, {attr::input_messages, attr::input_value}, messages);
    span.set_attribute(attr::input_mime_type, "application/json");
    // The tools offered, so that "why did the model send an integer?" is answered by the trace.
    if (!request.tools.empty()) {
      std::string one_off;
      const std::string& tools = history != nullptr ? history->tools(request.tools)
                                                    : (one_off = detail::tool_definitions_json(request.tools));
      content.record(span, {attr::tool_definitions}, tools);
    }
  }
  return span;
}

void record_chat_response(tr::Span& span, const llm::ChatResponse& response, int attempts, const ContentPolicy& content) {
  span.set_attribute(attr::llm_attempts, attempts)
      .set_attribute(attr::response_model, response.model)
      .set_attribute(attr::usage_input_tokens, response.usage.input_tokens)
      .set_attribute(attr::usage_output_tokens, response.usage.output_tokens)
      .set_attribute(attr::llm_token_prompt, response.usage.input_tokens)
      .set_attribute(attr::llm_token_completion, response.usage.output_tokens)
      .set_attribute(attr::llm_token_total, response.usage.total_tokens)
      .set_attribute(attr::response_finish_reasons, std::vector<std::string>{response.finish_reason});
  if (response.usage.cached_input_tokens != 0) {
    span.set_attribute(attr::usage_cache_read_input_tokens, response.usage.cached_input_tokens);
  }
  if (!response.id.empty()) span.set_attribute(attr::response_id, response.id);
  if (span.is_recording() && content.captures()) {
    content.record(span, {attr::output_messages}, detail::message_json(response.message));
    content.record(span, {attr::output_value}, response.message.content);
  }
}

void record_chat_attempt_failed(tr::Span& span, int attempt, const llm::LlmError& error) {
  span.add_event(event::llm_attempt_failed, {{attr::attempt, attempt},
                                             {attr::error_type, std::string(llm::to_string(error.kind()))},
                                             {attr::http_status_code, error.http_status()},
                                             {attr::message, error.what()}});
}

void record_chat_failed(tr::Span& span, int attempts, const llm::LlmError& error) {
  const std::string kind(llm::to_string(error.kind()));
  span.set_attribute(attr::llm_attempts, attempts)
      .set_attribute(attr::error_type, kind)
      .record_exception("agentrace.LlmError." + kind, error.what())
      .set_status(tr::StatusCode::error, error.what());
}

// ---- decide -------------------------------------------------------------------------------

tr::Span start_decide_span(const tr::Tracer& tracer, const tr::Span& step_span, const std::vector<std::string>& options) {
  tr::Span span = tracer.start_span(operation::decide, {.parent = step_span});
  if (span.is_recording()) span.set_attribute(attr::span_kind, span_kind::chain).set_attribute(attr::decision_options, options);
  return span;
}

void record_final_answer(tr::Span& decide_span) { decide_span.set_attribute(attr::decision_action, "final_answer"); }

void record_tool_calls(tr::Span& decide_span, const std::vector<llm::ToolCall>& calls) {
  if (!decide_span.is_recording()) return;
  std::vector<std::string> names;
  names.reserve(calls.size());
  std::string unusable;  // calls whose arguments could not be parsed
  for (const auto& c : calls) {
    names.push_back(c.name);
    if (c.raw_arguments) unusable += (unusable.empty() ? "" : ", ") + c.name;
  }
  decide_span.set_attribute(attr::decision_action, "tool_calls").set_attribute(attr::decision_tool_calls, names);
  if (!unusable.empty()) {
    decide_span.set_attribute(attr::decision_error, "arguments of " + unusable + " are not valid JSON or nest too deep");
  }
}

void record_malformed_reply(tr::Span& decide_span, std::string_view error) {
  decide_span.set_attribute(attr::decision_action, "malformed")
      .set_attribute(attr::decision_error, error)
      .record_exception("agentrace.AgentParsingError", error)
      .set_status(tr::StatusCode::error, error);
}

void record_code_action(tr::Span& decide_span, std::string_view language, std::size_t lines) {
  decide_span.set_attribute(attr::decision_action, "code")
      .set_attribute(attr::code_language, language)
      .set_attribute(attr::code_lines, static_cast<std::int64_t>(lines));
}

// ---- execute_code -------------------------------------------------------------------------

tr::Span start_code_span(const tr::Tracer& tracer, const tr::Span& step_span, std::string_view language,
                         std::string_view code, const ContentPolicy& content) {
  tr::Span span = tracer.start_span(operation::execute_code, {.parent = step_span});
  if (!span.is_recording()) return span;
  span.set_attribute(attr::operation_name, operation::execute_code)
      .set_attribute(attr::span_kind, span_kind::chain)
      .set_attribute(attr::code_language, language);
  content.record(span, {attr::input_value}, code);
  return span;
}

void record_code_result(tr::Span& span, const CodeOutcome& outcome, const ContentPolicy& content) {
  if (!span.is_recording()) return;
  span.set_attribute(attr::code_calls, static_cast<std::int64_t>(outcome.calls));
  if (outcome.instructions != 0) span.set_attribute(attr::code_instructions, static_cast<std::int64_t>(outcome.instructions));
  if (outcome.final_answer) span.set_attribute(attr::code_final_answer, true);
  content.record(span, {attr::output_value}, outcome.output);
  if (!outcome.error_kind.empty()) {
    // The error names the program's line: it is the model's own text, so under the policy too;
    // its kind is not content.
    content.record(span, {attr::code_error}, outcome.error);
    std::string type = "agentrace.CodeError.";
    type += outcome.error_kind;
    span.set_attribute(attr::code_error_kind, outcome.error_kind)
        .set_attribute(attr::error_type, type)
        .set_status(tr::StatusCode::error, content.captures() ? outcome.error : outcome.error_kind);
    if (content.captures()) span.record_exception(type, outcome.error);
  }
}

// ---- execute_tool -------------------------------------------------------------------------

tr::Span start_tool_span(const tr::Tracer& tracer, const tr::Span& step_span, const llm::ToolCall& call,
                         const tools::Tool* tool, bool is_agent, const ContentPolicy& content) {
  tr::Span span = tracer.start_span(span_name(operation::execute_tool, call.name), {.parent = step_span});
  if (!span.is_recording()) return span;
  span.set_attribute(attr::operation_name, operation::execute_tool)
      .set_attribute(attr::tool_name, call.name)
      .set_attribute(attr::tool_call_id, call.id)
      .set_attribute(attr::tool_type, is_agent ? "agent" : "function")
      .set_attribute(attr::span_kind, span_kind::tool)
      .set_attribute(attr::oi_tool_name, call.name);
  if (tool != nullptr) span.set_attribute(attr::tool_description, tool->description());
  if (content.captures()) {
    // As the model sent them: its text when it was not usable JSON.
    const std::string arguments = call.raw_arguments ? *call.raw_arguments : base::json_text(call.arguments);
    content.record(span, {attr::input_value, attr::tool_call_arguments}, arguments);
  }
  return span;
}

void record_tool_result(tr::Span& span, const tools::ToolResult& result, std::string_view text, const ContentPolicy& content) {
  if (!span.is_recording()) return;
  content.record(span, {attr::output_value, attr::tool_call_result}, text);
  if (result.is_error) {
    // error.type classifies the failure; the exception event names what was thrown when the tool
    // threw (std::runtime_error, a user's own type), else the same classification.
    const std::string type(exception_type_for(result.error_kind));
    span.set_attribute(attr::tool_error_kind, tools::to_string(result.error_kind))
        .set_attribute(attr::error_type, type)
        .record_exception(result.exception_type.empty() ? type : result.exception_type, text)
        .set_status(tr::StatusCode::error, text);
  }
}

// ---- memory -------------------------------------------------------------------------------

tr::Span start_memory_span(const tr::Tracer& tracer, std::string_view operation, std::string_view store, bool retrieval) {
  tr::Span span = tracer.start_span(span_name(operation::memory, operation));
  span.set_attribute(attr::span_kind, retrieval ? span_kind::retriever : span_kind::chain)
      .set_attribute(attr::memory_operation, operation)
      .set_attribute(attr::memory_store, store);
  return span;
}

void record_memory_key(tr::Span& span, std::string_view key) { span.set_attribute(attr::memory_key, key); }

void record_memory_text(tr::Span& span, std::string_view text, const ContentPolicy& content) {
  content.record(span, {attr::input_value}, text);
}

void record_memory_query(tr::Span& span, std::string_view query, const ContentPolicy& content) {
  content.record(span, {attr::memory_query}, query);
}

void record_memory_hit(tr::Span& span, bool hit) { span.set_attribute(attr::memory_hit, hit); }

void record_memory_result_count(tr::Span& span, std::size_t count) {
  span.set_attribute(attr::memory_result_count, static_cast<std::int64_t>(count));
}

}  // namespace agentrace::schema
