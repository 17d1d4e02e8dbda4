#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "agentrace/tracing/sampler.hpp"

using namespace agentrace::tracing;

namespace {

TraceId trace_id_with_low64(std::uint64_t low) {
  std::array<std::uint8_t, TraceId::size> bytes{};
  bytes[0] = 0x42;  // keep the id valid even when low is 0
  for (int i = 15; i >= 8; --i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(low & 0xff);
    low >>= 8;
  }
  return TraceId(bytes);
}

SamplingParams root_params(TraceId trace_id = TraceId::random()) {
  SamplingParams params;
  params.trace_id = trace_id;
  params.name = "span";
  return params;
}

SpanContext parent_context(bool remote, bool sampled) {
  SpanContext context;
  context.trace_id = TraceId::random();
  context.span_id = SpanId::random();
  context.flags.value = sampled ? TraceFlags::sampled_bit : 0;
  context.remote = remote;
  return context;
}

SamplingDecision decide_with_parent(const Sampler& sampler, const SpanContext& parent) {
  SamplingParams params = root_params(parent.trace_id);
  params.parent = &parent;
  return sampler.should_sample(params);
}

// Sets (or unsets, for nullopt) a variable for one test and restores what was there before.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

const std::string default_description =
    "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,"
    "localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}";

}  // namespace

TEST_CASE("always_on and always_off decide the same for every span", "[tracing][sampler]") {
  auto on = make_always_on_sampler();
  auto off = make_always_off_sampler();
  CHECK(on->description() == "AlwaysOnSampler");
  CHECK(off->description() == "AlwaysOffSampler");
  const SpanContext sampled_parent = parent_context(true, true);
  const SpanContext unsampled_parent = parent_context(false, false);
  for (int i = 0; i < 100; ++i) {
    CHECK(on->should_sample(root_params()) == SamplingDecision::record_and_sample);
    CHECK(off->should_sample(root_params()) == SamplingDecision::drop);
  }
  CHECK(on->should_sample(root_params(unsampled_parent.trace_id)) == SamplingDecision::record_and_sample);
  CHECK(decide_with_parent(*off, sampled_parent) == SamplingDecision::drop);
}

TEST_CASE("traceidratio 0 drops everything and 1 keeps everything", "[tracing][sampler]") {
  auto none = make_trace_id_ratio_sampler(0.0);
  auto all = make_trace_id_ratio_sampler(1.0);
  CHECK(none->description() == "TraceIdRatioBased{0.000000}");
  CHECK(all->description() == "TraceIdRatioBased{1.000000}");
  // The extremes of low64 are where an off-by-one or an overflow would show.
  for (std::uint64_t low : {std::uint64_t{0}, std::uint64_t{1}, ~std::uint64_t{0}, ~std::uint64_t{0} - 1}) {
    INFO(low);
    CHECK(none->should_sample(root_params(trace_id_with_low64(low))) == SamplingDecision::drop);
    CHECK(all->should_sample(root_params(trace_id_with_low64(low))) == SamplingDecision::record_and_sample);
  }
  for (int i = 0; i < 2000; ++i) {
    const auto params = root_params();
    REQUIRE(none->should_sample(params) == SamplingDecision::drop);
    REQUIRE(all->should_sample(params) == SamplingDecision::record_and_sample);
  }
}

TEST_CASE("traceidratio clamps its ratio to [0, 1]", "[tracing][sampler]") {
  CHECK(make_trace_id_ratio_sampler(2.5)->description() == "TraceIdRatioBased{1.000000}");
  CHECK(make_trace_id_ratio_sampler(-0.5)->description() == "TraceIdRatioBased{0.000000}");
  CHECK(make_trace_id_ratio_sampler(-0.5)->should_sample(root_params(trace_id_with_low64(0))) ==
        SamplingDecision::drop);
}

