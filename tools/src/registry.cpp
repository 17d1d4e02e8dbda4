// ToolRegistry. Each tool's parameters are compiled once, at add(), into a valijson schema;
// check() runs valijson with full error collection and rewrites its errors (which name neither
// the expected type nor every offending property) into lines a model can act on.
//
// Thread safety: add() must not run concurrently with anything else; after the registry is
// filled, find/schemas/check/invoke may be called from any number of threads (the compiled
// schemas are only read, and each check builds its own valijson::Validator).
#include "agentrace/tools/registry.hpp"

#include "agentrace/base/json_depth.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <regex>
#include <stdexcept>
#include <typeinfo>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "agentrace/tools/typed_tool.hpp"

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

// valijson's context is "<root>" followed by "[name]" / "[index]" segments; `from` skips the
// first entries (those of a path already walked).
std::vector<std::string> path_segments(const std::vector<std::string>& context, std::size_t from = 0) {
  std::vector<std::string> segments;
  for (std::size_t i = from; i < context.size(); ++i) {
    const std::string& part = context[i];
    if (part == "<root>") continue;
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
      segments.push_back(part.substr(1, part.size() - 2));
    } else {
      segments.push_back(part);
    }
  }
  return segments;
}

bool is_index(const std::string& segment) {
  return !segment.empty() && std::all_of(segment.begin(), segment.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Walks `arguments` and `schema` along the segments together: the argument's display path
// ("config.depth", "xs[1]"), the value found there and the subschema that governs it (either
// may be null when the walk leaves what is known).
struct Located {
  std::string path;
  const Json* value = nullptr;
  const Json* schema = nullptr;
};

const Json* subschema_for_property(const Json* schema, const std::string& name) {
  if (schema == nullptr || !schema->is_object()) return nullptr;
  auto props = schema->find("properties");
  if (props != schema->end() && props->is_object()) {
    auto it = props->find(name);
    if (it != props->end()) return &*it;
  }
  auto additional = schema->find("additionalProperties");
  if (additional != schema->end() && additional->is_object()) return &*additional;
  return nullptr;
}

const Json* subschema_for_item(const Json* schema, std::size_t index) {
  if (schema == nullptr || !schema->is_object()) return nullptr;
  auto items = schema->find("items");
  if (items == schema->end()) return nullptr;
  if (items->is_object()) return &*items;
  if (items->is_array()) {
    if (index < items->size()) return &(*items)[index];
    auto additional = schema->find("additionalItems");
    if (additional != schema->end() && additional->is_object()) return &*additional;
  }
  return nullptr;
}

Located locate(Located at, const std::vector<std::string>& segments) {
  for (const auto& segment : segments) {
    if (at.value != nullptr && at.value->is_array() && is_index(segment)) {
      const std::size_t index = std::stoul(segment);
      at.path += "[" + segment + "]";
      at.schema = subschema_for_item(at.schema, index);
      at.value = index < at.value->size() ? &(*at.value)[index] : nullptr;
    } else {
      at.path += at.path.empty() ? segment : "." + segment;
      at.schema = subschema_for_property(at.schema, segment);
      if (at.value != nullptr && at.value->is_object()) {
        auto it = at.value->find(segment);
        at.value = it != at.value->end() ? &*it : nullptr;
      } else {
        at.value = nullptr;
      }
    }
  }
  return at;
}

std::string join_path(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

std::string quoted_argument(const std::string& path) { return path.empty() ? "the arguments" : "argument '" + path + "'"; }

bool value_has_type(const Json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  return false;
}

// "argument 'a' must be of type integer, got string \"x\"", when the schema at the path names
// its types and the value really is none of them; nullopt otherwise (the failure then came from
// a nested subschema this walk does not model, and valijson's text is the honest fallback).
std::optional<std::string> type_message(const Located& at, const Json& types = nullptr) {
  if (at.value == nullptr) return std::nullopt;
  const Json* type = &types;
  if (types.is_null()) {
    if (at.schema == nullptr || !at.schema->contains("type")) return std::nullopt;
    type = &at.schema->at("type");
  }
  std::vector<std::string> names;
  if (type->is_string()) {
    names.push_back(type->get<std::string>());
  } else if (type->is_array()) {
    for (const auto& t : *type) {
      if (t.is_string()) names.push_back(t.get<std::string>());
    }
  }
  if (names.empty()) return std::nullopt;
  for (const auto& name : names) {
    if (value_has_type(*at.value, name)) return std::nullopt;
  }
  std::string expected;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) expected += i + 1 == names.size() ? " or " : ", ";
    expected += names[i];
  }
  return quoted_argument(at.path) + " must be of type " + expected + ", got " + detail::describe_json_value(*at.value);
}

std::optional<std::string> enum_message(const Located& at) {
  if (at.schema == nullptr || at.value == nullptr) return std::nullopt;
  auto values = at.schema->find("enum");
  if (values == at.schema->end() || !values->is_array()) return std::nullopt;
  std::string allowed;
  for (const auto& v : *values) {
    if (!allowed.empty()) allowed += ", ";
    allowed += v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return quoted_argument(at.path) + " must be one of " + allowed + ", got " + detail::describe_json_value(*at.value);
}

bool matches_pattern_property(const Json& schema, const std::string& key) {
  auto patterns = schema.find("patternProperties");
  if (patterns == schema.end() || !patterns->is_object()) return false;
  for (const auto& [pattern, sub] : patterns->items()) {
    try {
      if (std::regex_search(key, std::regex(pattern, std::regex::ECMAScript))) return true;
    } catch (const std::regex_error&) {
      // valijson compiled the same pattern with the same engine, so this cannot disagree in
      // practice; an unreadable pattern simply matches nothing.
    }
  }
  return false;
}

// Every property of the object at `at` that its schema does not admit (valijson names only the
// first), each with the names the tool does accept, so a typo can be corrected in one step.
std::vector<std::string> unexpected_messages(const Located& at) {
  std::vector<std::string> lines;
  if (at.value == nullptr || !at.value->is_object() || at.schema == nullptr) return lines;
  const Json* props = nullptr;
  auto p = at.schema->find("properties");
  if (p != at.schema->end() && p->is_object()) props = &*p;
  std::string known;
  if (props != nullptr) {
    for (const auto& [name, sub] : props->items()) known += (known.empty() ? "" : ", ") + name;
  }
  for (const auto& [key, value] : at.value->items()) {
    if (props != nullptr && props->contains(key)) continue;
    if (matches_pattern_property(*at.schema, key)) continue;
    std::string line = "unexpected argument '" + join_path(at.path, key) + "'";
    line += known.empty() ? " (no arguments are accepted here)" : " (accepted: " + known + ")";
    lines.push_back(std::move(line));
  }
  return lines;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// valijson reports a failure inside a property or item twice: the real error at the nested
// path, then a summary at the parent. The summaries add nothing for the model.
bool is_summary(const std::string& description) {
  return starts_with(description, "Failed to validate against schema associated with property name") ||
         starts_with(description, "Failed to validate item #") ||
         starts_with(description, "Failed to validate against additional properties schema") ||
         starts_with(description, "Failed to validate against schema associated with pattern") ||
         starts_with(description, "Failed to validate against dependent schema") ||
         starts_with(description, "Failed to validate against child schema #");
}

std::string strip_period(std::string text) {
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

// The schema's own number for a bound, so the model reads "at most 10", not valijson's
// "less than or equal to 10.000000".
std::optional<std::string> bound_message(const std::string& description, const Located& at) {
  if (at.schema == nullptr || at.value == nullptr) return std::nullopt;
  const Json& schema = *at.schema;
  auto number = [&schema](const char* keyword) -> std::optional<std::string> {
    auto it = schema.find(keyword);
    if (it == schema.end() || !it->is_number()) return std::nullopt;
    return it->dump();
  };
  auto exclusive_or = [&](const char* exclusive, const char* inclusive) {
    auto value = number(exclusive);  // draft 6+: a number; draft 4: a boolean beside the bound
    return value ? value : number(inclusive);
  };
  const std::string subject = quoted_argument(at.path);
  const std::string got = ", got " + detail::describe_json_value(*at.value);
  std::optional<std::string> bound;
  if (starts_with(description, "Expected number less than or equal to") && (bound = number("maximum"))) {
    return subject + " must be at most " + *bound + got;
  }
  if (starts_with(description, "Expected number less than ") && (bound = exclusive_or("exclusiveMaximum", "maximum"))) {
    return subject + " must be less than " + *bound + got;
  }
  if (starts_with(description, "Expected number greater than or equal to") && (bound = number("minimum"))) {
    return subject + " must be at least " + *bound + got;
  }
  if (starts_with(description, "Expected number greater than ") && (bound = exclusive_or("exclusiveMinimum", "minimum"))) {
    return subject + " must be greater than " + *bound + got;
  }
  if (starts_with(description, "String should be no more than") && (bound = number("maxLength"))) {
    return subject + " must be at most " + *bound + " characters long" + got;
  }
  if (starts_with(description, "String should be no fewer than") && (bound = number("minLength"))) {
    return subject + " must be at least " + *bound + " characters long" + got;
  }
  if (starts_with(description, "Array should contain no more than") && (bound = number("maxItems"))) {
    return subject + " must have at most " + *bound + " items" + got;
  }
  if (starts_with(description, "Array should contain no fewer than") && (bound = number("minItems"))) {
    return subject + " must have at least " + *bound + " items" + got;
  }
  if (starts_with(description, "Failed to match regex specified by 'pattern' constraint")) {
    auto pattern = schema.find("pattern");
    if (pattern != schema.end() && pattern->is_string()) {
      return subject + " must match the pattern " + pattern->dump(-1, ' ', false, Json::error_handler_t::replace) + got;
    }
  }
  return std::nullopt;
}

bool is_alternatives_summary(const std::string& description) {
  return starts_with(description, "Failed to validate against any schemas allowed by anyOf") ||
         starts_with(description, "Failed to validate against any child schemas allowed by oneOf");
}

// When every alternative of an anyOf/oneOf names its type and the value has none of them, one
// line says it all: "argument 'id' must be of type string or integer, got boolean true".
std::optional<std::string> alternatives_type_message(const Located& at) {
  if (at.schema == nullptr || at.value == nullptr) return std::nullopt;
  for (const char* keyword : {"anyOf", "oneOf"}) {
    auto alternatives = at.schema->find(keyword);
    if (alternatives == at.schema->end() || !alternatives->is_array() || alternatives->empty()) continue;
    Json types = Json::array();
    for (const auto& alternative : *alternatives) {
      auto type = alternative.is_object() ? alternative.find("type") : alternative.end();
      if (!alternative.is_object() || type == alternative.end() || !type->is_string()) return std::nullopt;
      types.push_back(*type);
    }
    return type_message(Located{at.path, at.value, nullptr}, types);
  }
  return std::nullopt;
}

bool has_prefix(const std::vector<std::string>& context, const std::vector<std::string>& prefix) {
  return context.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), context.begin());
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

bool is_branch_delimiter(const std::string& description) {
  return starts_with(description, "Failed to validate against child schema #");
}

std::size_t branch_number(const std::string& description) {
  return std::strtoul(description.c_str() + description.find('#') + 1, nullptr, 10);
}

// Turns valijson's error list into lines. The list is post-order: a failed anyOf/oneOf at path
// C appears as [errors of alternative 0] "child schema #0" [errors of alternative 1]
// "child schema #1" ... "Failed ... anyOf" (all at or below C). Such a block is recognised from
// its end and described as one line, each alternative's errors read against that alternative's
// own subschema.
class ErrorDescriber {
 public:
  using Errors = std::vector<valijson::ValidationResults::Error>;
  explicit ErrorDescriber(Errors errors) : errors_(std::move(errors)) {}

  [[nodiscard]] std::vector<std::string> describe_all(const Json& arguments, const Json& schema) const {
    auto lines = describe(0, errors_.size(), Located{"", &arguments, &schema}, 0);
    std::vector<std::string> unique;
    for (auto& line : lines) {
      if (std::find(unique.begin(), unique.end(), line) == unique.end()) unique.push_back(std::move(line));
    }
    return unique;
  }

 private:
  struct Block {
    std::size_t begin = 0;
    std::size_t summary = 0;
    std::vector<std::pair<std::size_t, std::size_t>> branches;  // [begin, end) in order
  };

  // Errors [begin, end), whose contexts all start with `depth` entries that lead to `base`.
  [[nodiscard]] std::vector<std::string> describe(std::size_t begin, std::size_t end, const Located& base,
                                                  std::size_t depth) const {
    std::vector<Block> blocks;  // found from the back, so in reverse order
    for (std::size_t i = end; i > begin; --i) {
      if (is_alternatives_summary(errors_[i - 1].description)) {
        blocks.push_back(find_block(i - 1, begin));
        i = blocks.back().begin + 1;
      }
    }
    std::vector<std::string> lines;
    for (std::size_t i = begin; i < end; ++i) {
      if (!blocks.empty() && blocks.back().begin == i) {
        lines.push_back(describe_block(blocks.back(), base, depth));
        i = blocks.back().summary;
        blocks.pop_back();
        continue;
      }
      if (auto line = describe_one(errors_[i], locate(base, path_segments(errors_[i].context, depth)))) {
        for (auto& l : *line) lines.push_back(std::move(l));
      }
    }
    return lines;
  }

  // The block that ends with the summary at `summary`, found by walking back over its
  // alternatives' delimiters. The first alternative has no delimiter before it: it is taken to
  // start after the last error that is not below the block's path or that closes something else
  // at the same path.
  [[nodiscard]] Block find_block(std::size_t summary, std::size_t floor) const {
    const auto& context = errors_[summary].context;
    Block block;
    block.summary = summary;
    std::size_t i = summary;
    while (i > floor && errors_[i - 1].context == context && is_branch_delimiter(errors_[i - 1].description)) {
      const std::size_t delimiter = i - 1;
      const std::size_t number = branch_number(errors_[delimiter].description);
      std::size_t j = delimiter;
      while (j > floor) {
        const auto& e = errors_[j - 1];
        if (!has_prefix(e.context, context)) break;
        if (e.context == context && is_branch_delimiter(e.description)) break;
        if (e.context == context && is_alternatives_summary(e.description)) {
          if (number == 0) break;  // a sibling anyOf/oneOf at the same path, not part of this block
          j = find_block(j - 1, floor).begin;  // nested directly inside this alternative
          continue;
        }
        --j;
      }
      block.branches.emplace_back(j, delimiter);
      i = j;
      if (number == 0) break;
    }
    std::reverse(block.branches.begin(), block.branches.end());
    block.begin = i;
    return block;
  }

  [[nodiscard]] std::string describe_block(const Block& block, const Located& base, std::size_t depth) const {
    const auto& summary = errors_[block.summary];
    const Located at = locate(base, path_segments(summary.context, depth));
    if (auto line = alternatives_type_message(at)) return *line;
    const Json* alternatives = nullptr;
    if (at.schema != nullptr) {
      const char* keyword = starts_with(summary.description, "Failed to validate against any schemas allowed by anyOf") ? "anyOf" : "oneOf";
      auto it = at.schema->find(keyword);
      if (it != at.schema->end() && it->is_array()) alternatives = &*it;
    }
    std::string line = quoted_argument(at.path) + " matches none of the alternatives its schema allows";
    if (at.value != nullptr) line += ", got " + detail::describe_json_value(*at.value);
    std::vector<std::string> reasons;
    for (const auto& [begin, end] : block.branches) {
      const std::size_t number = branch_number(errors_[end].description);
      const Json* branch_schema = alternatives != nullptr && number < alternatives->size() ? &(*alternatives)[number] : nullptr;
      const auto branch_lines = describe(begin, end, Located{at.path, at.value, branch_schema}, summary.context.size());
      if (!branch_lines.empty()) reasons.push_back("(" + std::to_string(number + 1) + ") " + join(branch_lines, ", "));
    }
    if (!reasons.empty()) line += ": " + join(reasons, " ");
    return line;
  }

  // The lines for one error (several for an object with several unexpected properties), or
  // nullopt for valijson's summaries of errors already reported at a deeper path.
  [[nodiscard]] static std::optional<std::vector<std::string>> describe_one(const valijson::ValidationResults::Error& error,
                                                                           const Located& at) {
    const std::string& description = error.description;
    if (is_summary(description)) return std::nullopt;
    if (starts_with(description, "Missing required property '")) {
      const auto open = description.find('\'');
      const auto close = description.rfind('\'');
      return std::vector<std::string>{"missing required argument '" +
                                      join_path(at.path, description.substr(open + 1, close - open - 1)) + "'"};
    }
    if (starts_with(description, "Object contains a property that could not be validated")) {
      auto unexpected = unexpected_messages(at);
      if (!unexpected.empty()) return unexpected;
    }
    if (starts_with(description, "Value type not permitted by 'type' constraint")) {
      if (auto line = type_message(at)) return std::vector<std::string>{std::move(*line)};
      return std::vector<std::string>{quoted_argument(at.path) + " has a type its schema does not allow" +
                                      (at.value != nullptr ? ", got " + detail::describe_json_value(*at.value) : std::string())};
    }
    if (starts_with(description, "Failed to match against any enum values")) {
      if (auto line = enum_message(at)) return std::vector<std::string>{std::move(*line)};
    }
    if (starts_with(description, "Failed to match expected value set by 'const'") && at.schema != nullptr &&
        at.value != nullptr && at.schema->contains("const")) {
      return std::vector<std::string>{quoted_argument(at.path) + " must be " +
                                      at.schema->at("const").dump(-1, ' ', false, Json::error_handler_t::replace) +
                                      ", got " + detail::describe_json_value(*at.value)};
    }
    if (auto line = bound_message(description, at)) return std::vector<std::string>{std::move(*line)};
    return std::vector<std::string>{quoted_argument(at.path) + ": " + strip_period(description)};
  }

  Errors errors_;
};

// GCC's names carry the ABI's inline namespace ("std::__cxx11::..."), which is noise to a reader.
std::string readable_type_name(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  std::string name = status == 0 && demangled ? demangled.get() : mangled;
  for (std::string_view noise : {"__cxx11::"}) {
    for (auto pos = name.find(noise); pos != std::string::npos; pos = name.find(noise)) name.erase(pos, noise.size());
  }
  return name;
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
                                 (available.empty() ? std::string("none") : join(available, ", ")),
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
  auto lines = ErrorDescriber({results.begin(), results.end()}).describe_all(normalized, entry->strict_parameters);
  if (lines.empty()) lines.emplace_back("the arguments do not match the tool's parameters schema");
  return ToolResult::error(prefix() + join(lines, "; "), ToolErrorKind::invalid_arguments);
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
      return ToolResult::error(readable_type_name(typeid(e).name()) + ": " + e.what(), ToolErrorKind::execution);
    } catch (...) {
      const std::type_info* type = abi::__cxa_current_exception_type();
      return ToolResult::error("tool '" + std::string(name) + "' threw an exception of type " +
                                   (type != nullptr ? readable_type_name(type->name()) : std::string("unknown")),
                               ToolErrorKind::execution);
    }
  } catch (...) {
    // Only reachable when building a message itself failed (out of memory); the promise not to
    // throw holds as long as this last, allocation-light result can be made.
    return ToolResult::error("internal error while running tool", ToolErrorKind::execution);
  }
}

}  // namespace agentrace::tools
