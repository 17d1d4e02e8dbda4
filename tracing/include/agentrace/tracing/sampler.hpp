// Head sampling, with the OpenTelemetry SDK's samplers and their environment names.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "agentrace/tracing/ids.hpp"
#include "agentrace/tracing/span_data.hpp"

namespace agentrace::tracing {

enum class SamplingDecision : std::uint8_t {
  drop,               // not recorded, not exported; the context still propagates (unsampled)
  record_only,        // recorded and handed to processors, not sampled, so not exported
  record_and_sample,  // recorded and exported
};

struct SamplingParams {
  const SpanContext* parent = nullptr;  // nullptr or invalid for a root span
  TraceId trace_id{};
  std::string_view name{};
  SpanKind kind = SpanKind::internal;
};

// Called on the thread that starts a span, possibly from many threads at once: implementations
// must be thread-safe and should not allocate.
class Sampler {
 public:
  Sampler() = default;
  virtual ~Sampler() = default;
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  virtual SamplingDecision should_sample(const SamplingParams& params) const noexcept = 0;
  // The spec's description, e.g. "TraceIdRatioBased{0.250000}".
  virtual std::string description() const = 0;
};

std::unique_ptr<Sampler> make_always_on_sampler();
std::unique_ptr<Sampler> make_always_off_sampler();
// ratio is clamped to [0, 1]; the decision depends only on the trace id, so every process agrees.
std::unique_ptr<Sampler> make_trace_id_ratio_sampler(double ratio);

// ParentBased: the root sampler decides roots; a parent's sampled flag decides children, with
// remote and local parents configurable as the spec describes (defaults: follow the parent).
struct ParentBasedOptions {
  std::unique_ptr<Sampler> remote_parent_sampled{};      // default always_on
  std::unique_ptr<Sampler> remote_parent_not_sampled{};  // default always_off
  std::unique_ptr<Sampler> local_parent_sampled{};       // default always_on
  std::unique_ptr<Sampler> local_parent_not_sampled{};   // default always_off
};
std::unique_ptr<Sampler> make_parent_based_sampler(std::unique_ptr<Sampler> root,
                                                   ParentBasedOptions options = {});

// The spec's names: always_on, always_off, traceidratio, parentbased_always_on,
// parentbased_always_off, parentbased_traceidratio. `arg` is the ratio for the ratio samplers
// (default 1.0). Unknown names and bad ratios are reported through `error` (when given) and fall
// back to the spec's default, parentbased_always_on (ratio 1.0).
std::unique_ptr<Sampler> make_sampler(std::string_view name, std::string_view arg,
                                      std::string* error = nullptr);
// From OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG; problems are logged once as warnings.
std::unique_ptr<Sampler> sampler_from_env();

}  // namespace agentrace::tracing
