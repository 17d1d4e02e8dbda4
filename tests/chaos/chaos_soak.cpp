// chaos_soak: many concurrent agent runs against a misbehaving model server while the OTLP
// collector goes down, comes back, stalls and answers with errors and garbage; then checks that
// nothing was lost uncounted (docs/reliability.md, "Chaos soak").
//
//   chaos_soak [--runs 1000] [--rounds 5] [--seed S] [--threads 2] [--deadline-ms 1500] [--grace-ms 2000]
//              [--rss-check on|off] [--rss-tolerance-mb 16] [--show-runs]
//
// Each round starts --runs runs at once on one io_context served by --threads threads. A run is
// a manager agent whose model asks for four tool calls at once (three lookups, one of them
// sometimes failing, and the managed agent "researcher", which makes its own model and tool
// calls), then answers. The models are an OpenAI-compatible loopback server (chaos_model_server)
// that misbehaves at random; a few runs are cancelled, a few get max_steps 1. Spans go to an
// in-memory exporter (simple processor) and, through a batch processor, to the OTLP/HTTP exporter
// posting protobuf to a loopback collector (chaos_collector) in trouble.
//
// Checked every round:
//   - every run ends, within its deadline (plus a grace), with a RunStatus and no exception;
//   - every span started has ended; each run has one trace, with one root (the manager's
//     invoke_agent, whose agentrace.run.status is the run's status) and no orphans;
//   - in memory: exported = produced; OTLP: exported + dropped = produced, where dropped is what
//     the batch queue refused, what the exporter gave up on and what the collector rejected in a
//     partial_success, each counted; every span the exporter counts exported reached the
//     collector;
//   - after the round's Runner, clients and provider are gone: as many file descriptors and
//     threads as before the first round;
// and over the rounds, the resident set after the last round within --rss-tolerance-mb of the
// one after round 2 (needs 3 rounds; --rss-check off under the sanitizers, whose allocators keep
// freed memory in quarantine).
//
// The seed (random unless given) is printed first: the same seed gives each run the same model
// faults. Exit status 0 when every check held, 1 otherwise, 2 for bad arguments, 3 when a round
// hung.
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/openai.hpp"
#include "agentrace/otlp/otlp_exporter.hpp"
#include "agentrace/schema/names.hpp"
#include "agentrace/testkit/span_tree.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/in_memory_exporter.hpp"
#include "agentrace/tracing/processor.hpp"
#include "chaos/chaos_collector.hpp"
#include "chaos/chaos_model_server.hpp"
#include "chaos/chaos_random.hpp"

using namespace agentrace;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

struct Args {
  int runs = 1000;
  int rounds = 5;
  std::optional<std::uint64_t> seed;
  int threads = 2;
  milliseconds deadline{1500};
  milliseconds grace{2000};  // a run may end this much after its deadline (a loaded machine, a sanitizer)
  bool rss_check = true;
  double rss_tolerance_mb = 16;
  bool show_runs = false;
};

[[noreturn]] void usage(const std::string& message) {
  std::fprintf(stderr,
               "chaos_soak: %s\nusage: chaos_soak [--runs N] [--rounds R] [--seed S] [--threads T] [--deadline-ms MS] "
               "[--grace-ms MS] [--rss-check on|off] [--rss-tolerance-mb MB] [--show-runs]\n",
               message.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--show-runs") {
      a.show_runs = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value after " + arg);
    const std::string value = argv[++i];
    try {
      if (arg == "--runs") a.runs = std::stoi(value);
      else if (arg == "--rounds") a.rounds = std::stoi(value);
      else if (arg == "--seed") a.seed = std::stoull(value);
      else if (arg == "--threads") a.threads = std::stoi(value);
      else if (arg == "--deadline-ms") a.deadline = milliseconds(std::stoi(value));
      else if (arg == "--grace-ms") a.grace = milliseconds(std::stoi(value));
      else if (arg == "--rss-tolerance-mb") a.rss_tolerance_mb = std::stod(value);
      else if (arg == "--rss-check") {
        if (value != "on" && value != "off") usage("--rss-check takes on or off");
        a.rss_check = value == "on";
      } else usage("unknown argument " + arg);
    } catch (const std::logic_error&) {
      usage("bad number for " + arg);
    }
  }
  if (a.runs < 1 || a.rounds < 1 || a.threads < 1 || a.deadline < 100ms || a.grace < 0ms) {
    usage("--runs, --rounds and --threads must be positive, --deadline-ms at least 100");
  }
  return a;
}

