// ToolRegistry: the per-agent set of tools. Validates arguments against each tool's JSON Schema
// with valijson before invoking, and turns every model mistake and tool failure into an error
// result with a precise message, never an exception.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/tools/tool.hpp"

namespace agentrace::tools {

class ToolRegistry {
 public:
  ToolRegistry();
  ~ToolRegistry();
  ToolRegistry(ToolRegistry&&) noexcept;
  ToolRegistry& operator=(ToolRegistry&&) noexcept;

  // Throws std::invalid_argument for a duplicate name, a name outside [A-Za-z0-9_-]{1,64}, or
  // parameters that are not a valid JSON Schema object. Objects that do not say otherwise get
  // "additionalProperties": false: an argument the schema does not name is an error.
  void add(ToolPtr tool);
  [[nodiscard]] Tool* find(std::string_view name) const noexcept;
  [[nodiscard]] std::vector<llm::ToolSchema> schemas() const;  // in the order added
  [[nodiscard]] const std::vector<std::string>& names() const noexcept;  // in the order added
  [[nodiscard]] std::size_t size() const noexcept;

  // nullopt when `arguments` are valid for tool `name`; otherwise the error the model should see:
  // "unknown tool 'x'; available tools: a, b", or each schema violation with its JSON path, e.g.
  // "missing required argument 'b'", "argument 'a' must be of type integer, got string \"x\"",
  // "unexpected argument 'c' (accepted: a, b)".
  [[nodiscard]] std::optional<ToolResult> check(std::string_view name, const Json& arguments) const;

  // check(), then invoke; an exception from the tool becomes an execution error result naming
  // the exception ("ValueError: ..."). Never throws.
  ToolResult invoke(std::string_view name, const Json& arguments, ToolContext& context) const noexcept;
  // invoke() without check(), for callers that checked already (the Runner checks before it
  // schedules a call). Exceptions still become error results.
  ToolResult execute(std::string_view name, const Json& arguments, ToolContext& context) const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentrace::tools
