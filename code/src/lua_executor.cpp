// The Lua sandbox. Lua is C: it reports errors with longjmp, which skips C++ destructors. So every
// function Lua calls here (the C functions, the hook, the message handler) keeps no C++ object
// with a destructor in its own frame while it calls anything that may raise a Lua error: C++
// work happens in helpers that return first (catching every exception), and the strings and JSON
// values the Lua side needs live in the Sandbox, on the heap. Nothing throws through Lua's frames.
//
// What keeps the program inside (docs/code-actions.md says it for users):
// - the environment is a table built here from an allow list, and it replaces the state's global
//   table, so no chunk (nor load) ever sees the functions the base library put there;
// - the limits are enforced by the allocator (memory), a count hook (instructions, the wall
//   clock, the stop token, call depth) and print (output). Once one is reached the sandbox is
//   "stopping": the hook raises again every period and the functions that catch errors (pcall,
//   xpcall, coroutine.resume, coroutine.close) raise the error again instead of returning it, so
//   no program can swallow a limit;
// - finalizers (__gc) run with hooks off in Lua 5.4, where no budget could stop one: setmetatable
//   refuses a metatable with __gc, the only way a program could make one.
#include "agentrace/code/lua.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <lua.hpp>

namespace agentrace::code {
namespace {

constexpr int hook_period = 1000;  // instructions between two checks of the limits
constexpr int max_json_depth = 64;
constexpr const char* chunk_name = "=code";

const std::array<std::string_view, 22> lua_keywords = {"and",   "break", "do",     "else", "elseif", "end",
                                                       "false", "for",   "function", "goto", "if",     "in",
                                                       "local", "nil",   "not",    "or",   "repeat", "return",
                                                       "then",  "true",  "until",  "while"};

// The globals of the sandbox besides the tools (a tool with one of these names is renamed).
const std::array<std::string_view, 28> sandbox_globals = {
    "_G",       "_VERSION", "assert",   "error",    "getmetatable", "ipairs",   "next",
    "pairs",    "pcall",    "print",    "rawequal", "rawget",       "rawlen",   "rawset",
    "select",   "setmetatable", "tonumber", "tostring", "type",     "xpcall",   "load",
    "collectgarbage", "string", "table", "math",  "utf8",         "coroutine", "os"};

std::string format_bytes(std::size_t bytes) {
  if (bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MiB";
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

struct Sandbox {
  Limits limits;
  std::vector<Function> functions;
  std::vector<std::string> names;  // each function's name in Lua

  // Memory: what the allocator has handed out, and whether the cap applies (only while the
  // program runs: the host's own calls outside a protected call must never fail).
  std::size_t used = 0;
  bool capped = false;

  // One execution.
  std::uint64_t instructions = 0;
  Clock::time_point deadline{};
  std::stop_token stop;
  ErrorKind stopping = ErrorKind::none;  // a limit reached (or the run stopped): the program must end
  int stopped_line = 0;
  bool finished = false;  // final_answer was called
  std::optional<Json> final_answer;
  std::string output;
  std::size_t output_cut = 0;
  std::size_t calls = 0;
  const CallHandler* handler = nullptr;

  // Text a Lua-side function pushes (so no std::string lives in its frame), and messages made
  // before the program runs (so raising one allocates nothing C++).
  std::string scratch;
  Json result;  // the call's result being pushed into Lua
  std::string instructions_message, timeout_message, memory_message, depth_message, stop_message;

  [[nodiscard]] bool ending() const noexcept { return finished || stopping != ErrorKind::none; }

  const std::string& stopping_message() const noexcept {
    switch (stopping) {
      case ErrorKind::instructions: return instructions_message;
      case ErrorKind::timeout: return timeout_message;
      case ErrorKind::memory: return memory_message;
      case ErrorKind::depth: return depth_message;
      default: return stop_message;
    }
  }

  void write(const char* data, std::size_t size) noexcept {
    const std::size_t room = output.size() < limits.output_bytes ? limits.output_bytes - output.size() : 0;
    const std::size_t kept = std::min(room, size);
    try {
      output.append(data, kept);
    } catch (...) {
      output_cut += kept;
    }
    output_cut += size - kept;
  }
};

Sandbox& sandbox_of(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return *static_cast<Sandbox*>(ud);
}

void* allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) noexcept {
  auto* sb = static_cast<Sandbox*>(ud);
  const std::size_t old = ptr != nullptr ? old_size : 0;
  if (new_size == 0) {
    std::free(ptr);  // NOLINT: Lua's allocator contract is realloc/free
    sb->used -= old;
    return nullptr;
  }
  if (sb->capped && new_size > old && sb->used - old + new_size > sb->limits.memory_bytes) {
    // Lua collects and tries once more before it raises; the program ends either way.
    if (sb->stopping == ErrorKind::none) sb->stopping = ErrorKind::memory;
    return nullptr;
  }
  void* p = std::realloc(ptr, new_size);  // NOLINT
  if (p == nullptr) return nullptr;
  sb->used = sb->used - old + new_size;
  return p;
}

// Raises the error of a limit reached. Never returns.
int raise_stopping(lua_State* L, Sandbox& sb) {
  const std::string& m = sb.finished ? sb.stop_message : sb.stopping_message();
  lua_pushlstring(L, m.data(), m.size());
  return lua_error(L);
}

// Pushes "code:N: " for the nearest caller with a line (a function called through pcall has
// pcall, a C function, as its direct caller), or "".
void push_where(lua_State* L) {
  lua_Debug ar;
  for (int level = 1; level < 64 && lua_getstack(L, level, &ar) != 0; ++level) {
    if (lua_getinfo(L, "Sl", &ar) != 0 && ar.currentline > 0) {
      lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
      return;
    }
  }
  lua_pushliteral(L, "");
}

// Raises sb.scratch with the position of the caller ("code:3: ..."). Never returns.
int raise_scratch(lua_State* L, Sandbox& sb) {
  push_where(L);
  lua_pushlstring(L, sb.scratch.data(), sb.scratch.size());
  lua_concat(L, 2);
  return lua_error(L);
}

// The coroutines a limit stopped. An error raised from a hook leaves the thread it ran in with
// its hooks off (Lua restores them only where a protected call catches the error, and an error
// that ends a coroutine is caught by no call of its own): such a coroutine must never run program
// code again, which closing it (its pending __close handlers) would do, with no budget to stop it.
const char killed_threads_key = 'k';

void mark_killed(lua_State* L, Sandbox& sb) {
  if (lua_pushthread(L) == 1) {  // the main thread: the host's protected call restores its hooks
    lua_pop(L, 1);
    return;
  }
  const bool capped = sb.capped;
  sb.capped = false;  // a few bytes past the cap, to record it
  lua_rawgetp(L, LUA_REGISTRYINDEX, &killed_threads_key);
  lua_insert(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  sb.capped = capped;
}

bool was_killed(lua_State* L, int index) {
  index = lua_absindex(L, index);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &killed_threads_key);
  lua_pushvalue(L, index);
  const bool killed = lua_rawget(L, -2) != LUA_TNIL;
  lua_pop(L, 2);
  return killed;
}

void count_hook(lua_State* L, lua_Debug* ar) {
  Sandbox& sb = sandbox_of(L);
  sb.instructions += hook_period;
  if (sb.stopping == ErrorKind::none && !sb.finished) {
    if (sb.instructions > sb.limits.instructions) {
      sb.stopping = ErrorKind::instructions;
    } else if (Clock::now() >= sb.deadline) {
      sb.stopping = ErrorKind::timeout;
    } else if (sb.stop.stop_requested()) {
      sb.stopping = ErrorKind::stopped;
    } else {
      lua_Debug deep;
      if (lua_getstack(L, sb.limits.max_call_depth, &deep) != 0) sb.stopping = ErrorKind::depth;
    }
    if (sb.stopping != ErrorKind::none && lua_getinfo(L, "Sl", ar) != 0 && ar->currentline > 0 &&
        std::strcmp(ar->source, chunk_name) == 0) {
      sb.stopped_line = ar->currentline;
    }
  }
  if (sb.ending()) {
    mark_killed(L, sb);
    raise_stopping(L, sb);
  }
}

// ---- Lua values <-> JSON ----------------------------------------------------------------

// Reads the value at `index` into `out` without raising (raw access only, no metamethods, no
// string conversions); false with sb.scratch saying why it is not JSON.
bool to_json(lua_State* L, int index, Json& out, int depth, Sandbox& sb) {
  index = lua_absindex(L, index);
  switch (lua_type(L, index)) {
    case LUA_TNIL: out = nullptr; return true;
    case LUA_TBOOLEAN: out = lua_toboolean(L, index) != 0; return true;
    case LUA_TNUMBER: {
      if (lua_isinteger(L, index) != 0) {
        out = static_cast<std::int64_t>(lua_tointeger(L, index));
        return true;
      }
      const double d = lua_tonumber(L, index);
      if (!std::isfinite(d)) {
        sb.scratch = "a number that is not finite (nan or inf) has no JSON form";
        return false;
      }
      // 10 / 2 is 5.0 in Lua: a tool whose parameter is an integer must accept it.
      if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0) out = static_cast<std::int64_t>(d);
      else out = d;
      return true;
    }
    case LUA_TSTRING: {
      std::size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      out = std::string(s, len);
      return true;
    }
    case LUA_TTABLE: break;
    default:
      sb.scratch = std::string("a ") + lua_typename(L, lua_type(L, index)) + " has no JSON form";
      return false;
  }
  if (depth >= max_json_depth) {
    sb.scratch = "tables nest deeper than " + std::to_string(max_json_depth) + " levels (a table that contains itself?)";
    return false;
  }
  if (lua_checkstack(L, 4) == 0) {
    sb.scratch = "out of memory";
    return false;
  }
  // A sequence 1..n is an array; string keys make an object; anything else has no JSON form.
  std::size_t count = 0;
  lua_Integer max_key = 0;
  bool integer_keys = true, string_keys = true;
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    ++count;
    if (lua_type(L, -2) == LUA_TNUMBER && lua_isinteger(L, -2) != 0 && lua_tointeger(L, -2) >= 1) {
      max_key = std::max(max_key, lua_tointeger(L, -2));
      string_keys = false;
    } else if (lua_type(L, -2) == LUA_TSTRING) {
      integer_keys = false;
    } else {
      integer_keys = string_keys = false;
    }
    lua_pop(L, 1);
  }
  if (count == 0) {
    out = Json::array();
    return true;
  }
  if (integer_keys && static_cast<std::size_t>(max_key) == count) {
    out = Json::array();
    for (lua_Integer i = 1; i <= max_key; ++i) {
      lua_rawgeti(L, index, i);
      Json item;
      const bool ok = to_json(L, -1, item, depth + 1, sb);
      lua_pop(L, 1);
      if (!ok) return false;
      out.push_back(std::move(item));
    }
    return true;
  }
  if (!string_keys) {
    sb.scratch = "a table with keys other than strings or 1..n has no JSON form";
    return false;
  }
  out = Json::object();
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    std::size_t len = 0;
    const char* k = lua_tolstring(L, -2, &len);  // a string already: no conversion
    Json item;
    if (!to_json(L, -1, item, depth + 1, sb)) {
      lua_pop(L, 2);
      return false;
    }
    out[std::string(k, len)] = std::move(item);
    lua_pop(L, 1);
  }
  return true;
}