// --- The process, from /proc ------------------------------------------------------------------

std::size_t count_entries(const char* dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;  // /proc/self/fd includes the iterator's own descriptor: the same in every reading
}

std::size_t open_fds() { return count_entries("/proc/self/fd"); }
std::size_t thread_count() { return count_entries("/proc/self/task"); }

double rss_mb() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// What each descriptor points at, for a leak report.
std::multiset<std::string> fd_targets() {
  std::multiset<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(entry.path(), ec);
    out.insert(ec ? "?" : target.string());
  }
  return out;
}

// --- Counting what the pipeline is given -------------------------------------------------------

// The ground truth: every span started and ended, counted before any exporter sees it.
class CountingProcessor final : public tracing::SpanProcessor {
 public:
  void on_start(const tracing::SpanData& /*span*/) noexcept override { started_.fetch_add(1, std::memory_order_relaxed); }
  void on_end(std::unique_ptr<tracing::SpanData> span) noexcept override {
    ended_.fetch_add(1, std::memory_order_relaxed);
    if (span->flags.sampled()) sampled_.fetch_add(1, std::memory_order_relaxed);
  }
  bool force_flush(milliseconds /*timeout*/) noexcept override { return true; }
  bool shutdown(milliseconds /*timeout*/) noexcept override { return true; }

  [[nodiscard]] std::uint64_t started() const noexcept { return started_.load(); }
  [[nodiscard]] std::uint64_t ended() const noexcept { return ended_.load(); }
  [[nodiscard]] std::uint64_t sampled() const noexcept { return sampled_.load(); }

 private:
  std::atomic<std::uint64_t> started_{0};
  std::atomic<std::uint64_t> ended_{0};
  std::atomic<std::uint64_t> sampled_{0};
};

// --- A round -----------------------------------------------------------------------------------

struct Figures {
  int round = 0;
  std::map<agent::RunStatus, std::size_t> statuses;
  std::uint64_t produced = 0;
  std::uint64_t in_memory = 0;
  tracing::BatchStats batch{};
  otlp::OtlpExporterStats otlp{};
  std::size_t collector_accepted = 0;
  std::size_t fds = 0;
  std::size_t threads = 0;
  double rss_mb = 0;
  double seconds = 0;
  double shutdown_seconds = 0;
  milliseconds longest_run{0};
};

class Soak {
 public:
  Soak(const Args& args, std::uint64_t seed)
      : args_(args),
        seed_(seed),
        // A too_slow reply answers after the run's deadline; a slow collector after the
        // exporter's timeout at worst.
        model_(seed, args.deadline + 300ms),
        collector_(seed, exporter_timeout + 100ms) {
    lookup_ = tools::make_tool("lookup", "Looks a topic up")
                  .param<std::string>("topic", "what to look up")
                  .handler([](const std::string& topic) -> std::string {
                    if (topic == chaos::broken_topic) throw std::runtime_error("the index is unavailable");
                    return "Facts about " + topic + ".";
                  });
  }

  // The descriptors and threads of the harness alone: what every round must come back to.
  void take_baseline() {
    baseline_fds_ = open_fds();
    baseline_threads_ = thread_count();
    baseline_targets_ = fd_targets();
  }
  [[nodiscard]] std::size_t baseline_fds() const noexcept { return baseline_fds_; }
  [[nodiscard]] std::size_t baseline_threads() const noexcept { return baseline_threads_; }

  Figures round(int number);
  // After a round: descriptors and threads back to the baseline, the resident set.
  void check_leftovers(Figures& f);

