// code_step: what code actions cost (docs/performance.md, "Code actions").
//
//   BM_ToolAlone          the tool add(a, b) through a ToolRegistry: the tool's own time
//   BM_LuaOneCall         a program that calls add once and returns its result, in a kept
//                         interpreter, its call going through the same registry: minus
//                         BM_ToolAlone, the interpreter's overhead per call
//   BM_LuaNewInterpreter  a run's interpreter made and closed (the allow-listed state and one
//                         function); counter interpreter_bytes: what it holds once made, and
//                         after_step_bytes: after one program ran in it
//   BM_StepToolCall / BM_StepCode
//                         a whole run of two steps through the Runner, tracing off: a tool call
//                         of add then a text answer, against a program calling add then
//                         final_answer; the difference is what a code step costs beyond a tool
//                         call step, interpreter made per run included
//   BM_WorkloadW_ToolCalls / BM_WorkloadW_Code
//                         workload W (bench/agent_loop.cpp: one agent with add; five steps each
//                         calling add(turn, turn + 1), then the answer) as a tool-calling agent
//                         and as a code agent, tracing off and with every span exported to a
//                         discarding exporter (argument 1)
//
//   cmake --preset release && cmake --build build/release --target code_step
//   ./build/release/bench/code_step --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "agentrace/agent/runner.hpp"
#include "agentrace/code/lua.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/tools/registry.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/processor.hpp"
#include "bench_common.hpp"

using namespace agentrace;

