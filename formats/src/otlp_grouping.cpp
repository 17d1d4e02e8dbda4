#include "otlp_grouping.hpp"

#include <algorithm>

namespace agentrace::formats::detail {

namespace {

const tracing::SpanSource* source_of(const tracing::SpanData& span) noexcept {
  return span.source != nullptr ? span.source : &tracing::SpanSource::empty();
}

}  // namespace

Grouping::Grouping(tracing::SpanBatch batch) {
  const tracing::SpanSource* only = nullptr;
  bool single = true;
  for (const tracing::SpanData* span : batch) {
    if (span == nullptr) continue;
    const tracing::SpanSource* source = source_of(*span);
    if (only == nullptr) {
      only = source;
    } else if (source != only) {
      single = false;
      break;
    }
  }
  if (only == nullptr) return;  // no spans
  if (single) {
    resources_.push_back(ResourceGroup{&only->resource, {ScopeGroup{&only->scope, batch}}});
    return;
  }
  group(batch);
}

void Grouping::group(tracing::SpanBatch batch) {
  // Distinct sources in first-seen order, and each span's source index.
  std::vector<const tracing::SpanSource*> sources;
  std::vector<std::uint32_t> source_index(batch.size(), 0);
  std::size_t last = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i] == nullptr) continue;
    const tracing::SpanSource* source = source_of(*batch[i]);
    if (last >= sources.size() || sources[last] != source) {
      const auto it = std::find(sources.begin(), sources.end(), source);
      last = static_cast<std::size_t>(it - sources.begin());
      if (it == sources.end()) sources.push_back(source);
    }
    source_index[i] = static_cast<std::uint32_t>(last);
  }
  // Equal values from different sources share a group: resources first, then scopes within.
  struct Slot {
    std::size_t resource;  // index into resources_
    std::size_t scope;     // index into that resource's scopes
  };
  std::vector<Slot> slot_of(sources.size());
  for (std::size_t s = 0; s < sources.size(); ++s) {
    const tracing::SpanSource& source = *sources[s];
    auto r = std::find_if(resources_.begin(), resources_.end(),
                          [&](const ResourceGroup& g) { return *g.resource == source.resource; });
    if (r == resources_.end()) r = resources_.insert(r, ResourceGroup{&source.resource, {}});
    auto c = std::find_if(r->scopes.begin(), r->scopes.end(),
                          [&](const ScopeGroup& g) { return *g.scope == source.scope; });
    if (c == r->scopes.end()) c = r->scopes.insert(c, ScopeGroup{&source.scope, {}});
    slot_of[s] = Slot{static_cast<std::size_t>(r - resources_.begin()), static_cast<std::size_t>(c - r->scopes.begin())};
  }
  // A counting sort of the spans by group keeps batch order within each group.
  std::vector<std::size_t> group_base(resources_.size());
  std::size_t groups = 0;
  for (std::size_t r = 0; r < resources_.size(); ++r) {
    group_base[r] = groups;
    groups += resources_[r].scopes.size();
  }
  auto group_of = [&](std::size_t i) {
    const Slot& slot = slot_of[source_index[i]];
    return group_base[slot.resource] + slot.scope;
  };
  std::vector<std::size_t> count(groups + 1, 0);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i] != nullptr) ++count[group_of(i) + 1];
  }
  for (std::size_t g = 1; g <= groups; ++g) count[g] += count[g - 1];
  ordered_.resize(count[groups]);
  std::vector<std::size_t> next(count.begin(), count.end() - 1);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i] != nullptr) ordered_[next[group_of(i)]++] = batch[i];
  }
  const tracing::SpanBatch all(ordered_);
  for (std::size_t r = 0; r < resources_.size(); ++r) {
    for (std::size_t c = 0; c < resources_[r].scopes.size(); ++c) {
      const std::size_t g = group_base[r] + c;
      resources_[r].scopes[c].spans = all.subspan(count[g], count[g + 1] - count[g]);
    }
  }
}

}  // namespace agentrace::formats::detail
