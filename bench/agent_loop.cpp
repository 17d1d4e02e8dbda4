// agent_loop: what the Runner costs per run, with and without tracing (workload W of issue 3).
//
//   agent_loop [--runs 2000] [--concurrent 1000] [--delay-ms 20] [--threads 2] [--repeat 5]
//              [--content full|truncated|off] [--only traced|off] [--processor simple|batch]
//
// Workload W: one agent with one tool add(a, b); a scripted model that answers add(turn, turn+1)
// five times, then a final text: 6 model calls and 5 tool calls per run. Traced runs go to an
// in-memory exporter that keeps every span: through the simple processor (the span is copied
// into the store on the agent's thread, the worst case) or with --processor batch through the
// batch processor, as the Runner's default tracing does (copied on the export thread; a run that
// loses a span fails the benchmark). Sequential: --runs runs one after
// the other, traced and untraced, in the same process (tracing's share is the difference).
// Concurrent: --concurrent runs started at once on one io_context served by --threads threads,
// the model waiting --delay-ms per call on an asynchronous timer (ideal wall time 6 x delay).
// --only runs one side of the sequential pair, for profilers (no share is printed then).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/in_memory_exporter.hpp"
#include "bench_common.hpp"

using namespace agentrace;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  int runs = 2000;
  int concurrent = 1000;
  int delay_ms = 20;
  int threads = 2;
  int repeat = 5;
  agent::ContentCapture content = agent::ContentCapture::truncated;
  bool run_traced = true;
  bool run_off = true;
  bool batch = false;
};

[[noreturn]] void usage(const std::string& message) {
  std::fprintf(stderr, "agent_loop: %s\nusage: agent_loop [--runs N] [--concurrent N] [--delay-ms MS] [--threads T] "
                       "[--repeat R] [--content full|truncated|off] [--only traced|off] [--processor simple|batch]\n", message.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) usage("missing value after " + arg);
    const std::string value = argv[++i];
    try {
      if (arg == "--runs") a.runs = std::stoi(value);
      else if (arg == "--concurrent") a.concurrent = std::stoi(value);
      else if (arg == "--delay-ms") a.delay_ms = std::stoi(value);
      else if (arg == "--threads") a.threads = std::stoi(value);
      else if (arg == "--repeat") a.repeat = std::stoi(value);
      else if (arg == "--content") {
        if (value == "full") a.content = agent::ContentCapture::full;
        else if (value == "truncated") a.content = agent::ContentCapture::truncated;
        else if (value == "off") a.content = agent::ContentCapture::off;
        else usage("--content takes full, truncated or off");
      } else if (arg == "--processor") {
        if (value == "simple") a.batch = false;
        else if (value == "batch") a.batch = true;
        else usage("--processor takes simple or batch");
      } else if (arg == "--only") {
        if (value == "traced") a.run_off = false;
        else if (value == "off") a.run_traced = false;
        else usage("--only takes traced or off");
      } else usage("unknown argument " + arg);
    } catch (const std::logic_error&) {
      usage("bad number for " + arg);
    }
  }
  if (a.runs < 0 || a.concurrent < 0 || a.threads < 1 || a.repeat < 1 || a.delay_ms < 0) usage("counts must be positive");
  return a;
}

std::shared_ptr<llm::ScriptedLlmClient> workload_model(std::chrono::milliseconds delay) {
  std::vector<llm::ScriptedReply> replies;
  for (int turn = 1; turn <= 5; ++turn) {
    llm::ToolCall call;
    call.name = "add";
    call.arguments = {{"a", turn}, {"b", turn + 1}};
    replies.push_back(llm::ScriptedLlmClient::tool_calls({call}));
  }
  replies.push_back(llm::ScriptedLlmClient::text("The last sum was 11."));
  for (auto& r : replies) r.delay = delay;
  auto model = std::make_shared<llm::ScriptedLlmClient>(std::move(replies), "scripted-w");
  model->set_recording(false);
  return model;
}

agent::Agent workload_agent(const tools::ToolPtr& add, std::shared_ptr<llm::ScriptedLlmClient> model) {
  agent::Agent a;
  a.name = "adder";
  a.instructions = "Add the numbers you are given, one call at a time.";
  a.model = std::move(model);
  a.tools = {add};
  return a;
}

struct Sequential {
  double us_per_run = 0;
  std::size_t spans = 0;
};

// A Runner whose spans all land in memory (or nowhere, with tracing off).
struct Setup {
  std::shared_ptr<tracing::InMemoryExporter::Storage> storage;
  tracing::TracerProvider provider;
  agent::Runner runner;

  Setup(const Args& args, bool traced)
      : Setup(args, traced, std::make_unique<tracing::InMemoryExporter>()) {}

