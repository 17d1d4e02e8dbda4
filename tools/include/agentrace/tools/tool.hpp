// Tools: what an agent can do. A Tool has a name, a description and JSON-schema parameters, and
// invoke(arguments, context) -> ToolResult. A tool writes no spans of the Runner's: the Runner
// wraps each call in an `execute_tool` span and makes it current while invoke runs, so a tool's
// own spans (started with the current context) nest under it; ToolContext::span names that span
// for a tool that hands its work to another thread.
#pragma once

#include <any>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include <nlohmann/json.hpp>

#include "agentrace/llm/message.hpp"
#include "agentrace/memory/store.hpp"
#include "agentrace/memory/tool_error_kind.hpp"
#include "agentrace/tracing/ids.hpp"

namespace agentrace::tools {

using Json = nlohmann::json;

// Why a call failed (memory/tool_error_kind.hpp): the same enum the run's memory keeps with
// each observation.
using memory::ToolErrorKind;
using memory::to_string;

struct ToolResult {
  Json content;  // a string for text results, any JSON value otherwise
  bool is_error = false;
  ToolErrorKind error_kind = ToolErrorKind::none;
  // The C++ type of the exception the tool threw (demangled: "std::runtime_error"), empty when
  // it returned. The execute_tool span's exception event records it as exception.type; the model
  // never sees it: a type name tells it nothing it can correct.
  std::string exception_type{};

  static ToolResult text(std::string text) { return {Json(std::move(text)), false, ToolErrorKind::none}; }
  static ToolResult json(Json value) { return {std::move(value), false, ToolErrorKind::none}; }
  static ToolResult error(std::string message, ToolErrorKind kind = ToolErrorKind::execution) {
    return {Json(std::move(message)), true, kind};
  }
  // What the model sees: the string itself, or compact JSON.
  [[nodiscard]] std::string to_text() const;
};

// What a running tool gets besides its arguments.
struct ToolContext {
  std::string call_id;
  std::string agent_name;
  tracing::SpanContext span;  // the execute_tool span (also the thread's current span)
  std::stop_token stop;       // requested when the call times out or the run is cancelled
  const std::any* user_data = nullptr;  // the run's user data (RunConfig::user_data), or null
  // The agent's long-term store as the Runner hands it out (traced: each operation a span), or
  // null when the agent has none.
  memory::MemoryStore* memory = nullptr;

  template <typename T>
  [[nodiscard]] const T* data() const noexcept {
    return user_data != nullptr ? std::any_cast<T>(user_data) : nullptr;
  }
};

class Tool {
 public:
  Tool(std::string name, std::string description, Json parameters);
  virtual ~Tool() = default;
  Tool(const Tool&) = delete;
  Tool& operator=(const Tool&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& description() const noexcept { return description_; }
  // A JSON Schema object (type "object", properties, required).
  [[nodiscard]] const Json& parameters() const noexcept { return parameters_; }
  [[nodiscard]] llm::ToolSchema schema() const { return {name_, description_, parameters_}; }
  // Overrides the agent's per-tool timeout for this tool.
  [[nodiscard]] std::optional<std::chrono::milliseconds> timeout() const noexcept { return timeout_; }
  void set_timeout(std::optional<std::chrono::milliseconds> t) noexcept { timeout_ = t; }

  // Called with arguments that passed validation against parameters(). May throw: the caller
  // turns an exception into an execution error result. Long-running tools should watch
  // context.stop.
  virtual ToolResult invoke(const Json& arguments, ToolContext& context) = 0;

 private:
  std::string name_;
  std::string description_;
  Json parameters_;
  std::optional<std::chrono::milliseconds> timeout_;
};

using ToolPtr = std::shared_ptr<Tool>;

// A tool from a callable taking the raw arguments.
ToolPtr make_function_tool(std::string name, std::string description, Json parameters,
                           std::function<ToolResult(const Json&, ToolContext&)> fn);

}  // namespace agentrace::tools