// Pushes `j` as a Lua value. May raise (out of memory); keeps nothing with a destructor in its
// frames (map iterators and references only).
void push_json(lua_State* L, const Json& j, int depth) {
  luaL_checkstack(L, 3, "the value nests too deep");
  switch (j.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded: lua_pushnil(L); return;
    case Json::value_t::boolean: lua_pushboolean(L, j.get<bool>() ? 1 : 0); return;
    case Json::value_t::number_integer: lua_pushinteger(L, static_cast<lua_Integer>(j.get<std::int64_t>())); return;
    case Json::value_t::number_unsigned: {
      const std::uint64_t u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<lua_Integer>::max())) lua_pushinteger(L, static_cast<lua_Integer>(u));
      else lua_pushnumber(L, static_cast<lua_Number>(u));
      return;
    }
    case Json::value_t::number_float: {
      // JSON has one kind of number: 5.0 from a tool is the integer 5 to the program.
      const double d = j.get<double>();
      if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0) lua_pushinteger(L, static_cast<lua_Integer>(d));
      else lua_pushnumber(L, d);
      return;
    }
    case Json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case Json::value_t::binary: lua_pushnil(L); return;
    case Json::value_t::array: {
      if (depth >= max_json_depth) {
        lua_pushnil(L);
        return;
      }
      const auto& a = j.get_ref<const Json::array_t&>();
      lua_createtable(L, static_cast<int>(std::min<std::size_t>(a.size(), 1u << 20)), 0);
      lua_Integer i = 1;
      for (auto it = a.begin(); it != a.end(); ++it, ++i) {
        push_json(L, *it, depth + 1);
        lua_rawseti(L, -2, i);
      }
      return;
    }
    case Json::value_t::object: {
      if (depth >= max_json_depth) {
        lua_pushnil(L);
        return;
      }
      const auto& o = j.get_ref<const Json::object_t&>();
      lua_createtable(L, 0, static_cast<int>(std::min<std::size_t>(o.size(), 1u << 20)));
      for (auto it = o.begin(); it != o.end(); ++it) {
        lua_pushlstring(L, it->first.data(), it->first.size());
        push_json(L, it->second, depth + 1);
        lua_rawset(L, -3);
      }
      return;
    }
  }
  lua_pushnil(L);
}