TEST_CASE("traceidratio 0.25 keeps about a quarter, decided by the trace id alone", "[tracing][sampler]") {
  auto sampler = make_trace_id_ratio_sampler(0.25);
  CHECK(sampler->description() == "TraceIdRatioBased{0.250000}");

  constexpr int total = 20000;
  int kept = 0;
  for (int i = 0; i < total; ++i) {
    const auto params = root_params();
    const auto decision = sampler->should_sample(params);
    REQUIRE(sampler->should_sample(params) == decision);  // deterministic
    if (decision == SamplingDecision::record_and_sample) ++kept;
  }
  const double fraction = static_cast<double>(kept) / total;
  CHECK(fraction > 0.22);
  CHECK(fraction < 0.28);

  // The threshold is 2^62: every process with the same ratio agrees on the same ids.
  const std::uint64_t threshold = std::uint64_t{1} << 62;
  CHECK(sampler->should_sample(root_params(trace_id_with_low64(threshold - 1))) == SamplingDecision::record_and_sample);
  CHECK(sampler->should_sample(root_params(trace_id_with_low64(threshold))) == SamplingDecision::drop);
  auto other = make_trace_id_ratio_sampler(0.25);
  const auto params = root_params();
  CHECK(other->should_sample(params) == sampler->should_sample(params));
}

TEST_CASE("parentbased uses the root sampler for roots", "[tracing][sampler]") {
  auto keep_roots = make_parent_based_sampler(make_always_on_sampler());
  auto drop_roots = make_parent_based_sampler(make_always_off_sampler());
  CHECK(keep_roots->should_sample(root_params()) == SamplingDecision::record_and_sample);
  CHECK(drop_roots->should_sample(root_params()) == SamplingDecision::drop);

  // An invalid parent context starts a new trace too, whatever its flags say.
  SpanContext invalid;
  invalid.flags.value = TraceFlags::sampled_bit;
  CHECK(decide_with_parent(*drop_roots, invalid) == SamplingDecision::drop);
  invalid.flags.value = 0;
  CHECK(decide_with_parent(*keep_roots, invalid) == SamplingDecision::record_and_sample);
}

TEST_CASE("parentbased follows the sampled flag of remote and local parents", "[tracing][sampler]") {
  // The root sampler disagrees with every parent so that a fallback to it would show.
  auto sampler = make_parent_based_sampler(make_trace_id_ratio_sampler(0.5));
  for (bool remote : {true, false}) {
    INFO("remote " << remote);
    for (int i = 0; i < 200; ++i) {
      CHECK(decide_with_parent(*sampler, parent_context(remote, true)) == SamplingDecision::record_and_sample);
      CHECK(decide_with_parent(*sampler, parent_context(remote, false)) == SamplingDecision::drop);
    }
  }
}

TEST_CASE("parentbased delegates each parent kind to its configured sampler", "[tracing][sampler]") {
  ParentBasedOptions options;
  options.remote_parent_sampled = make_always_off_sampler();
  options.remote_parent_not_sampled = make_always_on_sampler();
  options.local_parent_sampled = make_trace_id_ratio_sampler(0.0);
  options.local_parent_not_sampled = make_trace_id_ratio_sampler(1.0);
  auto sampler = make_parent_based_sampler(make_always_off_sampler(), std::move(options));

  CHECK(decide_with_parent(*sampler, parent_context(true, true)) == SamplingDecision::drop);
  CHECK(decide_with_parent(*sampler, parent_context(true, false)) == SamplingDecision::record_and_sample);
  CHECK(decide_with_parent(*sampler, parent_context(false, true)) == SamplingDecision::drop);
  CHECK(decide_with_parent(*sampler, parent_context(false, false)) == SamplingDecision::record_and_sample);
  CHECK(sampler->should_sample(root_params()) == SamplingDecision::drop);
  CHECK(sampler->description() ==
        "ParentBased{root:AlwaysOffSampler,remoteParentSampled:AlwaysOffSampler,remoteParentNotSampled:"
        "AlwaysOnSampler,localParentSampled:TraceIdRatioBased{0.000000},localParentNotSampled:"
        "TraceIdRatioBased{1.000000}}");
}

TEST_CASE("parentbased with default options describes the spec's defaults", "[tracing][sampler]") {
  CHECK(make_parent_based_sampler(make_always_on_sampler())->description() == default_description);
}

