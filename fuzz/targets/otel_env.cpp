// The OTEL_* value parsers: the input is one value per line for the variables below, in order
// (a missing line leaves its variable unset), read by every reader of the environment the
// library has: the OTLP exporter's options, the sampler, the span limits, the batch processor's
// options, the resource (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME) and OTEL_SDK_DISABLED.
// A bad value must give a warning and the default, never an exception or a crash.
#include <array>
#include <cstdlib>
#include <string>

#include "agentrace/otlp/otlp_exporter.hpp"
#include "agentrace/tracing/processor.hpp"
#include "agentrace/tracing/sampler.hpp"
#include "agentrace/tracing/span_data.hpp"
#include "agentrace/tracing/tracer.hpp"
#include "fuzz_support.hpp"

namespace {

constexpr std::array<const char*, 24> variables = {
    "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_SPAN_EVENT_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT", "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME", "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_ATTRIBUTE_COUNT_LIMIT"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace;
  static const bool quiet = (fuzz::quiet_logs(), true);
  (void)quiet;
  std::string_view text = fuzz::text_of(data, size);
  for (const char* name : variables) {
    if (text.empty()) {
      unsetenv(name);
      continue;
    }
    const auto end = text.find('\n');
    const std::string value(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    // An environment value ends at its first NUL: the rest is not part of it.
    setenv(name, value.c_str(), 1);
  }
  (void)otlp::OtlpExporterOptions::from_env();
  (void)tracing::sampler_from_env();
  (void)tracing::SpanLimits::from_env();
  (void)tracing::BatchOptions::from_env();
  (void)tracing::default_resource();
  (void)tracing::sdk_disabled_by_env();
  return 0;
}
