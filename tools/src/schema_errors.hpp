// valijson's validation errors rewritten into lines a model can act on: each names the argument
// by its path, what was expected (read from the schema) and what was sent. See schema_errors.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <valijson/validation_results.hpp>

#include "agentrace/tools/tool.hpp"

namespace agentrace::tools::detail {

// One line per problem, duplicates removed, in valijson's order. `arguments` are the ones that
// were validated and `schema` the tool's parameters schema as given to valijson.
std::vector<std::string> describe_schema_errors(const valijson::ValidationResults& results, const Json& arguments,
                                                const Json& schema);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

}  // namespace agentrace::tools::detail
