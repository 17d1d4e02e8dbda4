// The embedded Lua 5.4 sandbox: a CodeExecutor whose programs run in-process in a lua_State of
// their own, built from an allow list (docs/code-actions.md states the guarantees and limits):
// - libraries: string (without string.dump), table, math, utf8, coroutine, and os.time,
//   os.clock and os.date; base functions without dofile, loadfile, warn and the real print;
//   load takes text chunks only; collectgarbage answers "count" only; setmetatable refuses
//   __gc; the strings' metatable is hidden;
// - no io, the rest of os, package, require, debug;
// - limits (Limits): an instruction budget and the wall clock through a count hook, memory
//   through the allocator, output through print, call depth through the hook (and the
//   interpreter's own C-stack limit); a limit reached cannot be caught by pcall.
// Tools are global functions taking a table of named arguments (`search{query = "x"}`) or
// positional ones in the order of the schema's "required" list; final_answer(value) ends the run.
#pragma once

#include <memory>
#include <vector>

#include "agentrace/code/executor.hpp"

namespace agentrace::code {

// `functions`: the tools and managed agents the program may call (final_answer is built in and
// not among them). The name a function gets in Lua is its own, with '-' as '_', and with "_tool"
// added when that would hide a Lua keyword or a sandbox global.
std::unique_ptr<CodeExecutor> make_lua_executor(std::vector<Function> functions, Limits limits = {});

// The Lua name of a tool called `name`.
[[nodiscard]] std::string lua_name(std::string_view name);

}  // namespace agentrace::code
