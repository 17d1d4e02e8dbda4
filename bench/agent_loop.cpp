// agent_loop: what the Runner costs per run, as users run it (workload W of issue 3).
//
//   agent_loop [--tracing jsonl|otlp|off] [--runs 2000] [--concurrent 1000] [--delay-ms 20]
//              [--threads 2] [--content full|truncated|off] [--cassettes]
//
// Workload W: one agent with one tool add(a, b); a scripted model that answers add(turn, turn+1)
// five times, then a final text: 6 model calls and 5 tool calls per run.
//
// One process measures one way of tracing, so that its peak RSS is its own (bench/agent_loop.sh
// runs the processes interleaved and takes medians):
//   jsonl  the Runner's default tracing: a batch processor writing a JSON Lines file per trace
//          into a fresh temporary directory (cassettes off unless --cassettes);
//   otlp   a batch processor into the OTLP/HTTP exporter (protobuf), posting to a sink on
//          127.0.0.1 that runs in a child process (so its CPU and memory are not counted) and
//          answers 200 to every request;
//   off    no tracing at all.
// Sequential: --runs runs one after the other on this thread; then every span is flushed and
// counted where it landed (a run that loses a span fails the benchmark). Concurrent: --concurrent
// runs started at once on one io_context served by --threads threads, the model waiting
// --delay-ms per call on an asynchronous timer (ideal wall time 6 x delay).
//
// Output, one figure a line ("name value"), for scripts:
//   us_per_run      wall time of the sequential runs on this thread, per run (flush excluded)
//   cpu_us_per_run  CPU time of the whole process (every thread: the export worker included)
//                   from the first run until every span is exported, per run
//   spans_per_run   spans that reached the file or the sink, per run
//   peak_rss_mb     the process's peak resident set after the sequential runs
//   concurrent_ms   wall time of the concurrent runs, until the last one ended
//   concurrent_spans_lost  spans of the concurrent runs that never arrived (a full batch queue
//                   drops; OTEL_BSP_MAX_QUEUE_SIZE sets its size)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/otlp/otlp_exporter.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "bench_common.hpp"
#include "support/loopback_http_server.hpp"
#include "support/otlp_receiver.hpp"

using namespace agentrace;
using Clock = std::chrono::steady_clock;

namespace {

enum class Tracing { jsonl, otlp, off };

struct Args {
  Tracing tracing = Tracing::jsonl;
  int runs = 2000;
  int concurrent = 1000;
  int delay_ms = 20;
  int threads = 2;
  agent::ContentCapture content = agent::ContentCapture::truncated;
  bool cassettes = false;
};

[[noreturn]] void usage(const std::string& message) {
  std::fprintf(stderr,
               "agent_loop: %s\nusage: agent_loop [--tracing jsonl|otlp|off] [--runs N] [--concurrent N] "
               "[--delay-ms MS] [--threads T] [--content full|truncated|off] [--cassettes]\n",
               message.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--cassettes") {
      a.cassettes = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value after " + arg);
    const std::string value = argv[++i];
    try {
      if (arg == "--runs") a.runs = std::stoi(value);
      else if (arg == "--concurrent") a.concurrent = std::stoi(value);
      else if (arg == "--delay-ms") a.delay_ms = std::stoi(value);
      else if (arg == "--threads") a.threads = std::stoi(value);
      else if (arg == "--tracing") {
        if (value == "jsonl") a.tracing = Tracing::jsonl;
        else if (value == "otlp") a.tracing = Tracing::otlp;
        else if (value == "off") a.tracing = Tracing::off;
        else usage("--tracing takes jsonl, otlp or off");
      } else if (arg == "--content") {
        if (value == "full") a.content = agent::ContentCapture::full;
        else if (value == "truncated") a.content = agent::ContentCapture::truncated;
        else if (value == "off") a.content = agent::ContentCapture::off;
        else usage("--content takes full, truncated or off");
      } else usage("unknown argument " + arg);
    } catch (const std::logic_error&) {
      usage("bad number for " + arg);
    }
  }
  if (a.runs < 1 || a.concurrent < 0 || a.threads < 1 || a.delay_ms < 0) usage("counts must be positive");
  return a;
}

// --- The OTLP sink, in a child process ------------------------------------------------------

// The child answers 200 to every request and keeps the bodies; asked (a byte on `ask`), it
// decodes what it has received and answers with the span count (`<count>\n` on `answer`).
// Started before any thread exists in the parent, since it forks.
struct Sink {
  pid_t pid = -1;
  int ask = -1;     // parent writes
  int answer = -1;  // parent reads
  std::uint16_t port = 0;