// ---- The functions of the sandbox -------------------------------------------------------

// The arguments of a call as the tool's JSON object: one table of named arguments, or values in
// the order of the schema's "required" list (then its other properties, by name).
bool call_arguments(lua_State* L, const Function& f, Json& args, Sandbox& sb) noexcept {
  try {
    const int n = lua_gettop(L);
    args = Json::object();
    if (n == 0) return true;
    if (n == 1 && lua_type(L, 1) == LUA_TTABLE) {
      // A sequence passed alone is the first parameter's value; anything else names them.
      lua_rawgeti(L, 1, 1);
      const bool sequence = lua_type(L, -1) != LUA_TNIL;
      lua_pop(L, 1);
      if (!sequence) {
        if (!to_json(L, 1, args, 0, sb)) return false;
        if (args.is_array()) args = Json::object();  // {} is no arguments
        return true;
      }
    }
    std::vector<std::string> order;
    if (const auto it = f.parameters.find("required"); it != f.parameters.end() && it->is_array()) {
      for (const auto& r : *it) {
        if (r.is_string()) order.push_back(r.get<std::string>());
      }
    }
    if (const auto it = f.parameters.find("properties"); it != f.parameters.end() && it->is_object()) {
      for (const auto& [name, _] : it->items()) {
        if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
      }
    }
    if (static_cast<std::size_t>(n) > order.size()) {
      sb.scratch = sb.names[static_cast<std::size_t>(&f - sb.functions.data())] + " takes at most " +
                   std::to_string(order.size()) + " arguments, got " + std::to_string(n);
      return false;
    }
    for (int i = 1; i <= n; ++i) {
      if (lua_type(L, i) == LUA_TNIL) continue;
      Json value;
      if (!to_json(L, i, value, 0, sb)) {
        sb.scratch = "argument '" + order[static_cast<std::size_t>(i - 1)] + "': " + sb.scratch;
        return false;
      }
      args[order[static_cast<std::size_t>(i - 1)]] = std::move(value);
    }
    return true;
  } catch (const std::exception& e) {
    try {
      sb.scratch = std::string("could not convert the arguments: ") + e.what();
    } catch (...) {
    }
    return false;
  }
}

