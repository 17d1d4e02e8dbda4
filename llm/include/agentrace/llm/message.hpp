// The chat wire model shared by every LlmClient: roles, messages, tool calls, requests, responses.
// JSON conversions use nlohmann's customisation points; from_json reads with at() and rejects
// wrong types with nlohmann's type_error / out_of_range (callers turn them into typed errors).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agentrace/base/saturating.hpp"

namespace agentrace::llm {

using Json = nlohmann::json;

enum class Role : std::uint8_t { system, user, assistant, tool };

NLOHMANN_JSON_SERIALIZE_ENUM(Role, {{Role::system, "system"},
                                    {Role::user, "user"},
                                    {Role::assistant, "assistant"},
                                    {Role::tool, "tool"}})

std::string_view to_string(Role role) noexcept;

// Every member has an initializer, so a call reads as
// `llm::ToolCall{.name = "add", .arguments = {{"a", 1}, {"b", 2}}}` with no warning.
struct ToolCall {
  std::string id{};
  std::string name{};
  Json arguments = Json::object();  // parsed; see raw_arguments when the model sent bad JSON
  // The arguments exactly as the model sent them when they were not valid JSON (arguments is
  // then null): the Runner reports the parse error to the model instead of crashing.
  std::optional<std::string> raw_arguments{};

  friend bool operator==(const ToolCall&, const ToolCall&) = default;
};

// Sets call.arguments from the JSON text a model sent. Text that is not JSON, or that nests
// deeper than base::max_json_depth, leaves arguments null and the text in raw_arguments for the
// Runner to report to the model: a value that deep would overflow the stack of whatever walks it
// next (a copy, the schema validator, a writer).
void set_arguments_from_text(ToolCall& call, std::string_view text);
// The same for arguments that arrived parsed (Anthropic's tool_use input, a script or cassette
// file): a value that nests too deep is kept as its JSON text in raw_arguments, never copied.
void set_arguments_from_value(ToolCall& call, const Json& value);
// Why raw_arguments could not be used, in words for the model: "they nest deeper than 64 levels"
// or "not valid JSON".
[[nodiscard]] std::string raw_arguments_problem(std::string_view raw);

struct Message {
  Role role = Role::user;
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant messages only
  std::string tool_call_id;          // tool messages only: the call this answers
  std::string name;                  // optional: the tool's or participant's name

  static Message system(std::string text) { return {Role::system, std::move(text), {}, {}, {}}; }
  static Message user(std::string text) { return {Role::user, std::move(text), {}, {}, {}}; }
  static Message assistant(std::string text, std::vector<ToolCall> calls = {}) {
    return {Role::assistant, std::move(text), std::move(calls), {}, {}};
  }
  static Message tool_result(std::string call_id, std::string tool_name, std::string text) {
    return {Role::tool, std::move(text), {}, std::move(call_id), std::move(tool_name)};
  }

  friend bool operator==(const Message&, const Message&) = default;
};

// A function the model may call: name, description and JSON-schema parameters.
struct ToolSchema {
  std::string name;
  std::string description;
  Json parameters = Json::object();
  friend bool operator==(const ToolSchema&, const ToolSchema&) = default;
};

struct ChatRequest {
  std::string model;
  std::vector<Message> messages;
  std::vector<ToolSchema> tools;
  std::optional<double> temperature;
  std::optional<std::int64_t> max_tokens;
  std::vector<std::string> stop;
  // "" (the provider's default), "auto", "none", "required", or a tool's name to force that tool.
  std::string tool_choice{};
  std::optional<std::int64_t> seed{};  // OpenAI-compatible servers only; Anthropic has none
  // OpenAI's response_format ({"type": "json_object"} or a json_schema); null when unset.
  Json response_format = nullptr;
  Json extra = Json::object();  // provider-specific settings merged into the request body
  friend bool operator==(const ChatRequest&, const ChatRequest&) = default;
};

struct Usage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t total_tokens = 0;
  // Of input_tokens, those read from the provider's prompt cache (0 when it did not say).
  std::int64_t cached_input_tokens = 0;
  // Counts come from servers and files: sums saturate at the int64 limits, never overflow.
  Usage& operator+=(const Usage& other) noexcept {
    input_tokens = base::saturating_add(input_tokens, other.input_tokens);
    output_tokens = base::saturating_add(output_tokens, other.output_tokens);
    total_tokens = base::saturating_add(total_tokens, other.total_tokens);
    cached_input_tokens = base::saturating_add(cached_input_tokens, other.cached_input_tokens);
    return *this;
  }
  friend Usage operator+(Usage a, const Usage& b) noexcept { return a += b; }
  friend bool operator==(const Usage&, const Usage&) = default;
};

struct ChatResponse {
  Message message{Role::assistant, {}, {}, {}, {}};
  Usage usage;
  std::string finish_reason;  // "stop", "tool_calls", "length", ... as the provider says
  std::string model;          // the model that answered
  std::string id;             // the provider's response id
  friend bool operator==(const ChatResponse&, const ChatResponse&) = default;
};

void to_json(Json& j, const ToolCall& v);
void from_json(const Json& j, ToolCall& v);
void to_json(Json& j, const Message& v);
void from_json(const Json& j, Message& v);
void to_json(Json& j, const ToolSchema& v);
void from_json(const Json& j, ToolSchema& v);
void to_json(Json& j, const ChatRequest& v);
void from_json(const Json& j, ChatRequest& v);
void to_json(Json& j, const Usage& v);
void from_json(const Json& j, Usage& v);
void to_json(Json& j, const ChatResponse& v);
void from_json(const Json& j, ChatResponse& v);

}  // namespace agentrace::llm
