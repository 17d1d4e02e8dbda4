// The agent spans, read back: which span of the run tree a finished span is, and what it
// recorded, from the attributes writers.hpp sets, with fallbacks for spans written by others
// (another framework's GenAI spans, a trace cut short). Inspection (`agentrace view`, the browser
// UI) reads spans only through these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agentrace/base/saturating.hpp"
#include "agentrace/tracing/span_data.hpp"

namespace agentrace::schema {

enum class SpanRole : std::uint8_t { agent, step, chat, decide, tool, code, memory, other };

// By gen_ai.operation.name (or the project's step and memory attributes), else by the span name.
[[nodiscard]] SpanRole role_of(const tracing::SpanData& span);

struct Tokens {
  std::int64_t input = 0;
  std::int64_t output = 0;
  // Counts come from files: sums saturate at the int64 limits rather than overflow.
  Tokens& operator+=(const Tokens& other) noexcept {
    input = base::saturating_add(input, other.input);
    output = base::saturating_add(output, other.output);
    return *this;
  }
  friend bool operator==(const Tokens&, const Tokens&) = default;
};

// invoke_agent {agent}
struct AgentRecord {
  std::string agent;
  int depth = 0;
  std::string status;  // completed, max_steps, ... (empty when the run never ended)
  std::string error;
  std::string input;   // the task (input.value)
  std::string output;  // the final answer (output.value)
  std::string model;
  Tokens own;
  Tokens total;
  bool has_usage = false;  // false for spans without the agent usage attributes (own and total zero)
};
[[nodiscard]] AgentRecord read_agent(const tracing::SpanData& span);

// step {n}
struct StepRecord {
  int number = 0;
  std::string action;  // final_answer | tool_calls | error (empty when the step never ended)
  std::string error;
  Tokens own;    // this step's model calls
  Tokens total;  // including managed agents run in this step
  bool has_usage = false;
};
[[nodiscard]] StepRecord read_step(const tracing::SpanData& span);

// chat {model}
struct ChatRecord {
  std::string model;
  std::string provider;
  std::string input_messages;   // gen_ai.input.messages as recorded (JSON, or truncated text)
  std::string tool_definitions; // gen_ai.tool.definitions: the tools offered (JSON, or truncated text)
  std::string output_messages;  // gen_ai.output.messages
  std::string output_text;      // output.value
  std::vector<std::string> finish_reasons;
  Tokens tokens;
  std::int64_t attempts = 1;
  bool is_error = false;
  std::string error;  // the status description
  std::vector<std::string> failed_attempts;  // "attempt N: message", one per failed attempt
};
[[nodiscard]] ChatRecord read_chat(const tracing::SpanData& span);
// The model call's tokens alone (cheaper than read_chat).
[[nodiscard]] Tokens read_chat_tokens(const tracing::SpanData& span);

// decide
struct DecisionRecord {
  std::vector<std::string> options;     // the tool names offered
  std::string action;                   // final_answer | tool_calls | code | malformed
  std::vector<std::string> tool_calls;  // the tools chosen
  std::string error;                    // a parse error
  std::string code_language;            // a code action's (action code)
  std::int64_t code_lines = 0;
};
[[nodiscard]] DecisionRecord read_decision(const tracing::SpanData& span);

// execute_tool {tool}
struct ToolRecord {
  std::string name;
  std::string call_id;
  std::string type;  // function | agent
  std::string arguments;
  std::string result;
  bool is_error = false;
  std::string error_kind;
};
[[nodiscard]] ToolRecord read_tool(const tracing::SpanData& span);

// execute_code
struct CodeRecord {
  std::string language;
  std::string code;    // input.value (empty when content capture was off)
  std::string output;  // output.value: what the model read
  std::string error;   // with the line
  std::string error_kind;  // empty when the program ran to its end
  std::int64_t calls = 0;
  std::int64_t instructions = 0;
  bool final_answer = false;
  bool is_error = false;
};
[[nodiscard]] CodeRecord read_code(const tracing::SpanData& span);

// memory {operation}
struct MemoryRecord {
  std::string operation;  // put, get, delete, list, search
  std::string store;
  std::string key;
  std::string query;
  std::optional<bool> hit;
  std::optional<std::int64_t> result_count;
  bool is_error = false;
};
[[nodiscard]] MemoryRecord read_memory(const tracing::SpanData& span);

}  // namespace agentrace::schema
