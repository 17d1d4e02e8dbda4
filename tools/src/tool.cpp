#include "agentrace/tools/tool.hpp"

#include <stdexcept>
#include <utility>

#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/base/utf8.hpp"

namespace agentrace::tools {

std::string ToolResult::to_text() const {
  if (content.is_string()) return content.get<std::string>();
  // A tool may put arbitrary bytes into a JSON string; the model should still get its result
  // rather than a serialisation exception, so invalid UTF-8 is replaced, not thrown on.
  return content.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Tool::Tool(std::string name, std::string description, Json parameters)
    : name_(std::move(name)), description_(std::move(description)), parameters_(std::move(parameters)) {}

namespace {

class FunctionTool final : public Tool {
 public:
  FunctionTool(std::string name, std::string description, Json parameters,
               std::function<ToolResult(const Json&, ToolContext&)> fn)
      : Tool(std::move(name), std::move(description), std::move(parameters)), fn_(std::move(fn)) {}

  ToolResult invoke(const Json& arguments, ToolContext& context) override { return fn_(arguments, context); }

 private:
  std::function<ToolResult(const Json&, ToolContext&)> fn_;
};

}  // namespace

ToolPtr make_function_tool(std::string name, std::string description, Json parameters,
                           std::function<ToolResult(const Json&, ToolContext&)> fn) {
  // Caught here rather than at the first call, where it would surface as a confusing
  // std::bad_function_call execution error in the middle of a run.
  if (!fn) throw std::invalid_argument("tool '" + name + "': the function is empty");
  return std::make_shared<FunctionTool>(std::move(name), std::move(description), std::move(parameters), std::move(fn));
}

namespace detail {

std::string describe_json_value(const Json& value) {
  // Long enough to recognise the value, short enough that one bad argument cannot flood the
  // model's context with an echo of itself.
  constexpr std::size_t max_string_bytes = 40;
  switch (value.type()) {
    case Json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      if (s.size() <= max_string_bytes) {
        return "string " + Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
      }
      const std::string head = s.substr(0, base::utf8_prefix_length(s, max_string_bytes));
      return "string " + Json(head).dump(-1, ' ', false, Json::error_handler_t::replace) + "... (" +
             std::to_string(s.size()) + " bytes)";
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer " + value.dump();
    case Json::value_t::number_float:
      return "number " + value.dump();
    case Json::value_t::boolean:
      return value.get<bool>() ? "boolean true" : "boolean false";
    case Json::value_t::null:
      return "null";
    case Json::value_t::array:
      return "array of " + std::to_string(value.size());
    case Json::value_t::object:
      return "object";
    case Json::value_t::binary:
      return "binary data";
    case Json::value_t::discarded:
      break;
  }
  return "an invalid value";
}

}  // namespace detail

}  // namespace agentrace::tools
