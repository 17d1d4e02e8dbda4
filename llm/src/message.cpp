// The project's own JSON wire format for the chat model (scripts, cassettes, trace content).
// Readers take input written by people and by other programs, so every field is looked up with
// at() and type-checked explicitly: a wrong type is a type_error naming the type and the field,
// a missing required field is nlohmann's out_of_range naming the key.
#include "agentrace/llm/message.hpp"

#include "agentrace/base/json_depth.hpp"
#include "agentrace/base/json_text.hpp"

#include <limits>
#include <string_view>

namespace agentrace::llm {

namespace {

[[noreturn]] void wrong_type(std::string_view owner, std::string_view key, std::string_view expected,
                             const Json& value) {
  std::string what;
  what.append(owner).append(": '").append(key).append("' must be ").append(expected);
  what.append(", got ").append(value.type_name());
  throw Json::type_error::create(302, what, nullptr);
}

void require_object(const Json& j, std::string_view owner) {
  if (!j.is_object()) {
    throw Json::type_error::create(302, std::string(owner) + " must be an object, got " + j.type_name(), nullptr);
  }
}

std::string required_string(const Json& j, std::string_view owner, const char* key) {
  const Json& v = j.at(key);
  if (!v.is_string()) wrong_type(owner, key, "a string", v);
  return v.get<std::string>();
}

// Missing and null both read as "": other producers write null content for tool-call replies.
std::string optional_string(const Json& j, std::string_view owner, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) wrong_type(owner, key, "a string", *it);
  return it->get<std::string>();
}

std::int64_t optional_integer(const Json& j, std::string_view owner, const char* key, std::int64_t fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) wrong_type(owner, key, "an integer", *it);
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    wrong_type(owner, key, "an integer within int64", *it);
  }
  return it->get<std::int64_t>();
}

const Json* optional_array(const Json& j, std::string_view owner, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  if (!it->is_array()) wrong_type(owner, key, "an array", *it);
  return &*it;
}

}  // namespace

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::system: return "system";
    case Role::user: return "user";
    case Role::assistant: return "assistant";
    case Role::tool: return "tool";
  }
  return "unknown";
}

void set_arguments_from_text(ToolCall& call, std::string_view text) {
  Json parsed = base::json_text_depth(text) > base::max_json_depth ? Json(Json::value_t::discarded)
                                                                   : Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    call.arguments = nullptr;
    call.raw_arguments = std::string(text);
    return;
  }
  call.arguments = std::move(parsed);
  call.raw_arguments.reset();
}

void set_arguments_from_value(ToolCall& call, const Json& value) {
  if (base::json_depth(value) > base::max_json_depth) {
    call.arguments = nullptr;
    call.raw_arguments = base::json_text(value);
    return;
  }
  call.arguments = value;
  call.raw_arguments.reset();
}

std::string raw_arguments_problem(std::string_view raw) {
  if (base::json_text_depth(raw) > base::max_json_depth) {
    return "they nest deeper than " + std::to_string(base::max_json_depth) + " levels";
  }
  return "not valid JSON";
}

void to_json(Json& j, const ToolCall& v) {
  j = Json::object();
  j["id"] = v.id;
  j["name"] = v.name;
  if (v.raw_arguments) {
    j["arguments"] = *v.raw_arguments;
  } else if (v.arguments.is_string()) {
    // A string is written in its dumped form because readers parse string arguments as JSON
    // text (OpenAI's convention); this keeps the round trip exact.
    j["arguments"] = v.arguments.dump();
  } else {
    j["arguments"] = v.arguments;
  }
}

void from_json(const Json& j, ToolCall& v) {
  constexpr std::string_view owner = "tool call";
  require_object(j, owner);
  ToolCall out;
  out.id = required_string(j, owner, "id");
  out.name = required_string(j, owner, "name");
  auto it = j.find("arguments");
  if (it == j.end()) {
    out.arguments = Json::object();
  } else if (it->is_string()) {
    // Bad JSON from a model is data for the Runner to report back, not an exception here.
    set_arguments_from_text(out, it->get_ref<const std::string&>());
  } else {
    set_arguments_from_value(out, *it);
  }
  v = std::move(out);
}

void to_json(Json& j, const Message& v) {
  j = Json::object();
  j["role"] = v.role;
  j["content"] = v.content;
  if (!v.tool_calls.empty()) j["tool_calls"] = v.tool_calls;
  if (!v.tool_call_id.empty()) j["tool_call_id"] = v.tool_call_id;
  if (!v.name.empty()) j["name"] = v.name;
}

void from_json(const Json& j, Message& v) {
  constexpr std::string_view owner = "message";
  require_object(j, owner);
  Message out;
  const std::string role = required_string(j, owner, "role");
  if (role == "system") {
    out.role = Role::system;
  } else if (role == "user") {
    out.role = Role::user;
  } else if (role == "assistant") {
    out.role = Role::assistant;
  } else if (role == "tool") {
    out.role = Role::tool;
  } else {
    // NLOHMANN_JSON_SERIALIZE_ENUM would silently map an unknown name to the first role.
    throw Json::type_error::create(
        302, "message: 'role' must be one of system, user, assistant, tool, got \"" + role + "\"", nullptr);
  }
  out.content = optional_string(j, owner, "content");
  if (const Json* calls = optional_array(j, owner, "tool_calls")) {
    out.tool_calls.reserve(calls->size());
    for (const auto& c : *calls) out.tool_calls.push_back(c.get<ToolCall>());
  }
  out.tool_call_id = optional_string(j, owner, "tool_call_id");
  out.name = optional_string(j, owner, "name");
  v = std::move(out);
}