  static Sink start() {
    int to_child[2];
    int to_parent[2];
    if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
      std::perror("agent_loop: pipe");
      std::exit(1);
    }
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("agent_loop: fork");
      std::exit(1);
    }
    if (pid == 0) {
      close(to_child[1]);
      close(to_parent[0]);
      serve(to_child[0], to_parent[1]);
      _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    Sink sink;
    sink.pid = pid;
    sink.ask = to_child[1];
    sink.answer = to_parent[0];
    sink.port = static_cast<std::uint16_t>(std::stoul(read_line(sink.answer)));
    return sink;
  }

  std::size_t spans_received() const {
    if (write(ask, "?", 1) != 1) return 0;
    return std::stoul(read_line(answer));
  }

  void stop() {
    close(ask);
    waitpid(pid, nullptr, 0);
    close(answer);
  }

 private:
  static std::string read_line(int fd) {
    std::string line;
    char c = 0;
    while (read(fd, &c, 1) == 1 && c != '\n') line += c;
    if (line.empty()) {
      std::fprintf(stderr, "agent_loop: the OTLP sink did not answer\n");
      std::exit(1);
    }
    return line;
  }

  static void write_line(int fd, const std::string& text) {
    const std::string line = text + "\n";
    if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(1);
  }

  [[noreturn]] static void serve(int ask, int answer) {
    testing::LoopbackHttpServer server([](const testing::ServerRequest&) { return testing::ServerResponse{}; });
    write_line(answer, std::to_string(server.port()));
    char c = 0;
    while (read(ask, &c, 1) == 1) {
      std::size_t spans = 0;
      for (const auto& request : server.requests()) spans += testing::decode_otlp_protobuf(request.body).size();
      write_line(answer, std::to_string(spans));
    }
    _exit(0);
  }
};

// --- The workload ---------------------------------------------------------------------------

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

// The Runner as the chosen tracing makes it, and where to count what its spans became.
struct Setup {
  std::filesystem::path trace_dir;                     // jsonl
  std::unique_ptr<tracing::TracerProvider> provider;  // otlp
  std::unique_ptr<agent::Runner> runner;

  Setup(const Args& args, const Sink* sink) {
    agent::RunnerOptions o;
    o.content.mode = args.content;
    o.log_trace_location = false;
    o.cassettes.enabled = args.cassettes;
    o.default_tracing.enabled = args.tracing == Tracing::jsonl;
    if (args.tracing == Tracing::jsonl) {
      std::string pattern = (std::filesystem::temp_directory_path() / "agent_loop.XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) {
        std::perror("agent_loop: mkdtemp");
        std::exit(1);
      }
      trace_dir = pattern;
      o.default_tracing.trace_dir = trace_dir;
    } else if (args.tracing == Tracing::otlp) {
      otlp::OtlpExporterOptions exporter;
      exporter.endpoint = "http://127.0.0.1:" + std::to_string(sink->port) + "/v1/traces";
      provider = std::make_unique<tracing::TracerProvider>(tracing::TracerProviderOptions{
          .processor = tracing::make_batch_processor(std::make_unique<otlp::OtlpHttpExporter>(exporter))});
      o.tracer = provider->tracer("bench");
    }
    runner = std::make_unique<agent::Runner>(std::move(o));
  }
  ~Setup() {
    runner.reset();
    provider.reset();
    if (!trace_dir.empty()) std::filesystem::remove_all(trace_dir);
  }
  Setup(const Setup&) = delete;
  Setup& operator=(const Setup&) = delete;

  void flush() {
    if (provider) provider->force_flush(std::chrono::seconds(30));
    else runner->flush(std::chrono::seconds(30));
  }