  void fail(std::string message) {
    std::lock_guard lock(problems_mutex_);
    if (problems_.size() < 20) std::fprintf(stderr, "chaos_soak: FAILED: %s\n", message.c_str());
    problems_.push_back(std::move(message));
  }
  [[nodiscard]] std::size_t problems() const {
    std::lock_guard lock(problems_mutex_);
    return problems_.size();
  }
  [[nodiscard]] const chaos::ChaosModelServer& model() const noexcept { return model_; }
  [[nodiscard]] const chaos::ChaosCollector& collector() const noexcept { return collector_; }

  static constexpr milliseconds exporter_timeout{500};

 private:
  std::shared_ptr<llm::OpenAiClient> client(bool stream) const {
    llm::OpenAiOptions o;
    o.base_url = model_.base_url();
    o.require_api_key = false;
    o.provider = "chaos";
    o.stream = stream;
    o.http.timeouts.connect = 1000ms;
    o.http.timeouts.first_byte = args_.deadline;
    o.http.timeouts.body_idle = 500ms;
    o.http.timeouts.total = args_.deadline + 500ms;
    return std::make_shared<llm::OpenAiClient>(o);
  }

  agent::Agent agent_for(std::uint64_t run, const std::shared_ptr<llm::OpenAiClient>& streamed,
                         const std::shared_ptr<llm::OpenAiClient>& plain) const {
    agent::Agent researcher;
    researcher.name = "researcher";
    researcher.description = "Finds the figures for a report";
    researcher.instructions = "Look the figures up.";
    researcher.model = chaos::unit(chaos::draw(seed_, run, 1)) < 0.5 ? streamed : plain;
    researcher.model_name = std::string(chaos::researcher_model);
    researcher.tools = {lookup_};
    researcher.max_steps = 4;
    researcher.run_timeout = args_.deadline;
    researcher.tool_timeout = 500ms;

    agent::Agent manager;
    manager.name = "manager";
    manager.instructions = "Write the report; look things up and ask the researcher, all at once.";
    manager.model = chaos::unit(chaos::draw(seed_, run, 2)) < 0.5 ? streamed : plain;
    manager.model_name = std::string(chaos::manager_model);
    manager.tools = {lookup_};
    manager.managed_agents = {researcher};
    manager.parallel_tool_calls = true;
    manager.max_steps = chaos::unit(chaos::draw(seed_, run, 3)) < 0.03 ? 1 : 4;
    manager.run_timeout = args_.deadline;
    manager.tool_timeout = args_.deadline;
    return manager;
  }

  void check_traces(const std::vector<std::optional<agent::RunResult>>& results, const std::vector<tracing::SpanData>& spans,
                    const std::set<std::string>& accepted, const Figures& f);

  const Args& args_;
  std::uint64_t seed_;
  chaos::ChaosModelServer model_;
  chaos::ChaosCollector collector_;
  tools::ToolPtr lookup_;
  std::size_t baseline_fds_ = 0;
  std::size_t baseline_threads_ = 0;
  std::multiset<std::string> baseline_targets_;
  mutable std::mutex problems_mutex_;
  std::vector<std::string> problems_;
};