void to_json(Json& j, const ToolSchema& v) {
  j = Json{{"name", v.name}, {"description", v.description}, {"parameters", v.parameters}};
}

void from_json(const Json& j, ToolSchema& v) {
  constexpr std::string_view owner = "tool schema";
  require_object(j, owner);
  ToolSchema out;
  out.name = required_string(j, owner, "name");
  out.description = optional_string(j, owner, "description");
  if (auto it = j.find("parameters"); it != j.end()) {
    if (!it->is_object()) wrong_type(owner, "parameters", "an object", *it);
    out.parameters = *it;
  }
  v = std::move(out);
}

void to_json(Json& j, const ChatRequest& v) {
  j = Json::object();
  j["model"] = v.model;
  j["messages"] = v.messages;
  j["tools"] = v.tools;
  if (v.temperature) j["temperature"] = *v.temperature;
  if (v.max_tokens) j["max_tokens"] = *v.max_tokens;
  if (!v.stop.empty()) j["stop"] = v.stop;
  if (!v.tool_choice.empty()) j["tool_choice"] = v.tool_choice;
  if (v.seed) j["seed"] = *v.seed;
  if (!v.response_format.is_null()) j["response_format"] = v.response_format;
  if (!v.extra.empty()) j["extra"] = v.extra;
}

void from_json(const Json& j, ChatRequest& v) {
  constexpr std::string_view owner = "chat request";
  require_object(j, owner);
  ChatRequest out;
  out.model = optional_string(j, owner, "model");
  const Json& messages = j.at("messages");
  if (!messages.is_array()) wrong_type(owner, "messages", "an array", messages);
  out.messages.reserve(messages.size());
  for (const auto& m : messages) out.messages.push_back(m.get<Message>());
  if (const Json* tools = optional_array(j, owner, "tools")) {
    out.tools.reserve(tools->size());
    for (const auto& t : *tools) out.tools.push_back(t.get<ToolSchema>());
  }
  if (auto it = j.find("temperature"); it != j.end() && !it->is_null()) {
    if (!it->is_number()) wrong_type(owner, "temperature", "a number", *it);
    out.temperature = it->get<double>();
  }
  if (auto it = j.find("max_tokens"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) wrong_type(owner, "max_tokens", "an integer", *it);
    out.max_tokens = it->get<std::int64_t>();
  }
  if (const Json* stop = optional_array(j, owner, "stop")) {
    for (const auto& s : *stop) {
      if (!s.is_string()) wrong_type(owner, "stop", "an array of strings", s);
      out.stop.push_back(s.get<std::string>());
    }
  }
  out.tool_choice = optional_string(j, owner, "tool_choice");
  if (auto it = j.find("seed"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) wrong_type(owner, "seed", "an integer", *it);
    out.seed = it->get<std::int64_t>();
  }
  if (auto it = j.find("response_format"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) wrong_type(owner, "response_format", "an object", *it);
    out.response_format = *it;
  }
  if (auto it = j.find("extra"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) wrong_type(owner, "extra", "an object", *it);
    out.extra = *it;
  }
  v = std::move(out);
}

void to_json(Json& j, const Usage& v) {
  j = Json{{"input_tokens", v.input_tokens}, {"output_tokens", v.output_tokens}, {"total_tokens", v.total_tokens}};
  if (v.cached_input_tokens != 0) j["cached_input_tokens"] = v.cached_input_tokens;
}

void from_json(const Json& j, Usage& v) {
  constexpr std::string_view owner = "usage";
  require_object(j, owner);
  Usage out;
  out.input_tokens = optional_integer(j, owner, "input_tokens", 0);
  out.output_tokens = optional_integer(j, owner, "output_tokens", 0);
  // Hand-written usage often gives only the two parts.
  out.total_tokens = optional_integer(j, owner, "total_tokens", base::saturating_add(out.input_tokens, out.output_tokens));
  out.cached_input_tokens = optional_integer(j, owner, "cached_input_tokens", 0);
  v = out;
}

void to_json(Json& j, const ChatResponse& v) {
  j = Json::object();
  j["message"] = v.message;
  j["usage"] = v.usage;
  j["finish_reason"] = v.finish_reason;
  j["model"] = v.model;
  j["id"] = v.id;
}

void from_json(const Json& j, ChatResponse& v) {
  constexpr std::string_view owner = "chat response";
  require_object(j, owner);
  ChatResponse out;
  out.message = j.at("message").get<Message>();
  if (auto it = j.find("usage"); it != j.end() && !it->is_null()) out.usage = it->get<Usage>();
  out.finish_reason = optional_string(j, owner, "finish_reason");
  out.model = optional_string(j, owner, "model");
  out.id = optional_string(j, owner, "id");
  v = std::move(out);
}

}  // namespace agentrace::llm
