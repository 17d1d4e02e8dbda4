#include "code_actions.hpp"

#include <algorithm>

#include "agentrace/code/lua.hpp"
#include "agentrace/schema/writers.hpp"
#include "agentrace/tools/builtin.hpp"

namespace agentrace::agent::detail {

namespace tr = agentrace::tracing;

namespace {

std::size_t count_lines(std::string_view code) {
  if (code.empty()) return 0;
  std::size_t lines = static_cast<std::size_t>(std::count(code.begin(), code.end(), '\n'));
  if (code.back() != '\n') ++lines;
  return lines;
}

}  // namespace

CodeRun CodeActions::start(const Agent& agent, const tools::ToolRegistry& registry) const {
  std::vector<code::Function> functions;
  for (const auto& schema : registry.schemas()) {
    // final_answer is the interpreter's own function: it ends the run with any value.
    if (schema.name == tools::final_answer_name) continue;
    functions.push_back({schema.name, schema.description, schema.parameters});
  }
  CodeRun run;
  run.executor = code::make_lua_executor(std::move(functions), agent.code_limits);
  run.system_prompt = agent.instructions.empty() ? run.executor->prompt() : agent.instructions + "\n\n" + run.executor->prompt();
  return run;
}

CodeStepOutcome CodeActions::act(const AgentRun& run, const StepContext& step, CodeRun& code_run,
                                 const std::string& reply) const {
  CodeStepOutcome outcome;
  code::CodeExecutor& executor = *code_run.executor;
  const std::string language(executor.language());

  // 2. decide: the reply's code block.
  std::optional<std::string> program = code::extract_code(reply, language);
  {
    tr::Span decide = schema::start_decide_span(tracer_, step.span, run.registry->names());
    if (!program || program->find_first_not_of(" \t\r\n") == std::string::npos) {
      outcome.error = "the reply has no ```" + language + " code block: write the code to run in one, and call "
                      "final_answer(value) in it when you have the answer";
      schema::record_malformed_reply(decide, *outcome.error);
      return outcome;
    }
    schema::record_code_action(decide, language, count_lines(*program));
  }

  // 3. act: the program, its calls nested in its span. They run with the earlier of the run's
  // deadline and the program's own.
  tr::Span span = schema::start_code_span(tracer_, step.span, language, *program, content_);
  AgentRun calls_run = run;
  calls_run.deadline = run.deadline.min(Deadline::after(run.agent->code_limits.timeout));
  const StepContext code_step{span, step.number};
  int call_number = 0;
  code::CallHandler handler = [&](const std::string& name, code::Json arguments) -> code::CallResult {
    if (outcome.halted) return code::CallResult::halt(*outcome.halted);
    std::vector<llm::ToolCall> calls(1);
    calls[0].id = "code_" + std::to_string(step.number) + "_" + std::to_string(++call_number);
    calls[0].name = name;
    calls[0].arguments = std::move(arguments);
    // The ToolCaller is a coroutine (a managed agent is a nested run, a tool with a timeout waits
    // on the pool): the program waits for it here, on an I/O context of the run's own.
    if (!code_run.io) code_run.io = std::make_unique<asio::io_context>();
    asio::io_context& io = *code_run.io;
    io.restart();
    std::optional<ToolCallsOutcome> done;
    std::exception_ptr failure;
    asio::co_spawn(io, tool_caller_.call(calls_run, code_step, calls), [&](std::exception_ptr e, ToolCallsOutcome o) {
      failure = e;
      done = std::move(o);
    });
    io.run();
    if (failure || !done || done->observations.empty()) {
      return code::CallResult::error("the call of '" + name + "' failed in the framework");
    }
    outcome.managed_usage += done->managed_usage;
    memory::Observation& o = done->observations.front();
    const bool is_error = o.is_error;
    std::string text = o.content;
    outcome.observations.push_back(std::move(o));
    if (done->halted) {
      outcome.halted = done->halted;
      return code::CallResult::halt(*done->halted);
    }
    if (is_error) return code::CallResult::error(std::move(text));
    return code::CallResult::ok(std::move(done->results.front()));
  };
  code::Execution ran = executor.execute(*program, handler, run.stop, calls_run.deadline.when());

  memory::CodeAction action{language, *program, ran.observation()};
  const std::string error_kind = ran.ok() ? std::string() : std::string(code::to_string(ran.error_kind));
  schema::record_code_result(span,
                             {.output = action.observation,
                              .error_kind = error_kind,
                              .error = ran.error,
                              .calls = ran.calls,
                              .instructions = ran.instructions,
                              .final_answer = ran.final_answer.has_value()},
                             content_);
  span.end();
  if (ran.final_answer) outcome.final_answer = ran.final_answer_text();
  if (!ran.ok() && ran.error_kind != code::ErrorKind::stopped) outcome.error = ran.error;
  if (ran.error_kind == code::ErrorKind::stopped && !outcome.halted && run.stop.stop_requested()) {
    outcome.halted = "the run was cancelled";
  }
  outcome.code = std::move(action);
  return outcome;
}

}  // namespace agentrace::agent::detail