// Runs the call through the host's handler; sb.result or sb.scratch (an error) holds what came back.
// Returns false for an error.
bool run_call(const Function& f, Sandbox& sb) noexcept {
  try {
    ++sb.calls;
    Json args = std::move(sb.result);
    sb.result = nullptr;
    CallResult r = (*sb.handler)(f.name, std::move(args));
    if (r.stop) {
      if (sb.stopping == ErrorKind::none) sb.stopping = ErrorKind::stopped;
      sb.stop_message = r.value.is_string() ? r.value.get<std::string>() : r.value.dump();
      return false;
    }
    if (r.is_error) {
      std::string text = r.value.is_string() ? r.value.get<std::string>() : r.value.dump();
      // "tool 'x' failed: ..." names the tool already; a bare message gets the function's name.
      sb.scratch = text.rfind("tool '", 0) == 0 ? std::move(text)
                                                 : sb.names[static_cast<std::size_t>(&f - sb.functions.data())] + ": " + text;
      return false;
    }
    sb.result = std::move(r.value);
    return true;
  } catch (const std::exception& e) {
    try {
      sb.scratch = f.name + ": " + e.what();
    } catch (...) {
    }
    return false;
  }
}

int call_function(lua_State* L) {
  Sandbox& sb = sandbox_of(L);
  if (sb.ending()) return raise_stopping(L, sb);
  const auto index = static_cast<std::size_t>(lua_tointeger(L, lua_upvalueindex(1)));
  const Function& f = sb.functions[index];
  sb.result = nullptr;
  if (!call_arguments(L, f, sb.result, sb)) return raise_scratch(L, sb);
  if (!run_call(f, sb)) {
    if (sb.ending()) return raise_stopping(L, sb);
    return raise_scratch(L, sb);
  }
  push_json(L, sb.result, 0);
  return 1;
}

bool take_final_answer(lua_State* L, Sandbox& sb) noexcept {
  try {
    Json value;
    if (!to_json(L, 1, value, 0, sb)) {
      sb.scratch = "final_answer: " + sb.scratch;
      return false;
    }
    sb.final_answer = std::move(value);
    sb.finished = true;
    sb.stop_message = "final_answer was called";
    return true;
  } catch (const std::exception& e) {
    try {
      sb.scratch = std::string("final_answer: ") + e.what();
    } catch (...) {
    }
    return false;
  }
}

int final_answer(lua_State* L) {
  Sandbox& sb = sandbox_of(L);
  if (sb.ending()) return raise_stopping(L, sb);
  lua_settop(L, 1);
  if (!take_final_answer(L, sb)) return raise_scratch(L, sb);
  return raise_stopping(L, sb);  // unwinds the program; the host sees `finished`
}

int print(lua_State* L) {
  Sandbox& sb = sandbox_of(L);
  const int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    std::size_t len = 0;
    const char* s = luaL_tolstring(L, i, &len);  // __tostring may raise: nothing here to unwind
    if (i > 1) sb.write("\t", 1);
    sb.write(s, len);
    lua_pop(L, 1);
  }
  sb.write("\n", 1);
  return 0;
}

// pcall, xpcall, coroutine.resume and coroutine.close, guarded: the original (upvalue 1) runs,
// and when the program must end its error is raised again rather than handed back.
int after_guarded(lua_State* L, int /*status*/, lua_KContext /*ctx*/) {
  Sandbox& sb = sandbox_of(L);
  if (sb.ending()) return raise_stopping(L, sb);
  return lua_gettop(L);
}

int guarded(lua_State* L) {
  Sandbox& sb = sandbox_of(L);
  if (sb.ending()) return raise_stopping(L, sb);
  const int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_callk(L, n, LUA_MULTRET, 0, after_guarded);
  return after_guarded(L, LUA_OK, 0);
}

// xpcall with the program's message handler wrapped: when the program must end, the handler is
// not run (an error raised from the hook would run it with hooks off, where nothing stops it).
int guarded_handler(lua_State* L) {
  Sandbox& sb = sandbox_of(L);
  if (sb.ending()) return 1;
  const int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, 1);
  return 1;
}

int guarded_xpcall(lua_State* L) {
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, guarded_handler, 1);
  lua_replace(L, 2);
  return guarded(L);
}

// coroutine.close, except for a coroutine a limit stopped (see mark_killed).
int guarded_close(lua_State* L) {
  Sandbox& sb = sandbox_of(L);
  if (sb.ending()) return raise_stopping(L, sb);
  luaL_checktype(L, 1, LUA_TTHREAD);
  if (was_killed(L, 1)) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "the coroutine was stopped by a limit; its pending __close handlers do not run");
    return 2;
  }
  return guarded(L);
}

// coroutine.wrap, in Lua over the guarded create, resume and close (the library's own wrap
// closes a failed coroutine itself, which a stopped one must never be).
constexpr const char* wrap_source = R"(
local create, resume, close, pack, unpack = ...
return function(f)
  local co = create(f)
  return function(...)
    local r = pack(resume(co, ...))
    if r[1] then return unpack(r, 2, r.n) end
    close(co)
    error(r[2], 0)
  end
end
)";

