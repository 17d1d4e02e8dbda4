// ToolRegistry. Each tool's parameters are compiled once, at add(), into a valijson schema;
// check() runs valijson with full error collection and rewrites its errors (which name neither
// the expected type nor every offending property) into lines a model can act on.
//
// Thread safety: add() must not run concurrently with anything else; after the registry is
// filled, find/schemas/check/invoke may be called from any number of threads (the compiled
// schemas are only read, and each check builds its own valijson::Validator).
#include "agentrace/tools/registry.hpp"

#include <cxxabi.h>

#include "agentrace/base/demangle.hpp"
#include "agentrace/base/json_depth.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <typeinfo>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "agentrace/tools/typed_tool.hpp"
#include "schema_errors.hpp"

namespace agentrace::tools {

namespace {

struct Entry {
  ToolPtr tool;
  Json strict_parameters;  // the tool's parameters with additionalProperties: false filled in
  std::unique_ptr<valijson::Schema> schema;
};

bool valid_tool_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool declares_object(const Json& schema) {
  if (!schema.is_object()) return false;
  if (schema.contains("properties")) return true;
  auto type = schema.find("type");
  if (type == schema.end()) return false;
  if (type->is_string()) return *type == "object";
  if (type->is_array()) return std::find(type->begin(), type->end(), Json("object")) != type->end();
  return false;
}

// Fills in "additionalProperties": false wherever an object schema leaves it open, so that a
// misspelled or invented argument is reported instead of silently ignored. Composition keywords
// (allOf, anyOf, oneOf, not) are left alone, and so is an object schema that uses them: there the
// properties may be declared in the branches, and closing one branch would reject the
// properties its siblings declare. $ref targets are not followed for the same reason.
void close_object_schemas(Json& schema) {
  if (!schema.is_object()) return;
  const bool composed = schema.contains("allOf") || schema.contains("anyOf") || schema.contains("oneOf");
  if (declares_object(schema) && !composed && !schema.contains("additionalProperties")) {
    schema["additionalProperties"] = false;
  }
  for (const char* keyword : {"properties", "patternProperties"}) {
    auto it = schema.find(keyword);
    if (it != schema.end() && it->is_object()) {
      for (auto& [name, sub] : it->items()) close_object_schemas(sub);
    }
  }
  for (const char* keyword : {"items", "additionalItems", "additionalProperties"}) {
    auto it = schema.find(keyword);
    if (it == schema.end()) continue;
    if (it->is_object()) {
      close_object_schemas(*it);
    } else if (it->is_array()) {
      for (auto& sub : *it) close_object_schemas(sub);
    }
  }
}

// JSON Schema (draft 6 on) counts 3.0 as an integer; valijson's nlohmann adapter looks at the
// storage type and would reject it. Models emit 3.0 for integers often enough to matter.
// True when `value` holds a float with an integral value somewhere (which valijson would not
// accept as an integer): only then is the normalised copy worth making.
bool has_integral_float(const Json& value) {
  if (value.is_number_float()) {
    const double d = value.get<double>();
    return std::isfinite(d) && std::trunc(d) == d;
  }
  if (value.is_structured()) {
    for (const auto& item : value) {
      if (has_integral_float(item)) return true;
    }
  }
  return false;
}

Json normalize_integral_numbers(const Json& value) {
  if (value.is_number_float()) {
    const double d = value.get<double>();
    constexpr double limit = 9223372036854775808.0;  // 2^63
    if (std::isfinite(d) && std::trunc(d) == d && d >= -limit && d < limit) {
      return Json(static_cast<std::int64_t>(d));
    }
    return value;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& item : value) out.push_back(normalize_integral_numbers(item));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, item] : value.items()) out[key] = normalize_integral_numbers(item);
    return out;
  }
  return value;
}

}  // namespace

struct ToolRegistry::Impl {
  std::vector<std::unique_ptr<Entry>> entries;  // in the order added
  std::vector<std::string> names;               // the same order; read every step by the Runner

  [[nodiscard]] const Entry* find(std::string_view name) const noexcept {
    for (const auto& entry : entries) {
      if (entry->tool->name() == name) return entry.get();
    }
    return nullptr;
  }
};

ToolRegistry::ToolRegistry() : impl_(std::make_unique<Impl>()) {}
ToolRegistry::~ToolRegistry() = default;
ToolRegistry::ToolRegistry(ToolRegistry&&) noexcept = default;
ToolRegistry& ToolRegistry::operator=(ToolRegistry&&) noexcept = default;

void ToolRegistry::add(ToolPtr tool) {
  if (!tool) throw std::invalid_argument("cannot add a null tool");
  if (!impl_) impl_ = std::make_unique<Impl>();  // a moved-from registry becomes usable again
  const std::string& name = tool->name();
  if (!valid_tool_name(name)) {
    throw std::invalid_argument("invalid tool name '" + name +
                                "': use 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'");
  }
  if (impl_->find(name) != nullptr) throw std::invalid_argument("a tool named '" + name + "' is already registered");
  const Json& parameters = tool->parameters();
  if (!parameters.is_object() || !parameters.contains("type") || parameters.at("type") != "object") {
    throw std::invalid_argument("tool '" + name + "': parameters must be a JSON Schema object with \"type\": \"object\"");
  }

  auto entry = std::make_unique<Entry>();
  entry->strict_parameters = parameters;
  close_object_schemas(entry->strict_parameters);
  entry->schema = std::make_unique<valijson::Schema>();
  try {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(entry->strict_parameters);
    parser.populateSchema(adapter, *entry->schema);
  } catch (const std::exception& e) {
    throw std::invalid_argument("tool '" + name + "': invalid parameters schema: " + e.what());
  }
  entry->tool = std::move(tool);
  impl_->names.push_back(entry->tool->name());
  impl_->entries.push_back(std::move(entry));
}