Figures Soak::round(int number) {
  Figures f;
  f.round = number;
  const auto runs = static_cast<std::size_t>(args_.runs);
  const auto t0 = Clock::now();
  std::atomic<std::size_t> finished{0};
  std::atomic<const char*> stage{"running"};

  // A round that does not end is a hang: report it and stop, rather than wait for CTest's timeout.
  // Runs end by their deadline, the provider's shutdown within 30 s, the teardown within 5 s.
  std::mutex watch_mutex;
  std::condition_variable watch_wake;
  bool round_over = false;
  const auto limit = args_.deadline + args_.grace + 60s;
  std::thread watchdog([&] {
    std::unique_lock lock(watch_mutex);
    if (!watch_wake.wait_for(lock, limit, [&] { return round_over; })) {
      std::fprintf(stderr, "chaos_soak: FAILED: round %d hung (%s): %zu of %zu runs ended after %lld s (seed %llu)\n", number,
                   stage.load(), finished.load(), runs,
                   static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(limit).count()),
                   static_cast<unsigned long long>(seed_));
      std::fflush(stderr);
      std::_Exit(3);
    }
  });
  struct StopWatchdog {
    std::mutex& mutex;
    std::condition_variable& wake;
    bool& over;
    std::thread& thread;
    ~StopWatchdog() {
      {
        std::lock_guard lock(mutex);
        over = true;
      }
      wake.notify_all();
      thread.join();
    }
  } stop_watchdog{watch_mutex, watch_wake, round_over, watchdog};

  // The pipeline: count, keep in memory, and export to the collector in batches.
  auto counting_owner = std::make_unique<CountingProcessor>();
  CountingProcessor& counting = *counting_owner;
  auto memory_exporter = std::make_unique<tracing::InMemoryExporter>();
  auto storage = memory_exporter->storage();
  otlp::OtlpExporterOptions exporter_options;
  exporter_options.endpoint = collector_.url();
  exporter_options.timeout = exporter_timeout;
  exporter_options.initial_backoff = 5ms;
  exporter_options.max_backoff = 40ms;
  exporter_options.max_attempts = 4;
  auto otlp_owner = std::make_unique<otlp::OtlpHttpExporter>(exporter_options);
  otlp::OtlpHttpExporter& otlp_exporter = *otlp_owner;
  tracing::BatchOptions batch_options;
  batch_options.max_queue_size = 2048;  // smaller than a round's spans: a collector that is down fills it
  batch_options.schedule_delay = 100ms;
  batch_options.export_timeout = exporter_timeout;
  batch_options.max_export_batch_size = 256;
  auto batch_owner = std::make_unique<tracing::BatchSpanProcessor>(std::move(otlp_owner), batch_options);
  tracing::BatchSpanProcessor& batch = *batch_owner;
  std::vector<std::unique_ptr<tracing::SpanProcessor>> processors;
  processors.push_back(std::move(counting_owner));
  processors.push_back(tracing::make_simple_processor(std::move(memory_exporter)));
  processors.push_back(std::move(batch_owner));
  tracing::TracerProviderOptions provider_options;
  provider_options.processor = tracing::make_multi_processor(std::move(processors));
  auto provider = std::make_unique<tracing::TracerProvider>(std::move(provider_options));

  agent::RunnerOptions runner_options;
  runner_options.tracer = provider->tracer("chaos_soak");
  runner_options.content.mode = agent::ContentCapture::truncated;
  runner_options.cassettes.enabled = false;
  runner_options.default_tracing.enabled = false;
  runner_options.retry = agent::RetryPolicy{3, 5ms, 2.0, 40ms};
  runner_options.tool_threads = 4;
  runner_options.log_trace_location = false;
  auto runner = std::make_unique<agent::Runner>(std::move(runner_options));
  auto streamed = client(true);
  auto plain = client(false);

  // The runs, all at once.
  asio::io_context io;
  std::vector<std::optional<agent::RunResult>> results(runs);
  std::mutex results_mutex;
  model_.reset_attempts();
  collector_.start_outages(static_cast<std::uint64_t>(number));
  for (std::size_t i = 0; i < runs; ++i) {
    const std::uint64_t run = static_cast<std::uint64_t>(number) * runs + i + 1;
    const agent::Agent manager = agent_for(run, streamed, plain);
    agent::RunConfig config;
    if (chaos::unit(chaos::draw(seed_, run, 4)) < 0.03) {  // cancelled at a random moment
      std::stop_source stop;
      config.stop = stop.get_token();
      const auto after = milliseconds(static_cast<std::int64_t>(chaos::unit(chaos::draw(seed_, run, 5)) *
                                                                static_cast<double>(args_.deadline.count()) / 2));
      auto timer = std::make_shared<asio::steady_timer>(io, after);
      timer->async_wait([stop, timer](const boost::system::error_code&) mutable { stop.request_stop(); });
    }
    const std::string task = "Write the report " + chaos::run_marker(run);
    asio::co_spawn(io, runner->run_async(manager, task, std::move(config)),
                   [&, i, run](std::exception_ptr error, agent::RunResult result) {
                     if (error) {
                       std::string what = "unknown";
                       try {
                         std::rethrow_exception(error);
                       } catch (const std::exception& e) {
                         what = e.what();
                       } catch (...) {
                       }
                       fail("run " + std::to_string(run) + ": an exception escaped run_async: " + what);
                     } else {
                       std::lock_guard lock(results_mutex);
                       results[i] = std::move(result);
                     }
                     ++finished;
                   });
  }

  std::vector<std::thread> workers;
  for (int t = 1; t < args_.threads; ++t) workers.emplace_back([&] { io.run(); });
  io.run();
  for (auto& w : workers) w.join();
  stage = "stopping the collector's outages";
  collector_.stop_outages();
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  // Every run ended with a status, in time.
  for (std::size_t i = 0; i < runs; ++i) {
    if (!results[i]) continue;  // its exception was reported
    const agent::RunResult& r = *results[i];
    ++f.statuses[r.status];
    if (args_.show_runs) {
      std::printf("  run %llu: %s in %lld ms%s%s\n", static_cast<unsigned long long>(number * runs + i + 1),
                  std::string(to_string(r.status)).c_str(),
                  static_cast<long long>(std::chrono::duration_cast<milliseconds>(r.duration).count()), r.error.empty() ? "" : ": ",
                  r.error.c_str());
    }
    const auto took = std::chrono::duration_cast<milliseconds>(r.duration);
    f.longest_run = std::max(f.longest_run, took);
    if (took > args_.deadline + args_.grace) {
      fail("run " + std::to_string(i) + " took " + std::to_string(took.count()) + " ms, past its deadline");
    }
    if (r.ok() != r.error.empty()) fail("run " + std::to_string(i) + ": status " + std::string(to_string(r.status)) + " with error \"" + r.error + "\"");
  }

  // Shut the pipeline down: every queued span is exported or counted as failed. Under chaos.
  stage = "shutting the tracer provider down";
  const auto s0 = Clock::now();
  if (!provider->shutdown(30s)) fail("round " + std::to_string(number) + ": the tracer provider's shutdown did not complete in 30 s");
  f.shutdown_seconds = std::chrono::duration<double>(Clock::now() - s0).count();

  f.produced = counting.sampled();
  f.in_memory = storage->size();
  f.batch = batch.stats();
  f.otlp = otlp_exporter.stats();
  if (counting.started() != counting.ended()) {
    fail(std::to_string(counting.started()) + " spans started but " + std::to_string(counting.ended()) + " ended");
  }
  const std::set<std::string> accepted = collector_.take_accepted();
  f.collector_accepted = accepted.size();
  check_traces(results, storage->spans(), accepted, f);

  // The Runner, the clients, the provider and the io_context go as this function returns;
  // check_leftovers() then looks for what stayed behind.
  return f;
}

