// Google Benchmark versions of span_cost's cases, for quick A/B comparisons during development.
#include <benchmark/benchmark.h>

#include "bench_common.hpp"

using namespace agentrace;
using namespace agentrace::tracing;

namespace {

std::unique_ptr<TracerProvider> make_provider(char which) {
  TracerProviderOptions options;
  if (which == 'b') {
    options.processor = make_simple_processor(std::make_unique<bench::DiscardExporter>());
  } else if (which != 'g') {
    options.processor = make_batch_processor(std::make_unique<bench::DiscardExporter>(), BatchOptions{});
  }
  options.enabled = which != 'g';
  return std::make_unique<TracerProvider>(std::move(options));
}

void BM_batch_four_attributes(benchmark::State& state) {  // case a (and e with ->Threads(2))
  // One provider for every thread of every run: the code before the loop is not synchronised
  // across benchmark threads, so it is made once, before any of them reads it.
  static TracerProvider* const provider = make_provider('a').release();
  const Tracer tracer = provider->tracer("bench");
  std::int64_t i = 0;
  for (auto _ : state) bench::span_with_four_attributes(tracer, ++i);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_batch_four_attributes)->Threads(1)->Threads(2)->UseRealTime();

void BM_simple_four_attributes(benchmark::State& state) {  // case b
  auto provider = make_provider('b');
  const Tracer tracer = provider->tracer("bench");
  std::int64_t i = 0;
  for (auto _ : state) bench::span_with_four_attributes(tracer, ++i);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_simple_four_attributes);

void BM_three_nested_with_scope(benchmark::State& state) {  // case c
  auto provider = make_provider('c');
  const Tracer tracer = provider->tracer("bench");
  for (auto _ : state) bench::three_nested_spans(tracer);
  state.SetItemsProcessed(3 * state.iterations());
}
BENCHMARK(BM_three_nested_with_scope);

void BM_large_attribute(benchmark::State& state) {  // case d
  auto provider = make_provider('d');
  const Tracer tracer = provider->tracer("bench");
  const std::string payload(2048, 'x');
  for (auto _ : state) bench::span_with_large_attribute(tracer, payload);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_large_attribute);

void BM_tracing_off(benchmark::State& state) {  // case g
  auto provider = make_provider('g');
  const Tracer tracer = provider->tracer("bench");
  std::int64_t i = 0;
  for (auto _ : state) bench::span_with_four_attributes(tracer, ++i);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_tracing_off);

}  // namespace

BENCHMARK_MAIN();
