// The agent spans, written: one function starts each span of the run tree and others record what
// it learned, under the GenAI and OpenInference conventions and the content policy. The Runner
// (and the traced memory store) write spans only through these, so the tree documented in
// docs/tracing.md is this file:
//
//   invoke_agent {agent}      start_agent_span / end_agent_span
//     step {n}                start_step_span / end_step_span
//       chat {model}          start_chat_span / record_chat_response, record_chat_attempt_failed,
//                             record_chat_failed
//       decide                start_decide_span / record_final_answer, record_tool_calls,
//                             record_malformed_reply
//       execute_tool {tool}   start_tool_span / record_tool_result
//       execute_code          start_code_span / record_code_result (a code action), parent of
//         execute_tool {tool}   one per call its program makes
//       memory {operation}    start_memory_span / record_memory_*
//
// Each writer checks is_recording() itself where building a value costs anything, so a run that
// is not sampled pays a branch per span.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/llm/client.hpp"
#include "agentrace/llm/message.hpp"
#include "agentrace/schema/content_policy.hpp"
#include "agentrace/tools/tool.hpp"
#include "agentrace/tracing/tracer.hpp"

namespace agentrace::schema {

// ---- invoke_agent {agent} ---------------------------------------------------------------

struct AgentSpanStart {
  std::string_view name{};
  std::string_view id{};           // gen_ai.agent.id: stable for one agent definition
  std::string_view description{};  // may be empty
  std::string_view instructions{};  // the system prompt; may be empty
  std::string_view provider{};     // the model client's provider
  std::string_view model{};        // the model asked for
  std::string_view conversation_id{};
  int depth = 0;                    // 0 for a top-level run, 1 for a managed agent, ...
};

// A root span when `parent` is invalid, else a child of it (a remote parent, or the manager's
// execute_tool span).
tracing::Span start_agent_span(const tracing::Tracer& tracer, const tracing::SpanContext& parent,
                               const AgentSpanStart& agent, std::string_view task, const ContentPolicy& content);

struct RunOutcome {
  std::string_view status{};  // completed, max_steps, cancelled, timed_out, failed
  int steps = 0;
  llm::Usage own{};    // this agent's model calls
  llm::Usage total{};  // with its managed agents'
  std::string_view output{};
  std::string_view error{};  // why the run did not complete; empty when it did
};

void end_agent_span(tracing::Span& span, const RunOutcome& outcome, const ContentPolicy& content);

// ---- step {n} ---------------------------------------------------------------------------

tracing::Span start_step_span(const tracing::Tracer& tracer, const tracing::Span& agent_span, int number);

// `action`: final_answer | tool_calls | error. `error` (when not empty) sets the error status.
void end_step_span(tracing::Span& span, std::string_view action, const llm::Usage& own, const llm::Usage& total,
                   std::string_view error = {});

// ---- chat {model} -----------------------------------------------------------------------

// gen_ai.input.messages of a request that only grows from call to call, kept between calls so
// that each message is written once per run rather than once per step. A history shorter than
// last time is written again from the start.
// Likewise gen_ai.tool.definitions, written again only when the tools offered change.
class MessagesJson {
 public:
  const std::string& update(const std::vector<llm::Message>& messages);
  const std::string& tools(const std::vector<llm::ToolSchema>& tools);

 private:
  std::string json_;  // "[m0,...,mk]" for the first count_ messages
  std::size_t count_ = 0;
  std::vector<llm::ToolSchema> tools_;
  std::string tools_json_;
};

// `history`: the run's cache for a request that grows; null for a one-off request (planning).
tracing::Span start_chat_span(const tracing::Tracer& tracer, const tracing::Span& step_span,
                              const llm::ChatRequest& request, const llm::LlmClient& model,
                              const ContentPolicy& content, MessagesJson* history);

void record_chat_response(tracing::Span& span, const llm::ChatResponse& response, int attempts,
                          const ContentPolicy& content);
// An attempt that failed and may be retried: an llm.attempt_failed event.
void record_chat_attempt_failed(tracing::Span& span, int attempt, const llm::LlmError& error);
// The call failed for good after `attempts`.
void record_chat_failed(tracing::Span& span, int attempts, const llm::LlmError& error);

// ---- decide -----------------------------------------------------------------------------

// `options`: the tool names the model was offered.
tracing::Span start_decide_span(const tracing::Tracer& tracer, const tracing::Span& step_span,
                                const std::vector<std::string>& options);
void record_final_answer(tracing::Span& decide_span);
void record_tool_calls(tracing::Span& decide_span, const std::vector<llm::ToolCall>& calls);
// A reply the loop cannot use (neither text nor tool calls): an error the model is shown.
void record_malformed_reply(tracing::Span& decide_span, std::string_view error);
// A code agent's reply parsed: the program's language and line count.
void record_code_action(tracing::Span& decide_span, std::string_view language, std::size_t lines);

// ---- execute_code -----------------------------------------------------------------------

// A code action's program, run: the code under the content policy. Its calls' execute_tool spans
// are its children.
tracing::Span start_code_span(const tracing::Tracer& tracer, const tracing::Span& step_span, std::string_view language,
                              std::string_view code, const ContentPolicy& content);
struct CodeOutcome {
  std::string_view output{};      // what the model reads: printed text, last value, error
  std::string_view error_kind{};  // empty when the program ran to its end (or to final_answer)
  std::string_view error{};       // with the line
  std::size_t calls = 0;
  std::uint64_t instructions = 0;
  bool final_answer = false;
};
void record_code_result(tracing::Span& span, const CodeOutcome& outcome, const ContentPolicy& content);

// ---- execute_tool {tool} ----------------------------------------------------------------

// `tool`: the registered tool, null when the model named an unknown one. `is_agent`: a managed
// agent (gen_ai.tool.type agent).
tracing::Span start_tool_span(const tracing::Tracer& tracer, const tracing::Span& step_span, const llm::ToolCall& call,
                              const tools::Tool* tool, bool is_agent, const ContentPolicy& content);
// `text`: what the model reads (ToolResult::to_text()).
void record_tool_result(tracing::Span& span, const tools::ToolResult& result, std::string_view text,
                        const ContentPolicy& content);

// ---- memory {operation} -----------------------------------------------------------------

// `retrieval`: a read (get, list, search: OpenInference RETRIEVER), else a write (CHAIN).
tracing::Span start_memory_span(const tracing::Tracer& tracer, std::string_view operation, std::string_view store,
                                bool retrieval);
void record_memory_key(tracing::Span& span, std::string_view key);
void record_memory_text(tracing::Span& span, std::string_view text, const ContentPolicy& content);
void record_memory_query(tracing::Span& span, std::string_view query, const ContentPolicy& content);
void record_memory_hit(tracing::Span& span, bool hit);
void record_memory_result_count(tracing::Span& span, std::size_t count);

}  // namespace agentrace::schema