 private:
  Setup(const Args& args, bool traced, std::unique_ptr<tracing::InMemoryExporter> exporter)
      : storage(exporter->storage()),
        provider(tracing::TracerProviderOptions{
            .processor = !traced    ? nullptr
                         : args.batch ? tracing::make_batch_processor(std::move(exporter))
                                      : tracing::make_simple_processor(std::move(exporter))}),
        runner(options(args)) {}

  agent::RunnerOptions options(const Args& args) const {
    agent::RunnerOptions o;
    o.tracer = provider.tracer("bench");
    o.default_tracing.enabled = false;
    o.content.mode = args.content;
    return o;
  }
};

Sequential sequential(const Args& args, bool traced, const tools::ToolPtr& add) {
  Setup setup(args, traced);
  auto& runner = setup.runner;
  std::vector<agent::Agent> agents;
  agents.reserve(static_cast<std::size_t>(args.runs));
  for (int i = 0; i < args.runs; ++i) agents.push_back(workload_agent(add, workload_model({})));
  const auto t0 = Clock::now();
  for (const auto& a : agents) {
    auto r = runner.run(a, "Add 1 and 2, then 2 and 3, and so on.");
    if (!r.ok() || r.steps != 6) {
      std::fprintf(stderr, "agent_loop: a run did not complete as scripted: %s\n", r.error.c_str());
      std::exit(1);
    }
  }
  if (traced) setup.provider.force_flush();  // timed: with --processor batch, until every span is stored
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  Sequential s;
  s.us_per_run = args.runs > 0 ? us / args.runs : 0;
  const std::size_t kept = setup.storage->size();
  s.spans = args.runs > 0 ? kept / static_cast<std::size_t>(args.runs) : 0;
  if (traced && args.runs > 0 && kept != s.spans * static_cast<std::size_t>(args.runs)) {
    std::fprintf(stderr, "agent_loop: %zu spans kept for %d runs: some were dropped\n", kept, args.runs);
    std::exit(1);
  }
  return s;
}

double concurrent(const Args& args, const tools::ToolPtr& add) {
  Setup setup(args, true);
  auto& runner = setup.runner;
  std::vector<agent::Agent> agents;
  for (int i = 0; i < args.concurrent; ++i) agents.push_back(workload_agent(add, workload_model(std::chrono::milliseconds(args.delay_ms))));
  asio::io_context io;
  int completed = 0;
  std::mutex mutex;
  const auto t0 = Clock::now();
  for (const auto& a : agents) {
    asio::co_spawn(io, runner.run_async(a, "Add the numbers."), [&](std::exception_ptr e, agent::RunResult r) {
      std::lock_guard lock(mutex);
      if (!e && r.ok()) ++completed;
    });
  }
  std::vector<std::thread> threads;
  for (int t = 1; t < args.threads; ++t) threads.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (completed != args.concurrent) {
    std::fprintf(stderr, "agent_loop: only %d of %d concurrent runs completed\n", completed, args.concurrent);
    std::exit(1);
  }
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  auto add = tools::make_tool("add", "Add two integers")
                 .param<std::int64_t>("a", "first addend")
                 .param<std::int64_t>("b", "second addend")
                 .handler([](std::int64_t a, std::int64_t b) { return a + b; });

  if (args.runs > 0) {
    std::vector<double> traced_us, off_us;
    std::size_t spans = 0;
    for (int r = 0; r < args.repeat; ++r) {  // interleaved, so drift on a shared machine hits both
      if (args.run_traced) {
        const Sequential on = sequential(args, true, add);
        traced_us.push_back(on.us_per_run);
        spans = on.spans;
      }
      if (args.run_off) off_us.push_back(sequential(args, false, add).us_per_run);
    }
    std::printf("sequential: %d runs x %d repeats (medians)\n", args.runs, args.repeat);
    const double on = args.run_traced ? bench::median(traced_us) : 0;
    const double off = args.run_off ? bench::median(off_us) : 0;
    if (args.run_traced) std::printf("  us/run traced        %.1f\n", on);
    if (args.run_off) std::printf("  us/run tracing off   %.1f\n", off);
    if (args.run_traced && args.run_off) {
      std::printf("  tracing share        %.1f%%\n", on > 0 ? 100.0 * (on - off) / on : 0.0);
    }
    if (args.run_traced) {
      std::printf("  spans/run            %zu\n", spans);
      std::printf("  peak RSS             %.1f MB (all %d traced runs' spans kept in memory)\n",
                  static_cast<double>(bench::peak_rss_kb()) / 1024.0, args.runs);
    }
  }
  if (args.concurrent > 0) {
    std::vector<double> wall;
    for (int r = 0; r < args.repeat; ++r) wall.push_back(concurrent(args, add));
    std::printf("concurrent: %d runs started at once, model %d ms per call, %d thread(s)\n", args.concurrent,
                args.delay_ms, args.threads);
    std::printf("  wall ms (median)     %.1f   (ideal %d)\n", bench::median(wall), 6 * args.delay_ms);
  }
  return 0;
}