TEST_CASE("make_sampler knows every spec name", "[tracing][sampler]") {
  struct Case {
    const char* name;
    const char* arg;
    std::string description;
  };
  const Case cases[] = {
      {"always_on", "", "AlwaysOnSampler"},
      {"always_off", "", "AlwaysOffSampler"},
      {"traceidratio", "0.5", "TraceIdRatioBased{0.500000}"},
      {"traceidratio", "", "TraceIdRatioBased{1.000000}"},  // no argument means 1.0
      {"traceidratio", " 0.1 ", "TraceIdRatioBased{0.100000}"},
      {"traceidratio", "0", "TraceIdRatioBased{0.000000}"},
      {"traceidratio", "1", "TraceIdRatioBased{1.000000}"},
      {"parentbased_always_on", "", default_description},
      {"parentbased_always_on", "0.5", default_description},  // the argument is ignored
      {"parentbased_always_off", "",
       "ParentBased{root:AlwaysOffSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:"
       "AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"},
      {"parentbased_traceidratio", "0.25",
       "ParentBased{root:TraceIdRatioBased{0.250000},remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:"
       "AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"},
      {"", "", default_description},  // empty means unset
  };
  for (const auto& c : cases) {
    INFO(c.name << " / " << c.arg);
    std::string error = "stale";
    auto sampler = make_sampler(c.name, c.arg, &error);
    REQUIRE(sampler);
    CHECK(sampler->description() == c.description);
    CHECK(error.empty());
  }
  CHECK(make_sampler("always_off", "")->should_sample(root_params()) == SamplingDecision::drop);
}

TEST_CASE("make_sampler reports unknown names and falls back to parentbased_always_on", "[tracing][sampler]") {
  for (const char* name : {"always-on", "sometimes", "jaeger_remote", "xray", "traceidratio0.5"}) {
    INFO(name);
    std::string error;
    auto sampler = make_sampler(name, "0.5", &error);
    REQUIRE(sampler);
    CHECK(sampler->description() == default_description);
    CHECK_FALSE(error.empty());
    CHECK(error.find(name) != std::string::npos);
  }
  CHECK(make_sampler("nope", "")->description() == default_description);  // no error sink is fine
}

TEST_CASE("make_sampler reports bad ratios and uses 1.0", "[tracing][sampler]") {
  for (const char* arg : {"abc", "1.5", "-0.1", "nan", "inf", "0.5x", "50%", "0,5"}) {
    for (const char* name : {"traceidratio", "parentbased_traceidratio"}) {
      INFO(name << " / " << arg);
      std::string error;
      auto sampler = make_sampler(name, arg, &error);
      REQUIRE(sampler);
      CHECK_FALSE(error.empty());
      CHECK(sampler->description().find("TraceIdRatioBased{1.000000}") != std::string::npos);
    }
  }
}

TEST_CASE("sampler_from_env defaults to parentbased_always_on when unset or empty", "[tracing][sampler]") {
  {
    ScopedEnv name("OTEL_TRACES_SAMPLER", std::nullopt);
    ScopedEnv arg("OTEL_TRACES_SAMPLER_ARG", std::nullopt);
    CHECK(sampler_from_env()->description() == default_description);
  }
  {
    ScopedEnv name("OTEL_TRACES_SAMPLER", "");
    ScopedEnv arg("OTEL_TRACES_SAMPLER_ARG", "");
    CHECK(sampler_from_env()->description() == default_description);
  }
}

TEST_CASE("sampler_from_env reads the sampler and its argument", "[tracing][sampler]") {
  {
    ScopedEnv name("OTEL_TRACES_SAMPLER", "traceidratio");
    ScopedEnv arg("OTEL_TRACES_SAMPLER_ARG", "0.125");
    CHECK(sampler_from_env()->description() == "TraceIdRatioBased{0.125000}");
  }
  {
    ScopedEnv name("OTEL_TRACES_SAMPLER", "always_off");
    ScopedEnv arg("OTEL_TRACES_SAMPLER_ARG", std::nullopt);
    CHECK(sampler_from_env()->should_sample(root_params()) == SamplingDecision::drop);
  }
  {
    ScopedEnv name("OTEL_TRACES_SAMPLER", "traceidratio");
    ScopedEnv arg("OTEL_TRACES_SAMPLER_ARG", "");  // empty counts as unset: ratio 1.0
    CHECK(sampler_from_env()->description() == "TraceIdRatioBased{1.000000}");
  }
}

TEST_CASE("sampler_from_env falls back on bad values", "[tracing][sampler]") {
  {
    ScopedEnv name("OTEL_TRACES_SAMPLER", "no_such_sampler");
    ScopedEnv arg("OTEL_TRACES_SAMPLER_ARG", std::nullopt);
    CHECK(sampler_from_env()->description() == default_description);
  }
  {
    ScopedEnv name("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
    ScopedEnv arg("OTEL_TRACES_SAMPLER_ARG", "2");
    CHECK(sampler_from_env()->description().find("root:TraceIdRatioBased{1.000000}") != std::string::npos);
  }
}
