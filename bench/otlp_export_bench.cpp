// End-to-end OTLP/HTTP export throughput: encode (protobuf or JSON), POST over loopback to a
// receiver that decodes every request (tests/support/otlp_receiver: LoopbackHttpServer + the
// schema-less protobuf decoder / nlohmann), and read the answer. Batches of 512 spans with the
// attributes of an LLM call. Counter "spans/s" is what docs/performance.md reports.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "agentrace/otlp/otlp_exporter.hpp"
#include "support/otlp_receiver.hpp"

namespace {

namespace tr = agentrace::tracing;
namespace otlp = agentrace::otlp;

std::vector<tr::SpanData> make_batch(std::size_t n) {
  const auto& source = tr::SpanSource::intern(tr::Resource{{{"service.name", "bench"}}}, tr::InstrumentationScope{"agentrace", "0.1.0"});
  std::vector<tr::SpanData> spans(n);
  const auto trace = tr::TraceId::random();
  for (std::size_t i = 0; i < n; ++i) {
    auto& s = spans[i];
    s.trace_id = trace;
    s.span_id = tr::SpanId::random();
    s.parent_span_id = tr::SpanId::random();
    s.name = "chat gpt-4o";
    s.kind = tr::SpanKind::client;
    s.start_unix_ns = 1'700'000'000'000'000'000ULL + i;
    s.end_unix_ns = s.start_unix_ns + 1000;
    s.attributes = tr::Attributes{{"gen_ai.operation.name", "chat"},
                                  {"gen_ai.request.model", "gpt-4o"},
                                  {"gen_ai.usage.input_tokens", 120},
                                  {"gen_ai.usage.output_tokens", 30},
                                  {"gen_ai.response.finish_reasons", std::vector<std::string>{"stop"}},
                                  {"openinference.span.kind", "LLM"}};
    s.source = &source;
  }
  return spans;
}

// `decode`: the receiver decodes every request into span records (its thread's CPU is part of
// the wall time measured); otherwise it answers 200 at once, which leaves the exporter's cost:
// encoding, the HTTP exchange and the server's parsing of the request.
void export_loopback(benchmark::State& state, otlp::Protocol protocol, bool decode) {
  std::unique_ptr<agentrace::testing::OtlpReceiver> receiver;
  std::unique_ptr<agentrace::testing::LoopbackHttpServer> server;
  otlp::OtlpExporterOptions options;
  if (decode) {
    receiver = std::make_unique<agentrace::testing::OtlpReceiver>();
    options.endpoint = receiver->url();
  } else {
    server = std::make_unique<agentrace::testing::LoopbackHttpServer>(
        [](const agentrace::testing::ServerRequest&) { return agentrace::testing::ServerResponse{}; });
    options.endpoint = server->url("/v1/traces");
  }
  options.protocol = protocol;
  otlp::OtlpHttpExporter exporter(options);
  const auto spans = make_batch(512);
  std::vector<const tr::SpanData*> batch;
  for (const auto& s : spans) batch.push_back(&s);
  for (auto _ : state) {
    if (exporter.export_spans(batch, std::chrono::seconds{10}) != tr::ExportResult::success) {
      state.SkipWithError("export failed");
      break;
    }
  }
  state.counters["spans/s"] = benchmark::Counter(static_cast<double>(state.iterations() * batch.size()),
                                                 benchmark::Counter::kIsRate);
}

void BM_otlp_http_protobuf_512(benchmark::State& state) { export_loopback(state, otlp::Protocol::http_protobuf, false); }
void BM_otlp_http_json_512(benchmark::State& state) { export_loopback(state, otlp::Protocol::http_json, false); }
void BM_otlp_http_protobuf_512_decoded(benchmark::State& state) { export_loopback(state, otlp::Protocol::http_protobuf, true); }
void BM_otlp_http_json_512_decoded(benchmark::State& state) { export_loopback(state, otlp::Protocol::http_json, true); }

BENCHMARK(BM_otlp_http_protobuf_512)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_otlp_http_json_512)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_otlp_http_protobuf_512_decoded)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_otlp_http_json_512_decoded)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
