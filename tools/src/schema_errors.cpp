// valijson's messages rewritten for a model. valijson's errors name neither the expected type nor
// every offending property, and a failed anyOf/oneOf is a flat list; each message recognised
// here by its text becomes one line that says what was expected and what was sent. The
// recognised texts are valijson's own (Debian 12: libvalijson-dev 1.0): tests/tools/
// schema_errors_test.cpp has a case per rewritten message, so a valijson upgrade that changes
// one fails a test instead of degrading the text the model reads.
#include "schema_errors.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <regex>

#include "agentrace/tools/typed_tool.hpp"

namespace agentrace::tools::detail {

namespace {

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

}  // namespace

std::vector<std::string> describe_schema_errors(const valijson::ValidationResults& results, const Json& arguments,
                                                const Json& schema) {
  return ErrorDescriber({results.begin(), results.end()}).describe_all(arguments, schema);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

}  // namespace agentrace::tools::detail
