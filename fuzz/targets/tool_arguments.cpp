// Tool-argument validation (tools/registry.hpp, valijson) and the tools that run on what passes.
// The input is a tool call's arguments text as a model sends it, for the tool its first byte names
// ('0' to '3'; '4' names no tool). It is read as the clients read arguments
// (llm::set_arguments_from_text: text too deep or not JSON stays raw, and the Runner reports it),
// then checked and invoked. Tools: the calculator, final_answer, a typed tool, and a function tool
// whose schema has nested objects, arrays, enums, bounds, a pattern and a composition. With '5'
// the first line is a tool's schema and the rest its arguments, since tool schemas too will come
// from outside (MCP servers).
#include <stdexcept>

#include "agentrace/llm/message.hpp"
#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/registry.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace agentrace;
using tools::Json;

const tools::ToolRegistry& registry() {
  static const tools::ToolRegistry r = [] {
    tools::ToolRegistry out;
    out.add(tools::make_calculator_tool());
    out.add(tools::make_final_answer_tool());
    out.add(tools::make_tool("typed", "Parameters of every typed kind")
                .param<std::int64_t>("count", "an integer")
                .param<double>("ratio", "a number")
                .param<bool>("flag", "a boolean")
                .param<std::string>("name", "a string")
                .param<std::vector<std::string>>("tags", "strings")
                .handler([](std::int64_t count, double ratio, bool flag, const std::string& name,
                            const std::vector<std::string>& tags) {
                  return std::to_string(count) + std::to_string(ratio) + (flag ? name : "") +
                         std::to_string(tags.size());
                }));
    out.add(tools::make_function_tool(
        "rich", "A schema with most of JSON Schema's keywords",
        Json::parse(R"({"type": "object", "required": ["query"],
          "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[a-z ]+$"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50},
            "mode": {"enum": ["fast", "exact", 3]},
            "filter": {"type": "object", "properties": {
              "after": {"type": "string", "format": "date"},
              "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5, "uniqueItems": true}}},
            "target": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"id": {"type": "integer"}}}]},
            "weight": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5}}})"),
        [](const Json& arguments, tools::ToolContext&) { return tools::ToolResult::json(arguments); }));
    return out;
  }();
  return r;
}

void call(const tools::ToolRegistry& r, std::string_view name, std::string_view text) {
  llm::ToolCall call;
  call.name = std::string(name);
  llm::set_arguments_from_text(call, text);
  if (call.raw_arguments) return;  // the Runner tells the model its arguments are not JSON
  tools::ToolContext context;
  (void)r.check(name, call.arguments);
  const tools::ToolResult result = r.invoke(name, call.arguments, context);
  (void)result.to_text();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = (fuzz::quiet_logs(), true);
  (void)quiet;
  if (size == 0) return 0;
  const std::string_view text = fuzz::text_of(data + 1, size - 1);
  const auto& names = registry().names();
  const std::size_t choice = static_cast<unsigned char>(data[0] - '0') % (names.size() + 2);
  if (choice < names.size()) {
    call(registry(), names[choice], text);
  } else if (choice == names.size()) {
    call(registry(), "no_such_tool", text);
  } else {
    const auto end = text.find('\n');
    llm::ToolCall schema;
    llm::set_arguments_from_text(schema, text.substr(0, end));
    if (schema.raw_arguments) return 0;
    tools::ToolRegistry own;
    try {
      own.add(tools::make_function_tool("fuzzed", "", schema.arguments,
                                        [](const Json& a, tools::ToolContext&) { return tools::ToolResult::json(a); }));
    } catch (const std::invalid_argument&) {
      return 0;  // not a schema: the documented error
    }
    call(own, "fuzzed", end == std::string_view::npos ? std::string_view{} : text.substr(end + 1));
  }
  return 0;
}