void Soak::check_leftovers(Figures& f) {
  const int number = f.round;
  // Tear the round down and look for what stayed behind.
  // The servers' ends of the connections close on their own threads, some only when a delayed
  // answer is due (a model answering after the run's deadline, a slow collector): wait for both
  // servers to hold none, then give the process a moment before calling a descriptor leaked.
  const auto servers_idle = Clock::now() + args_.deadline + 30s;
  while ((model_.open_connections() > 0 || collector_.open_connections() > 0) && Clock::now() < servers_idle) {
    std::this_thread::sleep_for(10ms);
  }
  if (model_.open_connections() > 0 || collector_.open_connections() > 0) {
    fail("round " + std::to_string(number) + ": connections still open after 30 s: " + std::to_string(model_.open_connections()) +
         " to the model server, " + std::to_string(collector_.open_connections()) + " to the collector");
  }
  const auto settle = Clock::now() + 2s;
  while ((open_fds() > baseline_fds_ || thread_count() > baseline_threads_) && Clock::now() < settle) {
    std::this_thread::sleep_for(10ms);
  }
  f.fds = open_fds();
  f.threads = thread_count();
  if (f.fds > baseline_fds_) {
    std::string extra;
    auto now = fd_targets();
    for (const auto& t : baseline_targets_) {
      if (auto it = now.find(t); it != now.end()) now.erase(it);
    }
    for (const auto& t : now) extra += " " + t;
    fail("round " + std::to_string(number) + ": " + std::to_string(f.fds - baseline_fds_) + " file descriptor(s) leaked:" + extra);
  }
  if (f.threads > baseline_threads_) {
    fail("round " + std::to_string(number) + ": " + std::to_string(f.threads - baseline_threads_) + " thread(s) leaked");
  }
  malloc_trim(0);  // hand freed memory back, so that what stays resident is what is still in use
  f.rss_mb = rss_mb();
}