// string.find, match, gmatch and gsub, guarded: Lua matches patterns in C, where neither the
// instruction budget nor the clock is checked, and a pattern with several repetition items
// backtracks through a long subject for hours ("(.-)(.-)(.-)x" over 100 KB). So a call whose
// worst case, about n^(k+1) steps for k repetition items over n bytes (n^k when anchored with
// ^), would exceed what the time limit allows is refused before it starts, with an error that
// says how to get through. Plain finds (string.find's 4th argument) are not patterns.
int repetition_items(const char* p, std::size_t len) {
  int count = 0;
  for (std::size_t i = 0; i < len; ++i) {
    const char c = p[i];
    if (c == '%') {
      ++i;
    } else if (c == '[') {
      ++i;
      if (i < len && p[i] == '^') ++i;
      if (i < len && p[i] == ']') ++i;  // a ] first is literal
      while (i < len && p[i] != ']') {
        if (p[i] == '%') ++i;
        ++i;
      }
    } else if ((c == '*' || c == '+' || c == '-') && i > 0) {
      ++count;
    }
  }
  return count;
}

int guarded_pattern(lua_State* L) {
  Sandbox& sb = sandbox_of(L);
  if (sb.ending()) return raise_stopping(L, sb);
  std::size_t n = 0, len = 0;
  luaL_checklstring(L, 1, &n);
  const char* p = luaL_checklstring(L, 2, &len);
  const bool plain = lua_toboolean(L, lua_upvalueindex(2)) != 0 && lua_toboolean(L, 4) != 0;
  if (!plain) {
    const int items = repetition_items(p, len);
    const bool anchored = len > 0 && p[0] == '^';
    const double steps = std::pow(static_cast<double>(std::max<std::size_t>(n, 1)), items + (anchored ? 0 : 1));
    // About 2e8 simple matching steps a second, over the execution's time limit.
    const double allowed = 2e5 * static_cast<double>(sb.limits.timeout.count());
    if (items > 0 && steps > allowed) {
      char text[256];
      std::snprintf(text, sizeof text,
                    "this pattern could take too long on a string of %zu bytes (%d repetition items, about %.0e steps "
                    "at worst; the limit is %.0e): match a shorter string, or use fewer of * + -",
                    n, items, steps, allowed);
      return luaL_error(L, "%s", text);
    }
  }
  const int args = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, args, LUA_MULTRET);
  return lua_gettop(L);
}

// load: text chunks only (never binary: bytecode is not checked by Lua and can break out).
int load_text(lua_State* L) {
  const int n = lua_gettop(L);
  lua_settop(L, std::max(n, 3));
  lua_pushliteral(L, "t");
  lua_replace(L, 3);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, std::max(n, 3), LUA_MULTRET);
  return lua_gettop(L);
}

int set_metatable(lua_State* L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) {
      return luaL_error(L, "setmetatable: __gc metamethods are not allowed in the sandbox (finalizers run where no limit can stop them)");
    }
    lua_pop(L, 1);
  }
  const int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

int collect_garbage(lua_State* L) {
  const char* option = luaL_optstring(L, 1, "count");
  if (std::strcmp(option, "count") != 0) {
    return luaL_error(L, "collectgarbage: only \"count\" is allowed in the sandbox");
  }
  const int kb = lua_gc(L, LUA_GCCOUNT, 0);
  const int b = lua_gc(L, LUA_GCCOUNTB, 0);
  lua_pushnumber(L, static_cast<lua_Number>(kb) + static_cast<lua_Number>(b) / 1024.0);
  return 1;
}

// The message handler of the program's protected call: turns any error object into text with
// the line where it happened, without ever calling a metamethod outside a protected call.
int message_handler(lua_State* L) {
  Sandbox& sb = sandbox_of(L);
  if (sb.ending()) return 1;  // the host reports the limit (or the answer) itself
  const int type = lua_type(L, 1);
  if (type == LUA_TSTRING) return 1;  // Lua put the position in it already
  if (type == LUA_TNUMBER) {
    push_where(L);
    lua_pushvalue(L, 1);
    lua_concat(L, 2);  // numbers convert without metamethods
    return 1;
  }
  push_where(L);
  if (luaL_getmetafield(L, 1, "__tostring") != LUA_TNIL) {
    lua_pushvalue(L, 1);
    if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING) {
      lua_concat(L, 2);
      return 1;
    }
    lua_pop(L, 1);
    if (sb.ending()) return 1;
    lua_pushfstring(L, "(an error object of type %s whose __tostring failed)", luaL_typename(L, 1));
  } else {
    lua_pushfstring(L, "(an error object of type %s)", luaL_typename(L, 1));
  }
  lua_concat(L, 2);
  return 1;
}

// The program's results as one line of text (its last expression's value), in a protected call:
// __tostring and __name are the program's own code.
bool results_text(lua_State* L, int index, Sandbox& sb) noexcept {
  try {
    Json j;
    if (!to_json(L, index, j, 0, sb)) return false;
    sb.scratch = j.dump(-1, ' ', false, Json::error_handler_t::replace);
    return true;
  } catch (...) {
    return false;
  }
}

