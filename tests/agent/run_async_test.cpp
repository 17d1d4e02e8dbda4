// Runner::run_async awaited the way a user first writes it (and a RunStatus printed as users
// print it). GCC 12 destroys a by-value argument of a call inside a co_await expression twice
// (free(): invalid pointer, or an ASan double-free);
// `co_await runner.run_async(agent, task)` crashed before run_async took references and copied
// them before returning. The sanitizer phase of CI makes a regression here loud. The same forms
// for LlmClient::complete and HttpClient::send: tests/llm and tests/net, coroutine_call_forms_test.
#include <catch2/catch.hpp>

#include <sstream>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using namespace std::chrono_literals;

namespace {

// A task long enough that std::string keeps it on the heap, so a double destruction is a
// double free rather than a silent no-op on the small-string buffer.
const std::string long_task = "Answer with the word done, and nothing else, please: " + std::string(64, 'x');

agent::Agent answering_agent(std::size_t replies) {
  std::vector<llm::ScriptedReply> script;
  for (std::size_t i = 0; i < replies; ++i) script.push_back(llm::ScriptedLlmClient::text("done " + std::to_string(i)));
  agent::Agent a;
  a.name = "answerer";
  a.model = std::make_shared<llm::ScriptedLlmClient>(std::move(script));
  return a;
}

agent::RunnerOptions quiet_options(testing::InMemoryTracing& tracing) {
  agent::RunnerOptions o;
  o.tracer = tracing.tracer;
  o.default_tracing.enabled = false;
  return o;
}

std::string task_of(const agent::RunResult& result) {
  return std::get<memory::TaskStep>(result.memory.steps().front()).task;
}

template <typename Body>
void run_coroutine(Body body) {
  asio::io_context io;
  std::exception_ptr failure;
  asio::co_spawn(io, body(), [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

TEST_CASE("co_await run_async works with every obvious form of task and config", "[agent]") {
  testing::InMemoryTracing tracing;
  agent::Runner runner(quiet_options(tracing));
  const agent::Agent agent = answering_agent(8);
  std::vector<agent::RunResult> results;

  run_coroutine([&]() -> asio::awaitable<void> {
    std::string local = long_task;
    const std::string& cref = local;
    agent::RunConfig config;
    config.max_steps = 2;
    results.push_back(co_await runner.run_async(agent, local));                       // an lvalue
    results.push_back(co_await runner.run_async(agent, cref));                        // a const reference
    results.push_back(co_await runner.run_async(agent, local + " (again)"));          // a temporary
    results.push_back(co_await runner.run_async(agent, "a string literal long enough to live on the heap, surely"));
    results.push_back(co_await runner.run_async(agent, local, config));               // a config lvalue
    results.push_back(co_await runner.run_async(agent, local, agent::RunConfig()));   // a config temporary
    results.push_back(co_await runner.run_async(agent, std::string(local), std::move(config)));
  });

  REQUIRE(results.size() == 7);
  for (std::size_t i = 0; i < results.size(); ++i) {
    INFO("form " << i);
    CHECK(results[i].ok());
    CHECK(results[i].output == "done " + std::to_string(i));
  }
  CHECK(task_of(results[0]) == long_task);
  CHECK(task_of(results[2]) == long_task + " (again)");
}

TEST_CASE("run_async's arguments may die before the awaitable is awaited", "[agent]") {
  testing::InMemoryTracing tracing;
  agent::Runner runner(quiet_options(tracing));
  std::optional<agent::RunResult> result;

  run_coroutine([&]() -> asio::awaitable<void> {
    asio::awaitable<agent::RunResult> pending = [&] {
      const agent::Agent agent = answering_agent(1);  // gone when the lambda returns
      std::string task = long_task;
      agent::RunConfig config;
      config.conversation_id = "conversation-" + std::string(40, 'c');
      return runner.run_async(agent, task, config);
    }();
    result = co_await std::move(pending);
  });

  REQUIRE(result);
  CHECK(result->ok());
  CHECK(task_of(*result) == long_task);
}

TEST_CASE("a RunStatus prints as its name", "[agent]") {
  std::ostringstream out;
  out << agent::RunStatus::completed << ' ' << agent::RunStatus::max_steps << ' ' << agent::RunStatus::timed_out;
  CHECK(out.str() == "completed max_steps timed_out");
}
