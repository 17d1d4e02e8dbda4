// CodeExecutor: runs a code action's program, with the agent's tools and managed agents as
// functions the program calls. One executor per run, kept across the run's steps, so that what
// step 1 defines step 3 can use. The embedded Lua sandbox (lua.hpp) is the first language; the
// interface is what another one (Python in a container, say) would implement.
//
// An executor never throws for anything the program does: syntax errors, runtime errors, every
// limit reached and every failed call come back in the Execution, as text the model can read.
// Not thread-safe: one run uses it at a time (runs in parallel each have their own).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentrace::code {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// What one execution may use. Every limit reached ends the program with an error the model reads.
struct Limits {
  std::uint64_t instructions = 10'000'000;      // interpreter instructions per execution
  std::chrono::milliseconds timeout{10'000};    // wall clock per execution, calls included
  std::size_t memory_bytes = 64 * 1024 * 1024;  // everything the interpreter holds, globals included
  std::size_t output_bytes = 50'000;            // printed text kept per execution; the rest is cut
  int max_call_depth = 200;                     // nested function calls of the program
};

// A function the program may call: a tool or a managed agent.
struct Function {
  std::string name;         // the tool's name ([A-Za-z0-9_-]); the language may spell it otherwise
  std::string description;  // what the model reads about it
  Json parameters = Json::object();  // its JSON Schema (type object)
};

// What a call from the program gave back.
struct CallResult {
  Json value;             // the result: text as a string, JSON as itself; the error text when is_error
  bool is_error = false;  // the call failed: an error the program may catch
  bool stop = false;      // the run was stopped (a hook, a cancellation): the program ends, value says why

  static CallResult ok(Json v) { return {std::move(v), false, false}; }
  static CallResult error(std::string text) { return {Json(std::move(text)), true, false}; }
  static CallResult halt(std::string why) { return {Json(std::move(why)), true, true}; }
};

// Called for every call the program makes, on the thread that runs execute(), with the tool's
// name and its arguments as a JSON object (named, whether the program passed them by name or in
// order). The Runner validates and runs the call there, exactly as a tool call.
using CallHandler = std::function<CallResult(const std::string& name, Json arguments)>;

// Why an execution ended without finishing: its error, or none.
enum class ErrorKind : std::uint8_t {
  none,
  syntax,        // the program does not compile
  runtime,       // an error the program raised or met (an uncaught failed call included)
  instructions,  // the instruction budget ran out
  timeout,       // the wall-clock time ran out
  memory,        // the memory cap was reached
  depth,         // calls nested deeper than max_call_depth (or the interpreter's C stack)
  stopped,       // the run was stopped while the program ran
};
std::string_view to_string(ErrorKind kind) noexcept;

struct Execution {
  std::string output;               // what the program printed (cut at the cap, with a marker)
  std::optional<std::string> value;  // the value of its last expression, as text; none when it had none
  ErrorKind error_kind = ErrorKind::none;
  std::string error;                // why it failed, with the line: "code:3: attempt to call a nil value"
  std::optional<Json> final_answer;  // final_answer(value) was called: the run ends with it
  std::size_t calls = 0;            // calls the program made
  std::uint64_t instructions = 0;   // roughly, in steps of the hook's period

  [[nodiscard]] bool ok() const noexcept { return error_kind == ErrorKind::none; }
  // The answer as the run reports it: the string itself, or compact JSON.
  [[nodiscard]] std::string final_answer_text() const;
  // What the model reads next step: the output, then the last value, then the error.
  [[nodiscard]] std::string observation() const;
};

class CodeExecutor {
 public:
  virtual ~CodeExecutor() = default;
  CodeExecutor(const CodeExecutor&) = delete;
  CodeExecutor& operator=(const CodeExecutor&) = delete;

  // The language of the fenced code blocks it runs ("lua").
  [[nodiscard]] virtual std::string_view language() const noexcept = 0;
  // What the system prompt tells the model: every function's signature, description and
  // parameters, the reply form, and the rules of the sandbox.
  [[nodiscard]] virtual std::string prompt() const = 0;
  // Runs `code`: its calls go to `calls`; it stops when `stop` is requested or at `deadline`
  // (the run's), whichever comes before the executor's own limits.
  virtual Execution execute(std::string_view code, const CallHandler& calls, std::stop_token stop = {},
                            std::optional<Clock::time_point> deadline = std::nullopt) = 0;
  // Bytes the interpreter holds now (its state, the program's globals).
  [[nodiscard]] virtual std::size_t memory_in_use() const noexcept = 0;

 protected:
  CodeExecutor() = default;
};

// The code of a reply: every fenced block tagged `language` (or untagged), joined by newlines;
// none when the reply has no such block.
[[nodiscard]] std::optional<std::string> extract_code(std::string_view reply, std::string_view language);

}  // namespace agentrace::code
