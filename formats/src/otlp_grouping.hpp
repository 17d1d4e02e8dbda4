// The nesting both OTLP writers (protobuf and JSON) give a batch: resource -> scope -> spans.
#pragma once

#include <cstdint>
#include <vector>

#include "agentrace/tracing/exporter.hpp"

namespace agentrace::formats::detail {

// The batch in OTLP's nesting order. Sources (resource and scope pairs) are interned, so a batch
// holds very few distinct ones: they are told apart by a linear search that remembers its last
// hit, and the common batch, whose spans all share one source, is used as it is.
class Grouping {
 public:
  struct ScopeGroup {
    const tracing::InstrumentationScope* scope;
    tracing::SpanBatch spans;  // may hold null pointers, which encoders skip
  };
  struct ResourceGroup {
    const tracing::Resource* resource;
    std::vector<ScopeGroup> scopes;
  };

  explicit Grouping(tracing::SpanBatch batch);

  // The groups point into ordered_: not copyable.
  Grouping(const Grouping&) = delete;
  Grouping& operator=(const Grouping&) = delete;
  Grouping(Grouping&&) = delete;
  Grouping& operator=(Grouping&&) = delete;
  ~Grouping() = default;

  [[nodiscard]] const std::vector<ResourceGroup>& resources() const noexcept { return resources_; }

 private:
  void group(tracing::SpanBatch batch);

  std::vector<ResourceGroup> resources_;
  std::vector<const tracing::SpanData*> ordered_;
};

// Whether a group writes its resource (its scope): not when it is empty, proto3's default.
inline bool has_content(const tracing::Resource& resource) noexcept { return !resource.attributes.empty(); }
inline bool has_content(const tracing::InstrumentationScope& scope) noexcept {
  return !scope.name.empty() || !scope.version.empty();
}

}  // namespace agentrace::formats::detail
