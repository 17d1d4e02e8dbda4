// span_cost: what one span costs, per case, as a plain program (runs under callgrind).
//
//   span_cost --case a --spans 1000000 [--threads 1] [--repeat 5]
//
// Cases: a batch + 4 attributes; b simple processor + 4 attributes; c 3 nested spans with Scope;
// d one 2 KB attribute; e case a on 2 threads; f 1,000,000 spans of case a, default batch
// options (drop rate, peak RSS); g tracing off. Prints the median over --repeat runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"

using namespace agentrace;
using namespace agentrace::tracing;

namespace {

struct Args {
  char which = 'a';
  std::uint64_t spans = 1'000'000;
  int threads = 1;
  int repeat = 5;
};

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr, "span_cost: %s\nusage: span_cost --case a|b|c|d|e|f|g [--spans N] [--threads T] [--repeat R]\n",
               message);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  bool threads_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + arg).c_str());
      return argv[++i];
    };
    try {
      if (arg == "--case") {
        const std::string v = value();
        if (v.size() != 1 || v[0] < 'a' || v[0] > 'g') usage("--case takes one of a..g");
        a.which = v[0];
      } else if (arg == "--spans") {
        a.spans = std::stoull(value());
      } else if (arg == "--threads") {
        a.threads = std::stoi(value());
        threads_given = true;
      } else if (arg == "--repeat") {
        a.repeat = std::stoi(value());
      } else {
        usage(("unknown argument " + arg).c_str());
      }
    } catch (const std::logic_error&) {
      usage(("bad number for " + arg).c_str());
    }
  }
  if (a.which == 'e' && !threads_given) a.threads = 2;
  if (a.which == 'f') a.spans = std::max<std::uint64_t>(a.spans, 1'000'000);
  if (a.threads < 1 || a.repeat < 1 || a.spans == 0) usage("counts must be positive");
  return a;
}

struct RunResult {
  double ns_per_span = 0;
  double spans_per_second = 0;
  std::uint64_t dropped = 0;
  std::uint64_t exported = 0;
};

RunResult run_once(const Args& args) {
  std::atomic<std::uint64_t> exported{0};
  BatchSpanProcessor* batch = nullptr;
  TracerProviderOptions options;
  if (args.which == 'b') {
    options.processor = make_simple_processor(std::make_unique<bench::DiscardExporter>(&exported));
  } else if (args.which != 'g') {
    auto p = std::make_unique<BatchSpanProcessor>(std::make_unique<bench::DiscardExporter>(&exported), BatchOptions{});
    batch = p.get();
    options.processor = std::move(p);
  }
  // (g) has no processor: tracing is off.
  options.enabled = args.which != 'g';
  TracerProvider provider(std::move(options));
  const Tracer tracer = provider.tracer("span_cost");
  const std::string payload(2048, 'x');
  const int spans_per_call = args.which == 'c' ? 3 : 1;
  const std::uint64_t calls = args.spans / spans_per_call;

  auto work = [&](std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
      switch (args.which) {
        case 'c': bench::three_nested_spans(tracer); break;
        case 'd': bench::span_with_large_attribute(tracer, payload); break;
        default: bench::span_with_four_attributes(tracer, static_cast<std::int64_t>(i)); break;
      }
    }
  };

  const auto start = std::chrono::steady_clock::now();
  if (args.threads == 1) {
    work(calls);
  } else {
    std::vector<std::thread> threads;
    for (int t = 0; t < args.threads; ++t) threads.emplace_back(work, calls / args.threads);
    for (auto& t : threads) t.join();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  provider.shutdown(std::chrono::seconds(30));

  const double ns = std::chrono::duration<double, std::nano>(elapsed).count();
  const std::uint64_t total_spans = (args.threads == 1 ? calls : (calls / args.threads) * args.threads) * spans_per_call;
  RunResult r;
  r.ns_per_span = ns / static_cast<double>(total_spans) * (args.threads > 1 ? args.threads : 1);
  r.spans_per_second = static_cast<double>(total_spans) / (ns / 1e9);
  r.dropped = batch != nullptr ? batch->stats().dropped : 0;
  r.exported = exported.load();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  std::vector<double> ns, rate, dropped_pct;
  std::uint64_t dropped_total = 0;
  for (int r = 0; r < args.repeat; ++r) {
    const RunResult res = run_once(args);
    ns.push_back(res.ns_per_span);
    rate.push_back(res.spans_per_second);
    const double produced = static_cast<double>(res.exported + res.dropped);
    dropped_pct.push_back(produced > 0 ? 100.0 * static_cast<double>(res.dropped) / produced : 0.0);
    dropped_total += res.dropped;
  }
  std::printf("case %c: spans %llu x %d run(s), threads %d\n", args.which,
              static_cast<unsigned long long>(args.spans), args.repeat, args.threads);
  std::printf("  ns/span (per thread, median)   %.1f\n", bench::median(ns));
  std::printf("  spans/s (all threads, median)  %.0f\n", bench::median(rate));
  std::printf("  dropped (median %%, total)      %.4f%%, %llu\n", bench::median(dropped_pct),
              static_cast<unsigned long long>(dropped_total));
  std::printf("  peak RSS                       %.1f MB\n", static_cast<double>(bench::peak_rss_kb()) / 1024.0);
  return 0;
}