void Soak::check_traces(const std::vector<std::optional<agent::RunResult>>& results, const std::vector<tracing::SpanData>& spans,
                        const std::set<std::string>& accepted, const Figures& f) {
  const std::string round = "round " + std::to_string(f.round) + ": ";
  // For each exporter, exported + dropped = produced.
  if (f.in_memory != f.produced) {
    fail(round + "in memory: " + std::to_string(f.in_memory) + " spans exported of " + std::to_string(f.produced) + " produced");
  }
  const auto& b = f.batch;
  const auto& o = f.otlp;
  if (b.enqueued + b.dropped != f.produced) {
    fail(round + "batch: enqueued " + std::to_string(b.enqueued) + " + dropped " + std::to_string(b.dropped) + " != produced " +
         std::to_string(f.produced));
  }
  if (b.exported + b.failed != b.enqueued) {
    fail(round + "batch: exported " + std::to_string(b.exported) + " + failed " + std::to_string(b.failed) +
         " != enqueued " + std::to_string(b.enqueued) + " after shutdown");
  }
  if (o.spans_exported + o.spans_rejected != b.exported || o.spans_failed != b.failed) {
    fail(round + "OTLP exporter: exported " + std::to_string(o.spans_exported) + " + rejected " + std::to_string(o.spans_rejected) +
         " / failed " + std::to_string(o.spans_failed) + " disagree with the batch processor's exported " +
         std::to_string(b.exported) + " / failed " + std::to_string(b.failed));
  }
  const std::uint64_t otlp_dropped = b.dropped + o.spans_failed + o.spans_rejected;
  if (o.spans_exported + otlp_dropped != f.produced) {
    fail(round + "OTLP: exported " + std::to_string(o.spans_exported) + " + dropped " + std::to_string(otlp_dropped) +
         " != produced " + std::to_string(f.produced));
  }
  if (accepted.size() < o.spans_exported) {
    fail(round + "the collector accepted " + std::to_string(accepted.size()) + " spans, fewer than the " +
         std::to_string(o.spans_exported) + " the exporter counts exported");
  }

  // One trace per run, complete.
  std::map<std::string, std::vector<tracing::SpanData>> traces;
  std::set<std::string> ids;
  for (const auto& s : spans) {
    ids.insert(s.span_id.hex());
    traces[s.trace_id.hex()].push_back(s);
  }
  std::size_t unknown = 0;
  for (const auto& id : accepted) unknown += ids.count(id) == 0 ? 1 : 0;
  if (unknown > 0) fail(round + "the collector accepted " + std::to_string(unknown) + " span(s) this process never produced");
  std::size_t with_result = 0;
  for (const auto& slot : results) with_result += slot ? 1 : 0;
  if (traces.size() != with_result) {
    fail(round + std::to_string(traces.size()) + " traces for " + std::to_string(with_result) + " runs");
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) continue;
    const agent::RunResult& r = *results[i];
    const auto it = traces.find(r.trace_id);
    if (it == traces.end()) {
      fail(round + "run " + std::to_string(i) + " (" + std::string(to_string(r.status)) + "): no span of its trace " + r.trace_id);
      continue;
    }
    const testkit::SpanTree tree(it->second);
    const auto roots = tree.roots();
    const auto orphans = tree.orphans();
    if (!orphans.empty()) {
      fail(round + "run " + std::to_string(i) + ": " + std::to_string(orphans.size()) + " orphan span(s), e.g. " + orphans[0]->name);
    }
    if (!tree.unended().empty()) fail(round + "run " + std::to_string(i) + ": a span that has not ended was exported");
    if (roots.size() != 1 || roots[0]->name != "invoke_agent manager") {
      fail(round + "run " + std::to_string(i) + ": " + std::to_string(roots.size()) + " roots in its trace");
      continue;
    }
    const auto* status = roots[0]->attribute(schema::attr::run_status);
    const auto* text = status == nullptr ? nullptr : std::get_if<std::string>(status);
    if (text == nullptr || *text != to_string(r.status)) {
      fail(round + "run " + std::to_string(i) + ": its root span says status " + (text ? *text : "(none)") + ", the result " +
           std::string(to_string(r.status)));
    }
  }
}

