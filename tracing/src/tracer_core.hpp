// What a TracerProvider shares with its Tracers and live Spans. Internal.
#pragma once

#include <atomic>
#include <memory>

#include "agentrace/tracing/processor.hpp"
#include "agentrace/tracing/sampler.hpp"
#include "agentrace/tracing/span_data.hpp"

namespace agentrace::tracing::detail {

struct TracerCore {
  std::unique_ptr<SpanProcessor> processor;
  std::unique_ptr<Sampler> sampler;
  Resource resource;
  SpanLimits limits;
  bool enabled = false;  // fixed at construction: read on every start_span without a fence
  std::atomic<bool> shut_down{false};
};

}  // namespace agentrace::tracing::detail