  // Spans written to the trace files: one JSON object a line.
  std::size_t lines_written() const {
    std::size_t lines = 0;
    for (const auto& entry : std::filesystem::directory_iterator(trace_dir)) {
      if (entry.path().extension() != ".jsonl") continue;
      std::ifstream in(entry.path());
      std::string line;
      while (std::getline(in, line)) lines += line.empty() ? 0 : 1;
    }
    return lines;
  }
};

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double peak_rss_mb() {
  // VmHWM: the peak so far, read now (ru_maxrss would do as well; this names the same figure).
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kb = 0;
      status >> kb;
      return kb / 1024.0;
    }
    status.ignore(1 << 16, '\n');
  }
  return static_cast<double>(bench::peak_rss_kb()) / 1024.0;
}

// Returns the spans per run.
std::size_t sequential(const Args& args, const Sink* sink, const tools::ToolPtr& add) {
  Setup setup(args, sink);
  std::vector<agent::Agent> agents;
  agents.reserve(static_cast<std::size_t>(args.runs));
  for (int i = 0; i < args.runs; ++i) agents.push_back(workload_agent(add, workload_model({})));
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  for (const auto& a : agents) {
    auto r = setup.runner->run(a, "Add 1 and 2, then 2 and 3, and so on.");
    if (!r.ok() || r.steps != 6) {
      std::fprintf(stderr, "agent_loop: a run did not complete as scripted: %s\n", r.error.c_str());
      std::exit(1);
    }
  }
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  if (args.tracing != Tracing::off) setup.flush();
  const double cpu = cpu_seconds() - cpu0;
  std::size_t spans = 0;
  if (args.tracing == Tracing::jsonl) spans = setup.lines_written();
  if (args.tracing == Tracing::otlp) spans = sink->spans_received();
  const auto runs = static_cast<std::size_t>(args.runs);
  if (args.tracing != Tracing::off && (spans == 0 || spans % runs != 0)) {
    std::fprintf(stderr, "agent_loop: %zu spans arrived for %d runs: some were lost\n", spans, args.runs);
    std::exit(1);
  }
  std::printf("us_per_run %.2f\n", us / args.runs);
  std::printf("cpu_us_per_run %.2f\n", 1e6 * cpu / args.runs);
  std::printf("spans_per_run %zu\n", spans / runs);
  std::printf("peak_rss_mb %.1f\n", peak_rss_mb());
  return spans / runs;
}

// Spans lost here are reported, not fatal: a burst of runs can fill the batch queue.
void concurrent(const Args& args, const Sink* sink, const tools::ToolPtr& add, std::size_t spans_per_run) {
  const std::size_t spans_before = args.tracing == Tracing::otlp ? sink->spans_received() : 0;
  Setup setup(args, sink);
  std::vector<agent::Agent> agents;
  for (int i = 0; i < args.concurrent; ++i) agents.push_back(workload_agent(add, workload_model(std::chrono::milliseconds(args.delay_ms))));
  asio::io_context io;
  int completed = 0;
  std::mutex mutex;
  const auto t0 = Clock::now();
  for (const auto& a : agents) {
    asio::co_spawn(io, setup.runner->run_async(a, "Add the numbers."), [&](std::exception_ptr e, agent::RunResult r) {
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
  std::printf("concurrent_ms %.1f\n", ms);
  if (args.tracing == Tracing::off) return;
  setup.flush();
  const std::size_t arrived = args.tracing == Tracing::jsonl ? setup.lines_written() : sink->spans_received() - spans_before;
  const std::size_t expected = spans_per_run * static_cast<std::size_t>(args.concurrent);
  std::printf("concurrent_spans_lost %zu\n", expected > arrived ? expected - arrived : 0);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  Sink sink;
  if (args.tracing == Tracing::otlp) sink = Sink::start();  // first: it forks
  auto add = tools::make_tool("add", "Add two integers")
                 .param<std::int64_t>("a", "first addend")
                 .param<std::int64_t>("b", "second addend")
                 .handler([](std::int64_t a, std::int64_t b) { return a + b; });
  const std::size_t spans_per_run = sequential(args, &sink, add);
  if (args.concurrent > 0) concurrent(args, &sink, add, spans_per_run);
  if (args.tracing == Tracing::otlp) sink.stop();
  return 0;
}
