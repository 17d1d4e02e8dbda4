// custom_exporter: a SpanExporter of your own, fed by the batch processor.
//
// An exporter implements export_spans (a batch of finished spans, valid for the call only) and
// shutdown. The batch processor queues spans as they end and hands them over in batches from
// its one worker thread, so export_spans never runs concurrently with itself and never slows the
// agent down; shutting the provider down exports what is still queued. This exporter prints one
// line per span (name, duration, status) and adds up the tokens that chat spans report in
// gen_ai.usage.* attributes. Only chat spans carry those, so the sum is the run's total usage.
//
//   cmake --preset release && cmake --build --preset release --target custom_exporter
//   ./build/release/examples/custom_exporter
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "agentrace/schema/names.hpp"
#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/tools/builtin.hpp"
#include "agentrace/tracing/exporter.hpp"
#include "agentrace/tracing/render.hpp"

namespace ag = agentrace::agent;
namespace llm = agentrace::llm;
namespace tools = agentrace::tools;
namespace tr = agentrace::tracing;
using llm::ScriptedLlmClient;

namespace {

// Shared with main, which reads it after the provider (the exporter's owner) has shut down.
struct TokenTotals {
  std::atomic<std::int64_t> spans{0};
  std::atomic<std::int64_t> input_tokens{0};
  std::atomic<std::int64_t> output_tokens{0};
};

class SpanLinePrinter final : public tr::SpanExporter {
 public:
  explicit SpanLinePrinter(std::shared_ptr<TokenTotals> totals) : totals_(std::move(totals)) {}

  tr::ExportResult export_spans(tr::SpanBatch batch, std::chrono::milliseconds /*timeout*/) noexcept override {
    if (shut_down_) return tr::ExportResult::failure;
    std::printf("-- batch of %zu spans\n", batch.size());
    for (const tr::SpanData* span : batch) {
      const auto status = tr::to_string(span->status.code);
      std::printf("  %-32s %10s  %.*s\n", span->name.c_str(), tr::format_duration(span->duration_ns()).c_str(),
                  static_cast<int>(status.size()), status.data());
      if (const auto* n = tr::find_attribute_as<std::int64_t>(span->attributes, agentrace::schema::attr::usage_input_tokens)) {
        totals_->input_tokens += *n;
      }
      if (const auto* n = tr::find_attribute_as<std::int64_t>(span->attributes, agentrace::schema::attr::usage_output_tokens)) {
        totals_->output_tokens += *n;
      }
      ++totals_->spans;
    }
    std::fflush(stdout);
    return tr::ExportResult::success;
  }

  bool shutdown(std::chrono::milliseconds /*timeout*/) noexcept override {
    shut_down_ = true;
    return true;
  }

 private:
  std::shared_ptr<TokenTotals> totals_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace

int main() {
  auto totals = std::make_shared<TokenTotals>();
  tr::BatchOptions batching = tr::BatchOptions::from_env();
  batching.max_export_batch_size = 6;  // small, to show several batches from one short run
  tr::TracerProvider provider(tr::TracerProviderOptions{
      .processor = tr::make_batch_processor(std::make_unique<SpanLinePrinter>(totals), batching)});

  ag::Agent agent;
  agent.name = "forecaster";
  agent.instructions = "Project compound growth with the calculator.";
  agent.tools = {tools::make_calculator_tool()};
  agent.model = std::make_shared<ScriptedLlmClient>(
      std::vector{ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "calculator", .arguments = {{"expression", "1000 * 1.028^25"}}}},
                                                "Compounding 25 years.", llm::Usage{120, 18, 138}),
                  ScriptedLlmClient::text("1000 growing 2.8% a year for 25 years becomes about 1994.47.",
                                          llm::Usage{160, 15, 175})});

  ag::RunnerOptions options;
  options.tracer = provider.tracer("examples.custom_exporter");
  ag::Runner runner(std::move(options));
  const ag::RunResult result = runner.run(agent, "What does 1000 become after 25 years at 2.8% a year?");
  provider.shutdown();  // exports what is still queued, then shuts the exporter down

  std::printf("\nanswer: %s\n", result.output.c_str());
  std::printf("exporter saw %lld spans, %lld input and %lld output tokens (the run reports %lld and %lld)\n",
              static_cast<long long>(totals->spans.load()), static_cast<long long>(totals->input_tokens.load()),
              static_cast<long long>(totals->output_tokens.load()),
              static_cast<long long>(result.total_usage.input_tokens),
              static_cast<long long>(result.total_usage.output_tokens));
  if (!result.ok()) {
    std::fprintf(stderr, "the run did not complete (%s): %s\n", std::string(ag::to_string(result.status)).c_str(),
                 result.error.c_str());
    return 1;
  }
  return totals->input_tokens == result.total_usage.input_tokens &&
                 totals->output_tokens == result.total_usage.output_tokens
             ? 0
             : 1;
}