int format_results(lua_State* L) {
  Sandbox& sb = sandbox_of(L);
  const int n = lua_gettop(L);
  luaL_checkstack(L, 2 * n + 2, "too many results");
  int pieces = 0;
  for (int i = 1; i <= n; ++i) {
    if (i > 1) {
      lua_pushliteral(L, ", ");
      ++pieces;
    }
    ++pieces;
    if (lua_type(L, i) == LUA_TTABLE) {
      if (luaL_getmetafield(L, i, "__tostring") != LUA_TNIL) {
        lua_pop(L, 1);
      } else if (results_text(L, i, sb)) {
        lua_pushlstring(L, sb.scratch.data(), sb.scratch.size());
        continue;
      }
    }
    luaL_tolstring(L, i, nullptr);
  }
  lua_concat(L, pieces);
  return 1;
}

// ---- Building the sandbox ---------------------------------------------------------------

void copy_fields(lua_State* L, int from, int to, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    lua_getfield(L, from, name);
    lua_setfield(L, to, name);
  }
}

// A guarded copy of the function `name` of the table at `from`, stored under `name` in `to`.
void set_guarded(lua_State* L, int from, int to, const char* name, lua_CFunction wrapper) {
  lua_getfield(L, from, name);
  lua_pushcclosure(L, wrapper, 1);
  lua_setfield(L, to, name);
}

std::string type_of(const Json& schema) {
  if (const auto it = schema.find("type"); it != schema.end()) {
    if (it->is_string()) return it->get<std::string>();
    if (it->is_array()) {
      std::string t;
      for (const auto& x : *it) {
        if (!x.is_string()) continue;
        if (!t.empty()) t += "|";
        t += x.get<std::string>();
      }
      return t;
    }
  }
  if (schema.contains("enum")) return "one of " + schema.at("enum").dump();
  return "any";
}

class LuaExecutor final : public CodeExecutor {
 public:
  LuaExecutor(std::vector<Function> functions, Limits limits) : sb_(std::make_unique<Sandbox>()) {
    sb_->limits = limits;
    sb_->functions = std::move(functions);
    for (const auto& f : sb_->functions) sb_->names.push_back(lua_name(f.name));
    sb_->instructions_message = "the code used its instruction budget (" + std::to_string(limits.instructions) +
                                " instructions): make it do less, or loop less";
    sb_->timeout_message =
        "the code ran out of time (" + std::to_string(limits.timeout.count()) + " ms, calls included)";
    sb_->memory_message = "the code reached the memory limit (" + format_bytes(limits.memory_bytes) +
                          "): keep less data, and set globals you no longer need to nil";
    sb_->depth_message = "calls nest deeper than " + std::to_string(limits.max_call_depth) +
                         " levels (runaway recursion?)";
    sb_->stop_message = "the run was stopped";
    reset();
  }

  ~LuaExecutor() override {
    // No finalizers exist (setmetatable refuses __gc), so closing runs no program code.
    sb_->capped = false;
    lua_close(L_);
  }

  std::string_view language() const noexcept override { return "lua"; }

  std::size_t memory_in_use() const noexcept override { return sb_->used; }

  std::string prompt() const override {
    std::string text =
        "You act by writing Lua 5.4 code. Reply with a short thought, then one code block:\n"
        "```lua\n-- your code\n```\n"
        "The code runs, and next step you see what it printed with print() and the value of its "
        "last line. Globals you set stay for the next steps (locals do not). Call final_answer(value) "
        "with the answer when you have it; it ends the task.\n"
        "Call the functions below with a table of named arguments, e.g. f{a = 1, b = \"x\"}. They return "
        "strings, or tables for JSON results; a failed call raises an error, which pcall catches.\n"
        "Available: string (without string.dump), table, math, utf8, coroutine, os.time, os.clock, "
        "os.date, and the base functions; no io, os.execute, require or debug. The code has limits: ";
    text += std::to_string(sb_->limits.instructions) + " instructions, " + std::to_string(sb_->limits.timeout.count()) +
            " ms, " + format_bytes(sb_->limits.memory_bytes) + " of memory, " +
            std::to_string(sb_->limits.output_bytes) + " bytes of output.\n\nFunctions:\n";
    for (std::size_t i = 0; i < sb_->functions.size(); ++i) {
      const Function& f = sb_->functions[i];
      std::vector<std::string> required;
      if (const auto it = f.parameters.find("required"); it != f.parameters.end() && it->is_array()) {
        for (const auto& r : *it) {
          if (r.is_string()) required.push_back(r.get<std::string>());
        }
      }
      std::string signature = sb_->names[i] + "{";
      std::string docs;
      if (const auto it = f.parameters.find("properties"); it != f.parameters.end() && it->is_object()) {
        bool first = true;
        // Required parameters first, in their declared order, then the others.
        std::vector<std::string> order = required;
        for (const auto& [name, _] : it->items()) {
          if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
        }
        for (const auto& name : order) {
          if (!it->contains(name)) continue;
          const Json& p = it->at(name);
          const bool is_required = std::find(required.begin(), required.end(), name) != required.end();
          if (!first) signature += ", ";
          first = false;
          signature += name + " = <" + type_of(p) + (is_required ? "" : ", optional") + ">";
          if (const auto d = p.find("description"); d != p.end() && d->is_string()) {
            docs += "    " + name + ": " + d->get<std::string>() + "\n";
          }
        }
      }
      signature += "}";
      text += "- " + signature + "\n    " + f.description + "\n" + docs;
    }
    text += "- final_answer(value)\n    Ends the task with value (a string, number, boolean or table).\n";
    return text;
  }

