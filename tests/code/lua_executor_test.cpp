// The Lua sandbox on its own: values, calls, persistence, and every escape and abuse attempt the
// issue lists, each a clear error with the executor still usable afterwards.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "agentrace/code/lua.hpp"

using namespace agentrace;
using code::ErrorKind;
using code::Json;

namespace {

code::Function tool(std::string name, Json required = Json::array(), Json properties = Json::object()) {
  return {std::move(name), "a test tool", Json{{"type", "object"}, {"properties", properties}, {"required", required}}};
}

code::Limits small_limits() {
  code::Limits limits;
  limits.instructions = 2'000'000;
  limits.timeout = std::chrono::milliseconds(2'000);
  limits.memory_bytes = 8 * 1024 * 1024;
  limits.output_bytes = 1000;
  return limits;
}

// Records the calls; answers with `answer(name, args)`.
struct Calls {
  std::vector<std::pair<std::string, Json>> made;
  std::function<code::CallResult(const std::string&, const Json&)> answer = [](const std::string&, const Json& a) {
    return code::CallResult::ok(a);
  };
  code::CallHandler handler() {
    return [this](const std::string& name, Json args) {
      made.emplace_back(name, args);
      return answer(name, args);
    };
  }
};

code::Execution run(code::CodeExecutor& executor, std::string_view program) {
  Calls calls;
  return executor.execute(program, calls.handler());
}

// The executor still works after whatever the program did.
void still_works(code::CodeExecutor& executor) {
  const auto after = run(executor, "return 1 + 1");
  REQUIRE(after.ok());
  REQUIRE(after.value == "2");
}

}  // namespace

TEST_CASE("lua: output, last value and globals that persist from execution to execution", "[code]") {
  auto executor = code::make_lua_executor({}, small_limits());
  auto first = run(*executor, "x = 20\nprint('x is', x)\nx * 2");
  REQUIRE(first.ok());
  CHECK(first.output == "x is\t20\n");
  CHECK(first.value == "40");
  auto second = run(*executor, "local y = x + 1\nreturn y, 'ok'");
  REQUIRE(second.ok());
  CHECK(second.value == "21, ok");
  CHECK(run(*executor, "local z = 1").value == std::nullopt);
  CHECK(run(*executor, "t = {a = 1, b = {1, 2}}\nt").value == R"({"a":1,"b":[1,2]})");
  CHECK(executor->language() == "lua");
  CHECK(executor->memory_in_use() > 0);
}

TEST_CASE("lua: the observation shows output, value and error", "[code]") {
  auto executor = code::make_lua_executor({}, small_limits());
  auto ex = run(*executor, "print('hi')\nerror('boom')");
  CHECK(ex.error_kind == ErrorKind::runtime);
  CHECK(ex.error == "code:2: boom");
  CHECK(ex.observation() == "Output:\nhi\nError: code:2: boom");
  CHECK(run(*executor, "local a = 1").observation() == "The code ran, printed nothing and its last line has no value.");
}

TEST_CASE("lua: a syntax error names its line", "[code]") {
  auto executor = code::make_lua_executor({}, small_limits());
  auto ex = run(*executor, "x = 1\nif x then\nprint(x)\n");
  CHECK(ex.error_kind == ErrorKind::syntax);
  CHECK_THAT(ex.error, Catch::Contains("code:4:"));
  CHECK_THAT(ex.error, Catch::Contains("'end' expected"));
  still_works(*executor);
}

TEST_CASE("lua: tools take named or positional arguments and return Lua values", "[code]") {
  auto executor = code::make_lua_executor(
      {tool("search", Json::array({"query", "limit"}),
            Json{{"query", {{"type", "string"}}}, {"limit", {{"type", "integer"}}}}),
       tool("web-fetch", Json::array({"url"}), Json{{"url", {{"type", "string"}}}})},
      small_limits());
  Calls calls;
  calls.answer = [](const std::string& name, const Json& args) {
    if (name == "search") return code::CallResult::ok(Json{{"hits", Json::array({"a", "b"})}, {"n", args.at("limit")}});
    return code::CallResult::ok(Json("page of " + args.at("url").get<std::string>()));
  };
  auto ex = executor->execute(
      "local r = search{query = 'q', limit = 10 / 2}\n"
      "local s = search('q2', 3)\n"
      "print(r.hits[2], r.n, s.n, math.type(r.n))\n"
      "web_fetch{url = 'x'}",
      calls.handler());
  REQUIRE(ex.ok());
  CHECK(ex.output == "b\t5\t3\tinteger\n");
  CHECK(ex.value == "page of x");
  CHECK(ex.calls == 3);
  REQUIRE(calls.made.size() == 3);
  CHECK(calls.made[0].second == Json{{"query", "q"}, {"limit", 5}});
  CHECK(calls.made[1].second == Json{{"query", "q2"}, {"limit", 3}});
  CHECK(calls.made[2].first == "web-fetch");
  CHECK(code::lua_name("web-fetch") == "web_fetch");
  CHECK(code::lua_name("print") == "print_tool");
  CHECK(code::lua_name("end") == "end_tool");
}

TEST_CASE("lua: a failed call raises an error that pcall catches, or that ends the code", "[code]") {
  auto executor = code::make_lua_executor({tool("flaky")}, small_limits());
  Calls calls;
  calls.answer = [](const std::string&, const Json&) { return code::CallResult::error("the service is down"); };
  auto caught = executor->execute("local ok, err = pcall(flaky, {})\nprint(ok, err)\nreturn 'went on'", calls.handler());
  REQUIRE(caught.ok());
  CHECK(caught.output == "false\tcode:1: flaky: the service is down\n");
  CHECK(caught.value == "went on");
  auto uncaught = executor->execute("print('before')\nflaky{}\nprint('after')", calls.handler());
  CHECK(uncaught.error_kind == ErrorKind::runtime);
  CHECK(uncaught.error == "code:2: flaky: the service is down");
  CHECK(uncaught.output == "before\n");
}

TEST_CASE("lua: arguments that have no JSON form are errors naming the problem", "[code]") {
  auto executor = code::make_lua_executor({tool("f", Json::array({"a"}), Json{{"a", Json::object()}})}, small_limits());
  CHECK_THAT(run(*executor, "f{a = print}").error, Catch::Contains("function has no JSON form"));
  CHECK_THAT(run(*executor, "local t = {} t.self = t\nf{a = t}").error, Catch::Contains("nest deeper"));
  CHECK_THAT(run(*executor, "f{a = 0/0}").error, Catch::Contains("not finite"));
  CHECK_THAT(run(*executor, "f(1, 2)").error, Catch::Contains("at most 1 arguments"));
  still_works(*executor);
}

TEST_CASE("lua: final_answer ends the code with its value", "[code]") {
  auto executor = code::make_lua_executor({}, small_limits());
  auto ex = run(*executor, "print('done')\nfinal_answer({years = 12.5})\nprint('never')");
  REQUIRE(ex.ok());
  REQUIRE(ex.final_answer);
  CHECK(ex.final_answer_text() == R"({"years":12.5})");
  CHECK(ex.output == "done\n");
  // Inside pcall it still ends the code.
  auto inside = run(*executor, "pcall(final_answer, 'x')\nprint('never')");
  REQUIRE(inside.final_answer);
  CHECK(inside.final_answer_text() == "x");
  CHECK(inside.output.empty());
}

TEST_CASE("lua: a stop requested by a call ends the code", "[code]") {
  auto executor = code::make_lua_executor({tool("t")}, small_limits());
  Calls calls;
  calls.answer = [](const std::string&, const Json&) { return code::CallResult::halt("stopped by on_tool_start hook: no"); };
  auto ex = executor->execute("pcall(t, {})\nprint('never')", calls.handler());
  CHECK(ex.error_kind == ErrorKind::stopped);
  CHECK(ex.error == "stopped by on_tool_start hook: no");
  CHECK(ex.output.empty());
}

// ---- escapes ---------------------------------------------------------------------------

TEST_CASE("lua: io, os.execute, require, package and debug are not there", "[code][sandbox]") {
  const auto marker = std::filesystem::temp_directory_path() / "agentrace_lua_escape_marker";
  std::filesystem::remove(marker);
  auto executor = code::make_lua_executor({}, small_limits());
  const std::string path = marker.string();
  CHECK_THAT(run(*executor, "os.execute('touch " + path + "')").error, Catch::Contains("field 'execute'"));
  CHECK_THAT(run(*executor, "io.open('" + path + "', 'w')").error, Catch::Contains("global 'io'"));
  CHECK_THAT(run(*executor, "require('os')").error, Catch::Contains("global 'require'"));
  CHECK_THAT(run(*executor, "package.loadlib('libc.so.6', 'system')").error, Catch::Contains("global 'package'"));
  CHECK_THAT(run(*executor, "debug.sethook()").error, Catch::Contains("global 'debug'"));
  CHECK_THAT(run(*executor, "dofile('/etc/passwd')").error, Catch::Contains("global 'dofile'"));
  CHECK_THAT(run(*executor, "loadfile('/etc/passwd')").error, Catch::Contains("global 'loadfile'"));
  CHECK_THAT(run(*executor, "os.remove('" + path + "')").error, Catch::Contains("field 'remove'"));
  CHECK_THAT(run(*executor, "os.getenv('HOME')").error, Catch::Contains("field 'getenv'"));
  CHECK_THAT(run(*executor, "warn('@on')").error, Catch::Contains("global 'warn'"));
  CHECK(run(*executor, "return type(os.time()), type(os.clock()), type(os.date('%Y'))").value == "number, number, string");
  // Not through _G, _ENV or a loaded chunk's environment either.
  CHECK(run(*executor, "return rawget(_G, 'io'), _ENV.require, load('return io')()").value == std::nullopt);
  CHECK_FALSE(std::filesystem::exists(marker));
  still_works(*executor);
}

TEST_CASE("lua: binary chunks and string.dump are refused", "[code][sandbox]") {
  auto executor = code::make_lua_executor({}, small_limits());
  CHECK_THAT(run(*executor, "string.dump(print)").error, Catch::Contains("field 'dump'"));
  CHECK_THAT(run(*executor, "local s = ''\nreturn s.dump(function() end)").error, Catch::Contains("field 'dump'"));
  // A binary chunk's signature: ESC "Lua".
  auto binary = run(*executor, "local f, err = load('\\27Lua\\84\\0' .. string.rep('x', 40))\nprint(f, err)");
  REQUIRE(binary.ok());
  CHECK_THAT(binary.output, Catch::Contains("attempt to load a binary chunk"));
  auto with_mode = run(*executor, "local f, err = load('\\27Lua', 'x', 'b')\nprint(f, err)");
  CHECK_THAT(with_mode.output, Catch::Contains("attempt to load a binary chunk"));
  CHECK(run(*executor, "return load('return 1 + 2')()").value == "3");
  still_works(*executor);
}

TEST_CASE("lua: the strings' metatable and setmetatable tricks", "[code][sandbox]") {
  auto executor = code::make_lua_executor({}, small_limits());
  CHECK(run(*executor, "return getmetatable('')").value == "false");
  CHECK_THAT(run(*executor, "setmetatable('', {})").error, Catch::Contains("table expected"));
  // Changing the global string table changes nothing of the strings' methods.
  auto ex = run(*executor, "string.upper = function() return 'pwned' end\nreturn ('abc'):upper()");
  CHECK(ex.value == "ABC");
  CHECK_THAT(run(*executor, "setmetatable({}, {__gc = function() while true do end end})").error,
             Catch::Contains("__gc metamethods are not allowed"));
  // __gc added after setmetatable is never called (Lua marks finalizers at setmetatable).
  auto later = run(*executor, "local mt = {}\nlocal t = setmetatable({}, mt)\nmt.__gc = function() while true do end end\n"
                              "t = nil\ncollectgarbage('count')\nreturn 'ok'");
  CHECK(later.value == "ok");
  CHECK_THAT(run(*executor, "collectgarbage('collect')").error, Catch::Contains("only \"count\""));
  CHECK_THAT(run(*executor, "collectgarbage('stop')").error, Catch::Contains("only \"count\""));
  // A protected metatable stays protected.
  CHECK_THAT(run(*executor, "local t = setmetatable({}, {__metatable = 'locked'})\nsetmetatable(t, {})").error,
             Catch::Contains("protected metatable"));
  still_works(*executor);
}

// ---- limits ----------------------------------------------------------------------------

TEST_CASE("lua: an endless loop ends at the instruction budget, also inside pcall", "[code][sandbox]") {
  auto executor = code::make_lua_executor({}, small_limits());
  auto ex = run(*executor, "x = 0\nwhile true do x = x + 1 end");
  CHECK(ex.error_kind == ErrorKind::instructions);
  CHECK_THAT(ex.error, Catch::Contains("code:2: the code used its instruction budget (2000000 instructions)"));
  auto swallowed = run(*executor, "while true do pcall(function() while true do end end) end");
  CHECK(swallowed.error_kind == ErrorKind::instructions);
  auto handler = run(*executor, "while true do xpcall(function() while true do end end, function(e) while true do end end) end");
  CHECK(handler.error_kind == ErrorKind::instructions);
  auto in_coroutine = run(*executor, "while true do coroutine.resume(coroutine.create(function() while true do end end)) end");
  CHECK(in_coroutine.error_kind == ErrorKind::instructions);
  still_works(*executor);
}

TEST_CASE("lua: a stopped coroutine never runs its __close handlers, which no limit could stop", "[code][sandbox]") {
  auto executor = code::make_lua_executor({}, small_limits());
  const std::string body = "function() local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
                           "while true do end end";
  CHECK(run(*executor, "co = coroutine.create(" + body + ")\ncoroutine.resume(co)").error_kind == ErrorKind::instructions);
  CHECK(run(*executor, "return coroutine.close(co)").value ==
        "false, the coroutine was stopped by a limit; its pending __close handlers do not run");
  CHECK(run(*executor, "coroutine.wrap(" + body + ")()").error_kind == ErrorKind::instructions);
  // A coroutine that failed on its own is closed as usual.
  auto wrapped = run(*executor, "local ok, e = pcall(coroutine.wrap(function() local x <close> = setmetatable({}, "
                                "{__close = function() print('closed') end}) error('inner') end))\nreturn e");
  CHECK(wrapped.output == "closed\n");
  CHECK(wrapped.value == "code:1: inner");
  CHECK(run(*executor, "local f = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end)\n"
                       "return f(1), f(10)").value == "2, 20");
  still_works(*executor);
}

TEST_CASE("lua: the wall clock ends a program that the budget would not", "[code][sandbox]") {
  auto limits = small_limits();
  limits.instructions = std::numeric_limits<std::uint64_t>::max();
  limits.timeout = std::chrono::milliseconds(50);
  auto executor = code::make_lua_executor({}, limits);
  auto ex = run(*executor, "while true do end");
  CHECK(ex.error_kind == ErrorKind::timeout);
  CHECK_THAT(ex.error, Catch::Contains("ran out of time (50 ms"));
  still_works(*executor);
}

TEST_CASE("lua: a stop token ends the program", "[code][sandbox]") {
  auto limits = small_limits();
  limits.instructions = std::numeric_limits<std::uint64_t>::max();
  auto executor = code::make_lua_executor({}, limits);
  std::stop_source stop;
  stop.request_stop();
  Calls calls;
  auto ex = executor->execute("while true do end", calls.handler(), stop.get_token());
  CHECK(ex.error_kind == ErrorKind::stopped);
}

TEST_CASE("lua: deep recursion ends at the call depth", "[code][sandbox]") {
  auto executor = code::make_lua_executor({}, small_limits());
  auto ex = run(*executor, "local function f(n) return 1 + f(n + 1) end\nf(1)");
  CHECK(ex.error_kind == ErrorKind::depth);
  CHECK_THAT(ex.error, Catch::Contains("nest deeper than 200"));
  // Through C functions (pcall, metamethods) the interpreter's own C-stack limit holds.
  auto through_c = run(*executor, "local function f() return pcall(f) end\nlocal ok, e = f()\nreturn 'survived'");
  CHECK((through_c.error_kind == ErrorKind::depth || through_c.value == "survived"));
  auto meta = run(*executor, "local t = setmetatable({}, {})\ngetmetatable(t).__index = function(s, k) return s[k] end\nreturn t.x");
  CHECK_FALSE(meta.ok());
  still_works(*executor);
}

TEST_CASE("lua: memory bombs end at the memory cap", "[code][sandbox]") {
  auto executor = code::make_lua_executor({}, small_limits());
  auto rep = run(*executor, "local s = string.rep('x', 100 * 1024 * 1024)");
  CHECK(rep.error_kind == ErrorKind::memory);
  CHECK_THAT(rep.error, Catch::Contains("memory limit (8 MiB)"));
  auto doubling = run(*executor, "local s = 'x'\nwhile true do s = s .. s end");
  CHECK(doubling.error_kind == ErrorKind::memory);
  auto table_growth = run(*executor, "t = {}\nlocal i = 0\nwhile true do i = i + 1; t[i] = {i} end");
  CHECK(table_growth.error_kind == ErrorKind::memory);
  // The globals that filled it leave no room for any program: the interpreter starts again.
  CHECK_THAT(table_growth.error, Catch::Contains("the interpreter was reset"));
  CHECK(run(*executor, "return t == nil").value == "true");
  // A step that filled less of it keeps its globals.
  CHECK(run(*executor, "small = {1, 2, 3}\nlocal s = string.rep('x', 100 * 1024 * 1024)").error_kind == ErrorKind::memory);
  CHECK(run(*executor, "return #small").value == "3");
  auto swallowed = run(*executor, "local ok = pcall(string.rep, 'x', 100 * 1024 * 1024)\nprint('went on')");
  CHECK(swallowed.error_kind == ErrorKind::memory);
  CHECK(swallowed.output.empty());
  auto coroutines = run(*executor, "local all = {}\nwhile true do all[#all + 1] = coroutine.create(function() end) end");
  CHECK(coroutines.error_kind == ErrorKind::memory);
  auto nested = run(*executor, "local function f() local co = coroutine.wrap(f) co() end\nf()");
  CHECK_FALSE(nested.ok());
  still_works(*executor);
  CHECK(executor->memory_in_use() < 1024 * 1024);
}

TEST_CASE("lua: a pattern that would backtrack for hours is refused before it starts", "[code][sandbox]") {
  auto executor = code::make_lua_executor({}, small_limits());
  auto ex = run(*executor, "local s = string.rep('a', 100000)\nreturn s:find('.-.-.-b')");
  CHECK(ex.error_kind == ErrorKind::runtime);
  CHECK_THAT(ex.error, Catch::Contains("code:2: this pattern could take too long on a string of 100000 bytes (3 repetition items"));
  CHECK_FALSE(run(*executor, "return string.gsub(string.rep('a', 100000), '(.-)(.-)x', '')").ok());
  CHECK_FALSE(run(*executor, "for w in string.gmatch(string.rep('a', 100000), 'a*a*a*b') do end").ok());
  // Ordinary patterns on ordinary text, and plain finds on anything.
  CHECK(run(*executor, "return (string.gsub('a  b   c', '%s+', ' '))").value == "a b c");
  CHECK(run(*executor, "return ('key=value'):match('^(%w+)=(%w+)$')").value == "key, value");
  CHECK(run(*executor, "return string.find(string.rep('a', 1000000), 'a-b', 1, true)").value == std::nullopt);
  CHECK(run(*executor, "return #string.gsub(string.rep('ab ', 5000), '%s+', '')").value == "10000");
  still_works(*executor);
}

TEST_CASE("lua: huge output is cut with a marker saying how much", "[code][sandbox]") {
  auto executor = code::make_lua_executor({}, small_limits());
  auto ex = run(*executor, "for i = 1, 500 do print('0123456789') end");
  REQUIRE(ex.ok());
  CHECK(ex.output.size() < 1100);
  CHECK_THAT(ex.output, Catch::EndsWith("\n[... 4500 bytes cut]\n"));
}

TEST_CASE("lua: errors that are tables or userdata, and __tostring that throws or loops", "[code][sandbox]") {
  auto executor = code::make_lua_executor({}, small_limits());
  CHECK(run(*executor, "error({code = 1})").error == "code:1: (an error object of type table)");
  CHECK(run(*executor, "error(setmetatable({}, {__tostring = function() return 'custom' end}))").error == "code:1: custom");
  CHECK(run(*executor, "error(setmetatable({}, {__tostring = function() error('again') end}))").error ==
        "code:1: (an error object of type table whose __tostring failed)");
  auto loops = run(*executor, "error(setmetatable({}, {__tostring = function() while true do end end}))");
  CHECK(loops.error_kind == ErrorKind::instructions);
  CHECK(run(*executor, "error(coroutine.create(print))").error == "code:1: (an error object of type thread)");
  CHECK(run(*executor, "error(42)").error == "code:1: 42");
  CHECK(run(*executor, "error()").error_kind == ErrorKind::runtime);
  // A last value whose __tostring throws or loops.
  CHECK_THAT(run(*executor, "setmetatable({}, {__tostring = function() error('no') end})").error, Catch::Contains("no"));
  CHECK(run(*executor, "setmetatable({}, {__tostring = function() while true do end end})").error_kind ==
        ErrorKind::instructions);
  CHECK(run(*executor, "setmetatable({}, {__name = 'Thing'})").value.has_value());
  // print with a __tostring that loops.
  CHECK(run(*executor, "print(setmetatable({}, {__tostring = function() while true do end end}))").error_kind ==
        ErrorKind::instructions);
  still_works(*executor);
}

TEST_CASE("lua: runs in parallel each have their own state", "[code]") {
  std::vector<std::thread> threads;
  std::vector<std::string> values(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &values] {
      auto executor = code::make_lua_executor({tool("id")}, small_limits());
      Calls calls;
      executor->execute("n = " + std::to_string(t), calls.handler());
      for (int i = 0; i < 50; ++i) executor->execute("n = n + id{v = 1}.v", calls.handler());
      values[static_cast<std::size_t>(t)] = *executor->execute("n", calls.handler()).value;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(values == std::vector<std::string>{"50", "51", "52", "53"});
}

TEST_CASE("lua: the prompt lists every function as a Lua signature", "[code]") {
  auto executor = code::make_lua_executor(
      {{"search", "Searches the corpus.",
        Json{{"type", "object"},
             {"properties", {{"query", {{"type", "string"}, {"description", "what to look for"}}}, {"limit", {{"type", "integer"}}}}},
             {"required", {"query"}}}}},
      small_limits());
  const std::string prompt = executor->prompt();
  CHECK_THAT(prompt, Catch::Contains("- search{query = <string>, limit = <integer, optional>}\n    Searches the corpus.\n"
                                     "    query: what to look for\n"));
  CHECK_THAT(prompt, Catch::Contains("final_answer(value)"));
  CHECK_THAT(prompt, Catch::Contains("```lua"));
}

TEST_CASE("code blocks are taken from a reply", "[code]") {
  CHECK(code::extract_code("Thought.\n```lua\nx = 1\n```\nmore", "lua") == "x = 1\n");
  CHECK(code::extract_code("```\nprint(1)\n```", "lua") == "print(1)\n");
  CHECK(code::extract_code("```lua\na()\n```\ntext\n```lua\nb()\n```", "lua") == "a()\n\nb()\n");
  CHECK(code::extract_code("```python\nx\n```", "lua") == std::nullopt);
  CHECK(code::extract_code("no code here", "lua") == std::nullopt);
  CHECK(code::extract_code("```lua\nunclosed()", "lua") == "unclosed()");
}