void print_round(const Figures& f) {
  std::string statuses;
  for (const auto& [status, n] : f.statuses) statuses += " " + std::string(to_string(status)) + "=" + std::to_string(n);
  std::printf("round %d: %.1f s (shutdown %.2f s), longest run %lld ms, statuses:%s\n", f.round, f.seconds, f.shutdown_seconds,
              static_cast<long long>(f.longest_run.count()), statuses.c_str());
  std::printf("  spans produced %llu; in memory: exported %llu, dropped 0\n", static_cast<unsigned long long>(f.produced),
              static_cast<unsigned long long>(f.in_memory));
  const auto& b = f.batch;
  const auto& o = f.otlp;
  std::printf(
      "  OTLP: exported %llu, dropped %llu (queue full %llu, export failed %llu, rejected by the collector %llu); "
      "collector accepted %zu distinct; %llu requests, %llu retries\n",
      static_cast<unsigned long long>(o.spans_exported),
      static_cast<unsigned long long>(b.dropped + o.spans_failed + o.spans_rejected), static_cast<unsigned long long>(b.dropped),
      static_cast<unsigned long long>(o.spans_failed), static_cast<unsigned long long>(o.spans_rejected), f.collector_accepted,
      static_cast<unsigned long long>(o.requests), static_cast<unsigned long long>(o.retries));
  std::printf("  after the round: %zu fds, %zu threads, RSS %.1f MB\n", f.fds, f.threads, f.rss_mb);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const std::uint64_t seed = args.seed.value_or(std::random_device{}() * 0x100000000ULL + std::random_device{}());
  std::printf("chaos_soak: seed %llu (replay: chaos_soak --runs %d --rounds %d --seed %llu --threads %d --deadline-ms %lld)\n",
              static_cast<unsigned long long>(seed), args.runs, args.rounds, static_cast<unsigned long long>(seed), args.threads,
              static_cast<long long>(args.deadline.count()));
  std::fflush(stdout);

  // Each run holds a connection to the model server, both ends in this process.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  const auto t0 = Clock::now();
  Soak soak(args, seed);
  soak.take_baseline();
  std::printf("before: %zu fds, %zu threads, RSS %.1f MB\n", soak.baseline_fds(), soak.baseline_threads(), rss_mb());
  std::vector<Figures> rounds;
  for (int r = 1; r <= args.rounds; ++r) {
    rounds.push_back(soak.round(r));
    soak.check_leftovers(rounds.back());
    print_round(rounds.back());
  }

  if (args.rss_check && rounds.size() >= 3) {
    const double second = rounds[1].rss_mb;
    const double last = rounds.back().rss_mb;
    if (last > second + args.rss_tolerance_mb) {
      soak.fail("RSS grew from " + std::to_string(second) + " MB after round 2 to " + std::to_string(last) + " MB after round " +
                std::to_string(rounds.size()) + " (tolerance " + std::to_string(args.rss_tolerance_mb) + " MB)");
    }
  }

  std::string model_faults;
  for (const auto& [fault, n] : soak.model().faults()) model_faults += " " + std::string(chaos::to_string(fault)) + "=" + std::to_string(n);
  std::string collector_faults;
  for (const auto& [fault, n] : soak.collector().faults()) {
    collector_faults += " " + std::string(chaos::to_string(fault)) + "=" + std::to_string(n);
  }
  std::printf("model server answers:%s\ncollector answers:%s; outages %zu\n", model_faults.c_str(), collector_faults.c_str(),
              soak.collector().outages());
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (soak.problems() > 0) {
    std::printf("chaos_soak: FAILED: %zu problem(s) in %.1f s (seed %llu)\n", soak.problems(), seconds,
                static_cast<unsigned long long>(seed));
    return 1;
  }
  std::printf("chaos_soak: passed: %d round(s) of %d runs in %.1f s\n", args.rounds, args.runs, seconds);
  return 0;
}