  Execution execute(std::string_view code, const CallHandler& calls, std::stop_token stop,
                    std::optional<Clock::time_point> deadline) override {
    Sandbox& sb = *sb_;
    lua_State* L = L_;
    sb.instructions = 0;
    sb.deadline = Clock::now() + sb.limits.timeout;
    if (deadline && *deadline < sb.deadline) sb.deadline = *deadline;
    sb.stop = std::move(stop);
    sb.stopping = ErrorKind::none;
    sb.stopped_line = 0;
    sb.finished = false;
    sb.final_answer.reset();
    sb.output.clear();
    sb.output_cut = 0;
    sb.calls = 0;
    sb.handler = &calls;
    sb.stop_message = "the run was stopped";
    lua_settop(L, 0);

    Execution ex;
    lua_pushcfunction(L, message_handler);  // 1
    // The last line as an expression first ("return <line>"): its value is part of what the
    // model reads. When that does not compile, the code as written. Compiling is not capped (its
    // memory follows the code's length, which the model's reply bounds): a program must be able
    // to run `big = nil` in a state that its earlier steps filled to the cap.
    int status = LUA_ERRSYNTAX;
    if (const auto with_return = returning_last_line(code)) {
      status = luaL_loadbufferx(L, with_return->data(), with_return->size(), chunk_name, "t");
      if (status != LUA_OK) lua_pop(L, 1);
    }
    if (status != LUA_OK) status = luaL_loadbufferx(L, code.data(), code.size(), chunk_name, "t");
    if (status == LUA_OK) {
      sb.capped = true;
      lua_sethook(L, count_hook, LUA_MASKCOUNT, hook_period);
      status = lua_pcall(L, 0, LUA_MULTRET, 1);
      bool any = false;
      for (int i = 2; i <= lua_gettop(L); ++i) any = any || lua_type(L, i) != LUA_TNIL;
      if (status == LUA_OK && !sb.ending() && any) {
        // Its results, as text, in a protected call of their own (still under the limits).
        const int results = lua_gettop(L) - 1;
        lua_pushcfunction(L, format_results);
        lua_insert(L, 2);
        const int formatted = lua_pcall(L, results, 1, 1);
        if (formatted == LUA_OK && !sb.ending()) {
          std::size_t len = 0;
          const char* s = lua_tolstring(L, -1, &len);
          if (s != nullptr) ex.value = std::string(s, len);
        } else if (formatted != LUA_OK && !sb.ending()) {
          status = formatted;
        }
      }
      lua_sethook(L, nullptr, 0, 0);
    }
    sb.capped = false;

    if (sb.finished) {
      ex.final_answer = std::move(sb.final_answer);
    } else if (sb.stopping != ErrorKind::none) {
      ex.error_kind = sb.stopping;
      ex.error = sb.stopped_line > 0 ? "code:" + std::to_string(sb.stopped_line) + ": " + sb.stopping_message()
                                     : sb.stopping_message();
    } else if (status == LUA_ERRMEM) {
      ex.error_kind = ErrorKind::memory;
      ex.error = sb.memory_message;
    } else if (status != LUA_OK) {
      ex.error_kind = status == LUA_ERRSYNTAX ? ErrorKind::syntax : ErrorKind::runtime;
      std::size_t len = 0;
      const char* s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : nullptr;
      ex.error = s != nullptr ? std::string(s, len) : "an error without a message";
      if (status == LUA_ERRERR) ex.error = "an error whose message could not be made (" + ex.error + ")";
      if (ex.error.find("stack overflow") != std::string::npos) ex.error_kind = ErrorKind::depth;
    }
    ex.output = std::move(sb.output);
    if (sb.output_cut > 0) {
      if (!ex.output.empty() && ex.output.back() != '\n') ex.output += '\n';
      ex.output += "[... " + std::to_string(sb.output_cut) + " bytes cut]\n";
    }
    sb.output.clear();
    ex.calls = sb.calls;
    ex.instructions = sb.instructions;
    sb.handler = nullptr;
    sb.stop = {};
    sb.result = nullptr;
    lua_settop(L, 0);
    // After a memory error the program's garbage is freed now, not at its next allocation. When
    // what is left (the globals of its steps) still fills most of the cap, no program could run
    // in it, not even one that drops them: the interpreter starts again, empty.
    if (ex.error_kind == ErrorKind::memory) {
      lua_gc(L, LUA_GCCOLLECT);
      if (sb.used > sb.limits.memory_bytes / 4 * 3) {
        reset();
        ex.error += "; the interpreter was reset, so the globals of earlier steps are gone";
      }
    }
    return ex;
  }

 private:
  // `code` with "return " before its last non-empty line, or none when that line cannot start
  // an expression (a statement keyword, an assignment's `local`, a comment).
  static std::optional<std::string> returning_last_line(std::string_view code) {
    std::size_t end = code.size();
    while (end > 0 && (code[end - 1] == '\n' || code[end - 1] == '\r' || code[end - 1] == ' ' || code[end - 1] == '\t')) --end;
    if (end == 0) return std::nullopt;
    std::size_t start = code.rfind('\n', end - 1);
    start = start == std::string_view::npos ? 0 : start + 1;
    std::size_t first = start;
    while (first < end && (code[first] == ' ' || code[first] == '\t')) ++first;
    const std::string_view line = code.substr(first, end - first);
    for (std::string_view word : {"return", "local", "end", "--", "break", "goto", "until", "}", ")"}) {
      if (line.substr(0, word.size()) == word) return std::nullopt;
    }
    std::string text(code.substr(0, first));
    text += "return ";
    text += line;
    return text;
  }

