// Encoding throughput of the trace file formats: a batch of 512 spans, each with 4 attributes
// (the chat span of bench_common's case a) and 1 event, encoded into a reused buffer as an
// exporter does. items_per_second is spans per second on one core.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "agentrace/formats/chrome_trace.hpp"
#include "agentrace/formats/jaeger.hpp"
#include "agentrace/formats/otlp_encoding.hpp"

using namespace agentrace::formats;
using namespace agentrace::tracing;

namespace {

constexpr std::size_t batch_size = 512;

const std::vector<SpanData>& spans() {
  static const std::vector<SpanData> all = [] {
    Resource resource;
    resource.attributes = {{"service.name", "bench-agent"},
                           {"telemetry.sdk.name", "agentrace"},
                           {"telemetry.sdk.language", "cpp"},
                           {"telemetry.sdk.version", "0.1.0"}};
    const SpanSource& source = SpanSource::intern(resource, {"agentrace", "0.1.0"});
    const TraceId trace = TraceId::random();
    const SpanId root = SpanId::random();
    std::vector<SpanData> out;
    std::uint64_t t = 1'700'000'000'000'000'000ULL;
    for (std::size_t i = 0; i < batch_size; ++i) {
      SpanData s;
      s.trace_id = trace;
      s.span_id = SpanId::random();
      s.parent_span_id = root;
      s.flags.value = TraceFlags::sampled_bit;
      s.name = "chat gpt-4o-mini";
      s.kind = SpanKind::client;
      s.start_unix_ns = t;
      s.end_unix_ns = t + 850'000;
      s.attributes = {{"gen_ai.operation.name", "chat"},
                      {"gen_ai.request.model", "gpt-4o-mini"},
                      {"gen_ai.usage.input_tokens", static_cast<std::int64_t>(100 + i)},
                      {"gen_ai.request.temperature", 0.7}};
      s.events = {Event{"gen_ai.content.completion", t + 800'000, {{"gen_ai.response.finish_reason", "stop"}}, 0}};
      s.status = Status{StatusCode::ok, ""};
      s.source = &source;
      out.push_back(std::move(s));
      t += 1'000'000;
    }
    return out;
  }();
  return all;
}

std::vector<const SpanData*> batch() {
  std::vector<const SpanData*> out;
  for (const SpanData& s : spans()) out.push_back(&s);
  return out;
}

template <void (*Encode)(SpanBatch, std::string&)>
void encode_benchmark(benchmark::State& state) {
  const std::vector<const SpanData*> b = batch();
  std::string out;
  for (auto _ : state) {
    out.clear();  // reused, as exporters reuse theirs
    Encode(b, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * b.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
  state.counters["bytes_per_span"] = static_cast<double>(out.size()) / static_cast<double>(b.size());
}

void BM_otlp_protobuf(benchmark::State& state) { encode_benchmark<append_otlp_protobuf>(state); }
BENCHMARK(BM_otlp_protobuf);

void BM_otlp_json(benchmark::State& state) { encode_benchmark<append_otlp_json>(state); }
BENCHMARK(BM_otlp_json);

void BM_jaeger_json(benchmark::State& state) { encode_benchmark<append_jaeger_json>(state); }
BENCHMARK(BM_jaeger_json);

void BM_chrome_trace_json(benchmark::State& state) { encode_benchmark<append_chrome_trace_json>(state); }
BENCHMARK(BM_chrome_trace_json);

// The reader, for comparison: OTLP/JSON back into SpanData (nlohmann parses).
void BM_otlp_json_decode(benchmark::State& state) {
  std::string text;
  append_otlp_json(batch(), text);
  for (auto _ : state) {
    std::vector<SpanData> back = from_otlp_json(text);
    benchmark::DoNotOptimize(back.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch_size));
}
BENCHMARK(BM_otlp_json_decode);

}  // namespace

BENCHMARK_MAIN();
