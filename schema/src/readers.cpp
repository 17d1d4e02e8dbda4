#include "agentrace/schema/readers.hpp"

#include <cstdlib>
#include <string_view>
#include <variant>

#include "agentrace/schema/names.hpp"

namespace agentrace::schema {
namespace {

using tracing::SpanData;

std::string str(const SpanData& s, std::string_view key) {
  const auto* v = s.attribute(key);
  if (v == nullptr) return {};
  if (const auto* p = std::get_if<std::string>(v)) return *p;
  if (const auto* p = std::get_if<std::int64_t>(v)) return std::to_string(*p);
  if (const auto* p = std::get_if<bool>(v)) return *p ? "true" : "false";
  return {};
}

std::optional<std::int64_t> i64(const SpanData& s, std::string_view key) {
  const auto* v = s.attribute(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* p = std::get_if<std::int64_t>(v)) return *p;
  if (const auto* p = std::get_if<double>(v)) {
    // A double from another writer: only what an int64 holds (a cast of 1e300 is undefined).
    constexpr double limit = 9223372036854775808.0;  // 2^63
    if (*p >= -limit && *p < limit) return static_cast<std::int64_t>(*p);
  }
  return std::nullopt;
}

std::vector<std::string> strings(const SpanData& s, std::string_view key) {
  const auto* v = s.attribute(key);
  if (v == nullptr) return {};
  if (const auto* p = std::get_if<std::vector<std::string>>(v)) return *p;
  if (const auto* p = std::get_if<std::string>(v)) return {*p};
  return {};
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "execute_tool search" -> "search" for operation "execute_tool"; the name itself otherwise.
std::string after_operation(const std::string& name, std::string_view operation) {
  if (name.size() > operation.size() && starts_with(name, operation) && name[operation.size()] == ' ') {
    return name.substr(operation.size() + 1);
  }
  return name;
}

bool named(const SpanData& s, std::string_view operation) {
  return s.name.size() > operation.size() && starts_with(s.name, operation) && s.name[operation.size()] == ' ';
}

bool is_error(const SpanData& s) { return s.status.code == tracing::StatusCode::error; }

Tokens tokens(const SpanData& s, std::string_view input_key, std::string_view output_key) {
  return {i64(s, input_key).value_or(0), i64(s, output_key).value_or(0)};
}

}  // namespace

SpanRole role_of(const SpanData& s) {
  const std::string op = str(s, attr::operation_name);
  if (op == operation::invoke_agent || named(s, operation::invoke_agent)) return SpanRole::agent;
  if (s.attribute(attr::step_number) != nullptr || named(s, operation::step)) return SpanRole::step;
  if (op == operation::chat || named(s, operation::chat)) return SpanRole::chat;
  if (s.name == operation::decide) return SpanRole::decide;
  if (op == operation::execute_tool || named(s, operation::execute_tool)) return SpanRole::tool;
  if (op == operation::execute_code || s.name == operation::execute_code) return SpanRole::code;
  if (s.attribute(attr::memory_operation) != nullptr) return SpanRole::memory;
  return SpanRole::other;
}

AgentRecord read_agent(const SpanData& s) {
  AgentRecord r;
  r.agent = str(s, attr::agent_name);
  if (r.agent.empty()) r.agent = after_operation(s.name, operation::invoke_agent);
  r.depth = static_cast<int>(i64(s, attr::agent_depth).value_or(0));
  r.status = str(s, attr::run_status);
  if (r.status.empty() && s.ended()) r.status = is_error(s) ? "failed" : "completed";
  r.error = s.status.description;
  r.input = str(s, attr::input_value);
  r.output = str(s, attr::output_value);
  r.model = str(s, attr::request_model);
  r.own = tokens(s, attr::own_input_tokens, attr::own_output_tokens);
  r.total = tokens(s, attr::total_input_tokens, attr::total_output_tokens);
  r.has_usage = s.attribute(attr::own_input_tokens) != nullptr;
  return r;
}

StepRecord read_step(const SpanData& s) {
  StepRecord r;
  r.number = static_cast<int>(i64(s, attr::step_number).value_or(0));
  if (r.number == 0) r.number = std::atoi(after_operation(s.name, operation::step).c_str());
  r.action = str(s, attr::step_action);
  if (is_error(s)) r.error = s.status.description;
  r.own = tokens(s, attr::own_input_tokens, attr::own_output_tokens);
  r.total = tokens(s, attr::total_input_tokens, attr::total_output_tokens);
  r.has_usage = s.attribute(attr::own_input_tokens) != nullptr;
  return r;
}

Tokens read_chat_tokens(const SpanData& s) { return tokens(s, attr::usage_input_tokens, attr::usage_output_tokens); }

ChatRecord read_chat(const SpanData& s) {
  ChatRecord c;
  c.model = str(s, attr::request_model);
  if (c.model.empty()) c.model = after_operation(s.name, operation::chat);
  c.provider = str(s, attr::provider_name);
  c.input_messages = str(s, attr::input_messages);
  c.tool_definitions = str(s, attr::tool_definitions);
  c.output_messages = str(s, attr::output_messages);
  c.output_text = str(s, attr::output_value);
  c.finish_reasons = strings(s, attr::response_finish_reasons);
  c.tokens = read_chat_tokens(s);
  c.attempts = i64(s, attr::llm_attempts).value_or(1);
  c.is_error = is_error(s);
  c.error = s.status.description;
  for (const auto& e : s.events) {
    if (e.name != event::llm_attempt_failed) continue;
    std::string line;
    for (const auto& a : e.attributes) {
      if (a.key == attr::attempt) {
        const auto* n = std::get_if<std::int64_t>(&a.value);
        line = "attempt " + std::to_string(n != nullptr ? *n : 0) + line;
      }
      if (a.key == attr::message && std::holds_alternative<std::string>(a.value)) line += ": " + std::get<std::string>(a.value);
    }
    c.failed_attempts.push_back(line);
  }
  return c;
}

DecisionRecord read_decision(const SpanData& s) {
  DecisionRecord d;
  d.options = strings(s, attr::decision_options);
  d.action = str(s, attr::decision_action);
  d.tool_calls = strings(s, attr::decision_tool_calls);
  d.error = str(s, attr::decision_error);
  d.code_language = str(s, attr::code_language);
  d.code_lines = i64(s, attr::code_lines).value_or(0);
  return d;
}

ToolRecord read_tool(const SpanData& s) {
  ToolRecord t;
  t.name = str(s, attr::tool_name);
  if (t.name.empty()) t.name = after_operation(s.name, operation::execute_tool);
  t.call_id = str(s, attr::tool_call_id);
  t.type = str(s, attr::tool_type);
  t.arguments = str(s, attr::tool_call_arguments);
  if (t.arguments.empty()) t.arguments = str(s, attr::input_value);
  t.result = str(s, attr::tool_call_result);
  if (t.result.empty()) t.result = str(s, attr::output_value);
  t.is_error = is_error(s);
  t.error_kind = str(s, attr::tool_error_kind);
  if (t.is_error && t.result.empty()) t.result = s.status.description;
  return t;
}

CodeRecord read_code(const SpanData& s) {
  CodeRecord c;
  c.language = str(s, attr::code_language);
  c.code = str(s, attr::input_value);
  c.output = str(s, attr::output_value);
  c.error = str(s, attr::code_error);
  c.error_kind = str(s, attr::code_error_kind);
  c.calls = i64(s, attr::code_calls).value_or(0);
  c.instructions = i64(s, attr::code_instructions).value_or(0);
  c.final_answer = str(s, attr::code_final_answer) == "true";
  c.is_error = is_error(s);
  if (c.is_error && c.error.empty()) c.error = s.status.description;
  return c;
}

MemoryRecord read_memory(const SpanData& s) {
  MemoryRecord m;
  m.operation = str(s, attr::memory_operation);
  m.store = str(s, attr::memory_store);
  m.key = str(s, attr::memory_key);
  m.query = str(s, attr::memory_query);
  if (const auto* v = s.attribute(attr::memory_hit); v != nullptr && std::holds_alternative<bool>(*v)) m.hit = std::get<bool>(*v);
  m.result_count = i64(s, attr::memory_result_count);
  m.is_error = is_error(s);
  return m;
}

}  // namespace agentrace::schema