  // A new interpreter state, built from the allow list.
  void reset() {
    if (L_ != nullptr) {
      sb_->capped = false;
      lua_close(L_);
      L_ = nullptr;
    }
    L_ = lua_newstate(allocate, sb_.get());
    if (L_ == nullptr) throw std::bad_alloc();
    build();
  }

  void build() {
    lua_State* L = L_;
    luaL_requiref(L, "_G", luaopen_base, 0);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 0);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 0);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 0);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 0);
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 0);
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
    const int base = 1, str = 2, tab = 3, mth = 4, ut8 = 5, co = 6, os = 7;
    lua_newtable(L);  // 8: the sandbox's globals
    const int env = 8;
    lua_newtable(L);  // the coroutines a limit stopped, weak: they are garbage like any other
    lua_newtable(L);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &killed_threads_key);

    copy_fields(L, base, env,
                {"assert", "error", "getmetatable", "ipairs", "next", "pairs", "rawequal", "rawget", "rawlen", "rawset",
                 "select", "tonumber", "tostring", "type", "_VERSION"});
    set_guarded(L, base, env, "pcall", guarded);
    set_guarded(L, base, env, "xpcall", guarded_xpcall);
    set_guarded(L, base, env, "load", load_text);
    set_guarded(L, base, env, "setmetatable", set_metatable);
    lua_pushcfunction(L, print);
    lua_setfield(L, env, "print");
    lua_pushcfunction(L, collect_garbage);
    lua_setfield(L, env, "collectgarbage");
    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");

    // string: the library loses dump, and the strings' metatable (whose __index is the library)
    // is hidden, so ("").x reaches a table no program can reach or change; the global `string`
    // is a copy of it.
    lua_pushnil(L);
    lua_setfield(L, str, "dump");
    for (const char* name : {"find", "match", "gmatch", "gsub"}) {
      lua_getfield(L, str, name);
      lua_pushboolean(L, std::strcmp(name, "find") == 0 ? 1 : 0);  // only find has a plain mode
      lua_pushcclosure(L, guarded_pattern, 2);
      lua_setfield(L, str, name);
    }
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, str) != 0) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -4);
    }
    lua_setfield(L, env, "string");

    lua_pushvalue(L, tab);
    lua_setfield(L, env, "table");
    lua_pushvalue(L, mth);
    lua_setfield(L, env, "math");
    lua_pushvalue(L, ut8);
    lua_setfield(L, env, "utf8");

    lua_newtable(L);
    const int coroutines = lua_gettop(L);
    copy_fields(L, co, coroutines, {"create", "isyieldable", "running", "status", "yield"});
    set_guarded(L, co, coroutines, "resume", guarded);
    set_guarded(L, co, coroutines, "close", guarded_close);
    if (luaL_loadbufferx(L, wrap_source, std::strlen(wrap_source), "=sandbox", "t") != LUA_OK) {
      throw std::logic_error(std::string("the sandbox's coroutine.wrap does not compile: ") + lua_tostring(L, -1));
    }
    lua_getfield(L, co, "create");
    lua_getfield(L, coroutines, "resume");
    lua_getfield(L, coroutines, "close");
    lua_getfield(L, tab, "pack");
    lua_getfield(L, tab, "unpack");
    lua_call(L, 5, 1);
    lua_setfield(L, coroutines, "wrap");
    lua_setfield(L, env, "coroutine");

    lua_newtable(L);
    const int os_subset = lua_gettop(L);
    copy_fields(L, os, os_subset, {"time", "clock", "date"});
    lua_setfield(L, env, "os");

    lua_pushcfunction(L, final_answer);
    lua_setfield(L, env, "final_answer");
    for (std::size_t i = 0; i < sb_->functions.size(); ++i) {
      lua_pushinteger(L, static_cast<lua_Integer>(i));
      lua_pushcclosure(L, call_function, 1);
      lua_setfield(L, env, sb_->names[i].c_str());
    }

    // The sandbox's table becomes the state's globals: every chunk (load's included) sees it,
    // and the base library's own globals (dofile, loadfile, the real print) are garbage.
    lua_pushvalue(L, env);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    // The libraries' registry of loaded modules holds the originals: emptied.
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_settop(L, 0);
    lua_gc(L, LUA_GCCOLLECT);
  }

  std::unique_ptr<Sandbox> sb_;
  lua_State* L_ = nullptr;
};

}  // namespace

std::string lua_name(std::string_view name) {
  std::string n(name);
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  if (!n.empty() && n[0] >= '0' && n[0] <= '9') n.insert(0, "_");
  const bool clashes = std::find(lua_keywords.begin(), lua_keywords.end(), n) != lua_keywords.end() ||
                       std::find(sandbox_globals.begin(), sandbox_globals.end(), n) != sandbox_globals.end() ||
                       n == "final_answer";
  if (clashes) n += "_tool";
  return n;
}

std::unique_ptr<CodeExecutor> make_lua_executor(std::vector<Function> functions, Limits limits) {
  return std::make_unique<LuaExecutor>(std::move(functions), limits);
}

}  // namespace agentrace::code