namespace {

tools::ToolPtr add_tool() {
  static const tools::ToolPtr add = tools::make_tool("add", "Adds two integers")
                                        .param<std::int64_t>("a", "first")
                                        .param<std::int64_t>("b", "second")
                                        .handler([](std::int64_t a, std::int64_t b) { return a + b; });
  return add;
}

const tools::ToolRegistry& registry() {
  static const tools::ToolRegistry r = [] {
    tools::ToolRegistry reg;
    reg.add(add_tool());
    return reg;
  }();
  return r;
}

std::vector<code::Function> functions() {
  const auto s = add_tool()->schema();
  return {{s.name, s.description, s.parameters}};
}

// The handler a Runner would give the program, reduced to its registry call.
code::CallHandler registry_handler() {
  return [](const std::string& name, code::Json args) {
    tools::ToolContext context;
    tools::ToolResult r = registry().invoke(name, args, context);
    return r.is_error ? code::CallResult::error(r.to_text()) : code::CallResult::ok(std::move(r.content));
  };
}

void BM_ToolAlone(benchmark::State& state) {
  const tools::Json args = {{"a", 1}, {"b", 2}};
  tools::ToolContext context;
  for (auto _ : state) {
    tools::ToolResult r = registry().invoke("add", args, context);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ToolAlone);

void BM_LuaOneCall(benchmark::State& state) {
  auto executor = code::make_lua_executor(functions());
  const auto handler = registry_handler();
  for (auto _ : state) {
    code::Execution ex = executor->execute("x = add{a = 1, b = 2}\nx", handler);
    if (!ex.ok() || ex.value != "3") state.SkipWithError("the program did not return 3");
    benchmark::DoNotOptimize(ex);
  }
}
BENCHMARK(BM_LuaOneCall);

void BM_LuaNewInterpreter(benchmark::State& state) {
  std::size_t made = 0, after = 0;
  const auto handler = registry_handler();
  for (auto _ : state) {
    auto executor = code::make_lua_executor(functions());
    made = executor->memory_in_use();
    state.PauseTiming();
    executor->execute("total = 0\nfor i = 1, 5 do total = total + add{a = i, b = i + 1} end\nprint(total)", handler);
    after = executor->memory_in_use();
    state.ResumeTiming();
  }
  state.counters["interpreter_bytes"] = static_cast<double>(made);
  state.counters["after_step_bytes"] = static_cast<double>(after);
}
BENCHMARK(BM_LuaNewInterpreter);

// ---- Through the Runner ---------------------------------------------------------------------

struct Runner {
  std::shared_ptr<tracing::TracerProvider> provider;
  std::unique_ptr<agent::Runner> runner;

  explicit Runner(bool traced) {
    agent::RunnerOptions o;
    o.default_tracing.enabled = false;
    o.cassettes.enabled = false;
    o.log_trace_location = false;
    if (traced) {
      tracing::TracerProviderOptions p;
      p.processor = tracing::make_batch_processor(std::make_unique<bench::DiscardExporter>());
      provider = std::make_shared<tracing::TracerProvider>(std::move(p));
      o.tracer = provider->tracer("bench.code_step");
    } else {
      o.tracer = tracing::Tracer();  // records nothing
    }
    runner = std::make_unique<agent::Runner>(std::move(o));
  }
};

agent::Agent agent_with(std::vector<llm::ScriptedReply> replies, agent::Actions actions) {
  auto model = std::make_shared<llm::ScriptedLlmClient>(std::move(replies), "scripted-w");
  model->set_recording(false);
  agent::Agent a;
  a.name = "adder";
  a.instructions = "Add the numbers you are given.";
  a.model = std::move(model);
  a.tools = {add_tool()};
  a.actions = actions;
  return a;
}

llm::ScriptedReply add_call(int a, int b) {
  llm::ToolCall call;
  call.name = "add";
  call.arguments = {{"a", a}, {"b", b}};
  return llm::ScriptedLlmClient::tool_calls({call});
}

llm::ScriptedReply program(const std::string& code) { return llm::ScriptedLlmClient::text("```lua\n" + code + "\n```"); }

void run_or_fail(benchmark::State& state, agent::Runner& runner, const agent::Agent& a) {
  const agent::RunResult r = runner.run(a, "add");
  if (!r.ok()) state.SkipWithError(("the run did not complete: " + r.error).c_str());
}

void BM_StepToolCall(benchmark::State& state) {
  Runner r(false);
  for (auto _ : state) {
    state.PauseTiming();
    const agent::Agent a = agent_with({add_call(1, 2), llm::ScriptedLlmClient::text("3")}, agent::Actions::tool_calls);
    state.ResumeTiming();
    run_or_fail(state, *r.runner, a);
  }
}
BENCHMARK(BM_StepToolCall);

void BM_StepCode(benchmark::State& state) {
  Runner r(false);
  for (auto _ : state) {
    state.PauseTiming();
    const agent::Agent a = agent_with({program("x = add{a = 1, b = 2}"), program("final_answer(x)")}, agent::Actions::code);
    state.ResumeTiming();
    run_or_fail(state, *r.runner, a);
  }
}
BENCHMARK(BM_StepCode);

void BM_WorkloadW_ToolCalls(benchmark::State& state) {
  Runner r(state.range(0) != 0);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<llm::ScriptedReply> replies;
    for (int turn = 1; turn <= 5; ++turn) replies.push_back(add_call(turn, turn + 1));
    replies.push_back(llm::ScriptedLlmClient::text("The last sum was 11."));
    const agent::Agent a = agent_with(std::move(replies), agent::Actions::tool_calls);
    state.ResumeTiming();
    run_or_fail(state, *r.runner, a);
  }
}
BENCHMARK(BM_WorkloadW_ToolCalls)->Arg(0)->Arg(1);

void BM_WorkloadW_Code(benchmark::State& state) {
  Runner r(state.range(0) != 0);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<llm::ScriptedReply> replies;
    for (int turn = 1; turn <= 5; ++turn) {
      replies.push_back(program("last = add{a = " + std::to_string(turn) + ", b = " + std::to_string(turn + 1) + "}"));
    }
    replies.push_back(program("final_answer('The last sum was ' .. last .. '.')"));
    const agent::Agent a = agent_with(std::move(replies), agent::Actions::code);
    state.ResumeTiming();
    run_or_fail(state, *r.runner, a);
  }
}
BENCHMARK(BM_WorkloadW_Code)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
