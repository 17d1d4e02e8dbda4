// Built-in tools.
#pragma once

#include <filesystem>
#include <memory>

#include "agentrace/tools/tool.hpp"

namespace agentrace::tools {

// final_answer(answer: string): the Runner ends the run with `answer` when the model calls it.
inline constexpr std::string_view final_answer_name = "final_answer";
ToolPtr make_final_answer_tool();

// calculator(expression: string): a safe arithmetic parser (never eval): + - * / ^ (right
// associative), parentheses, unary minus, numbers with decimals and exponents, constants pi and
// e, functions ln, log (base 10), exp, sqrt, pow(x, y), abs, round. Division by zero, sqrt or ln
// of a negative, overflow, unknown names and garbage are error results with the position.
ToolPtr make_calculator_tool();
// The evaluator itself; throws std::invalid_argument (message includes the position).
double evaluate_expression(std::string_view expression);

// current_time(): the current UTC time as ISO 8601 and Unix seconds.
ToolPtr make_current_time_tool();

// read_file(path) and list_dir(path) confined to `root`: absolute paths, `..` that leaves the
// root, and symlinks resolving outside it are rejected; read_file refuses files over
// max_bytes (default 256 KiB) and non-regular files.
ToolPtr make_read_file_tool(std::filesystem::path root, std::size_t max_bytes = 256 * 1024);
ToolPtr make_list_dir_tool(std::filesystem::path root);
// The confinement rule, for reuse: the canonical path of `relative` under `root`, or
// std::invalid_argument saying why not.
std::filesystem::path resolve_inside(const std::filesystem::path& root, const std::string& relative);

// remember(key, text) and recall(query, limit?) over the agent's MemoryStore (ToolContext::memory,
// which the Runner traces); an error result when the agent has no store. recall returns the hits
// ranked by BM25 as [{key, text, score}].
ToolPtr make_remember_tool();
ToolPtr make_recall_tool();

}  // namespace agentrace::tools
