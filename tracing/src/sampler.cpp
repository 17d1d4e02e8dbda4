#include "agentrace/tracing/sampler.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "env.hpp"

namespace agentrace::tracing {
namespace {

class AlwaysOnSampler final : public Sampler {
 public:
  SamplingDecision should_sample(const SamplingParams&) const noexcept override {
    return SamplingDecision::record_and_sample;
  }
  std::string description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOffSampler final : public Sampler {
 public:
  SamplingDecision should_sample(const SamplingParams&) const noexcept override { return SamplingDecision::drop; }
  std::string description() const override { return "AlwaysOffSampler"; }
};

class TraceIdRatioSampler final : public Sampler {
 public:
  explicit TraceIdRatioSampler(double ratio) noexcept
      // NaN has no place in [0, 1]; it gets the same answer as an unusable environment ratio.
      : ratio_(std::isnan(ratio) ? 1.0 : std::clamp(ratio, 0.0, 1.0)),
        sample_all_(ratio_ >= 1.0),
        // 2^64 itself does not fit in 64 bits, hence sample_all_; below 1.0 the product does.
        threshold_(sample_all_ ? 0 : static_cast<std::uint64_t>(ratio_ * 18446744073709551616.0)) {}

  SamplingDecision should_sample(const SamplingParams& params) const noexcept override {
    return sample_all_ || params.trace_id.low64() < threshold_ ? SamplingDecision::record_and_sample
                                                               : SamplingDecision::drop;
  }
  std::string description() const override { return "TraceIdRatioBased{" + std::to_string(ratio_) + "}"; }

 private:
  double ratio_;
  bool sample_all_;
  std::uint64_t threshold_;
};

class ParentBasedSampler final : public Sampler {
 public:
  ParentBasedSampler(std::unique_ptr<Sampler> root, ParentBasedOptions options)
      : root_(or_default(std::move(root), true)),
        remote_parent_sampled_(or_default(std::move(options.remote_parent_sampled), true)),
        remote_parent_not_sampled_(or_default(std::move(options.remote_parent_not_sampled), false)),
        local_parent_sampled_(or_default(std::move(options.local_parent_sampled), true)),
        local_parent_not_sampled_(or_default(std::move(options.local_parent_not_sampled), false)) {}

  SamplingDecision should_sample(const SamplingParams& params) const noexcept override {
    const SpanContext* parent = params.parent;
    if (parent == nullptr || !parent->valid()) return root_->should_sample(params);
    const Sampler& delegate = parent->remote
                                  ? (parent->sampled() ? *remote_parent_sampled_ : *remote_parent_not_sampled_)
                                  : (parent->sampled() ? *local_parent_sampled_ : *local_parent_not_sampled_);
    return delegate.should_sample(params);
  }

  std::string description() const override {
    return "ParentBased{root:" + root_->description() + ",remoteParentSampled:" +
           remote_parent_sampled_->description() + ",remoteParentNotSampled:" +
           remote_parent_not_sampled_->description() + ",localParentSampled:" + local_parent_sampled_->description() +
           ",localParentNotSampled:" + local_parent_not_sampled_->description() + "}";
  }

 private:
  static std::unique_ptr<Sampler> or_default(std::unique_ptr<Sampler> sampler, bool on) {
    if (sampler) return sampler;
    return on ? make_always_on_sampler() : make_always_off_sampler();
  }

  std::unique_ptr<Sampler> root_;
  std::unique_ptr<Sampler> remote_parent_sampled_;
  std::unique_ptr<Sampler> remote_parent_not_sampled_;
  std::unique_ptr<Sampler> local_parent_sampled_;
  std::unique_ptr<Sampler> local_parent_not_sampled_;
};

// The spec's rule for OTEL_TRACES_SAMPLER_ARG: absent means 1.0, and so does anything that is
// not a number in [0, 1] (with a report).
double parse_ratio(std::string_view arg, std::string* error) {
  arg = detail::trim(arg);
  if (arg.empty()) return 1.0;
  double ratio = 0.0;
  const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), ratio);
  if (ec == std::errc{} && end == arg.data() + arg.size() && ratio >= 0.0 && ratio <= 1.0) return ratio;
  if (error) *error = "sampler argument '" + std::string(arg) + "' is not a ratio in [0, 1]; using 1.0";
  return 1.0;
}

}  // namespace

std::unique_ptr<Sampler> make_always_on_sampler() { return std::make_unique<AlwaysOnSampler>(); }

std::unique_ptr<Sampler> make_always_off_sampler() { return std::make_unique<AlwaysOffSampler>(); }

std::unique_ptr<Sampler> make_trace_id_ratio_sampler(double ratio) {
  return std::make_unique<TraceIdRatioSampler>(ratio);
}

std::unique_ptr<Sampler> make_parent_based_sampler(std::unique_ptr<Sampler> root, ParentBasedOptions options) {
  return std::make_unique<ParentBasedSampler>(std::move(root), std::move(options));
}

std::unique_ptr<Sampler> make_sampler(std::string_view name, std::string_view arg, std::string* error) {
  if (error) error->clear();
  const std::string key = detail::to_lower(detail::trim(name));
  // An empty name means "not configured", as an empty variable does.
  if (key.empty() || key == "parentbased_always_on") return make_parent_based_sampler(make_always_on_sampler());
  if (key == "always_on") return make_always_on_sampler();
  if (key == "always_off") return make_always_off_sampler();
  if (key == "traceidratio") return make_trace_id_ratio_sampler(parse_ratio(arg, error));
  if (key == "parentbased_always_off") return make_parent_based_sampler(make_always_off_sampler());
  if (key == "parentbased_traceidratio") {
    return make_parent_based_sampler(make_trace_id_ratio_sampler(parse_ratio(arg, error)));
  }
  if (error) *error = "unknown sampler '" + std::string(name) + "'; using parentbased_always_on";
  return make_parent_based_sampler(make_always_on_sampler());
}

std::unique_ptr<Sampler> sampler_from_env() {
  const auto name = env_string("OTEL_TRACES_SAMPLER");
  const auto arg = env_string("OTEL_TRACES_SAMPLER_ARG");
  std::string error;
  auto sampler = make_sampler(name.value_or(""), arg.value_or(""), &error);
  if (!error.empty()) warn_once("OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG: " + error);
  return sampler;
}

}  // namespace agentrace::tracing