Tool* ToolRegistry::find(std::string_view name) const noexcept {
  if (!impl_) return nullptr;
  const Entry* entry = impl_->find(name);
  return entry != nullptr ? entry->tool.get() : nullptr;
}

std::vector<llm::ToolSchema> ToolRegistry::schemas() const {
  std::vector<llm::ToolSchema> out;
  if (!impl_) return out;
  out.reserve(impl_->entries.size());
  for (const auto& entry : impl_->entries) out.push_back(entry->tool->schema());
  return out;
}

const std::vector<std::string>& ToolRegistry::names() const noexcept {
  static const std::vector<std::string> none;  // a moved-from registry
  return impl_ ? impl_->names : none;
}

std::size_t ToolRegistry::size() const noexcept { return impl_ ? impl_->entries.size() : 0; }

std::optional<ToolResult> ToolRegistry::check(std::string_view name, const Json& arguments) const {
  const Entry* entry = impl_ ? impl_->find(name) : nullptr;
  if (entry == nullptr) {
    const auto& available = names();
    return ToolResult::error("unknown tool '" + std::string(name) + "'; available tools: " +
                                 (available.empty() ? std::string("none") : detail::join(available, ", ")),
                             ToolErrorKind::unknown_tool);
  }
  auto prefix = [&] { return "invalid arguments for tool '" + std::string(name) + "': "; };
  if (!arguments.is_object()) {
    return ToolResult::error(prefix() + "the arguments must be a JSON object, got " + detail::describe_json_value(arguments),
                             ToolErrorKind::invalid_arguments);
  }
  // Arguments built in code (or a tool run directly) have not passed a model reader's depth
  // check; everything below walks them recursively.
  if (base::json_depth(arguments) > base::max_json_depth) {
    return ToolResult::error(prefix() + "they nest deeper than " + std::to_string(base::max_json_depth) + " levels",
                             ToolErrorKind::invalid_arguments);
  }
  // The common case first: valid arguments, checked without collecting errors (valijson stops at
  // the first failure) and without copying them.
  std::optional<Json> copy;
  if (has_integral_float(arguments)) copy = normalize_integral_numbers(arguments);
  const Json& normalized = copy ? *copy : arguments;
  valijson::Validator validator;  // strict types: "3" is not an integer
  valijson::adapters::NlohmannJsonAdapter target(normalized);
  if (validator.validate(*entry->schema, target, nullptr)) return std::nullopt;
  valijson::ValidationResults results;
  validator.validate(*entry->schema, target, &results);
  auto lines = detail::describe_schema_errors(results, normalized, entry->strict_parameters);
  if (lines.empty()) lines.emplace_back("the arguments do not match the tool's parameters schema");
  return ToolResult::error(prefix() + detail::join(lines, "; "), ToolErrorKind::invalid_arguments);
}

ToolResult ToolRegistry::invoke(std::string_view name, const Json& arguments, ToolContext& context) const noexcept {
  try {
    if (auto error = check(name, arguments)) return std::move(*error);
  } catch (...) {
    return ToolResult::error("internal error while checking the arguments", ToolErrorKind::execution);
  }
  return execute(name, arguments, context);
}

ToolResult ToolRegistry::execute(std::string_view name, const Json& arguments, ToolContext& context) const noexcept {
  try {
    Tool* tool = find(name);
    if (tool == nullptr) return ToolResult::error("unknown tool '" + std::string(name) + "'", ToolErrorKind::unknown_tool);
    try {
      ToolResult result = tool->invoke(arguments, context);
      if (result.is_error && result.error_kind == ToolErrorKind::none) result.error_kind = ToolErrorKind::execution;
      return result;
    } catch (const ArgumentError& e) {
      return ToolResult::error("invalid arguments for tool '" + std::string(name) + "': " + e.what(),
                               ToolErrorKind::invalid_arguments);
    } catch (const std::exception& e) {
      // The model reads what the tool said went wrong; the type is for the span (exception.type).
      const std::string_view what = e.what();
      ToolResult result = ToolResult::error("tool '" + std::string(name) + "' failed" +
                                            (what.empty() ? std::string() : ": " + std::string(what)));
      result.exception_type = base::demangle(typeid(e).name());
      return result;
    } catch (...) {
      const std::type_info* type = abi::__cxa_current_exception_type();
      ToolResult result = ToolResult::error("tool '" + std::string(name) + "' failed without an error message");
      result.exception_type = type != nullptr ? base::demangle(type->name()) : std::string("unknown");
      return result;
    }
  } catch (...) {
    // Only reachable when building a message itself failed (out of memory); the promise not to
    // throw holds as long as this last, allocation-light result can be made.
    return ToolResult::error("internal error while running tool", ToolErrorKind::execution);
  }
}

}  // namespace agentrace::tools
