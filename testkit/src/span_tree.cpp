#include "agentrace/testkit/span_tree.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace agentrace::testkit {

using tracing::SpanData;

namespace {

void by_start(std::vector<const SpanData*>& spans) {
  std::stable_sort(spans.begin(), spans.end(),
                   [](const SpanData* a, const SpanData* b) { return a->start_unix_ns < b->start_unix_ns; });
}

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

SpanTree::SpanTree(std::vector<SpanData> spans, tracing::RenderOptions render)
    : spans_(std::move(spans)), render_(render) {
  for (std::size_t i = 0; i < spans_.size(); ++i) by_id_.emplace(Key{spans_[i].trace_id, spans_[i].span_id}, i);
  for (const auto& s : spans_) {
    if (!s.is_root()) children_[Key{s.trace_id, s.parent_span_id}].push_back(&s);
  }
  for (auto& [key, list] : children_) by_start(list);
}

std::vector<const SpanData*> SpanTree::roots() const {
  std::vector<const SpanData*> out;
  for (const auto& s : spans_) {
    if (s.is_root()) out.push_back(&s);
  }
  by_start(out);
  return out;
}

std::vector<const SpanData*> SpanTree::orphans() const {
  std::vector<const SpanData*> out;
  for (const auto& s : spans_) {
    if (!s.is_root() && !s.parent_remote && !by_id_.contains(Key{s.trace_id, s.parent_span_id})) out.push_back(&s);
  }
  return out;
}

std::vector<const SpanData*> SpanTree::unended() const {
  std::vector<const SpanData*> out;
  for (const auto& s : spans_) {
    if (!s.ended()) out.push_back(&s);
  }
  return out;
}

std::size_t SpanTree::trace_count() const {
  std::set<tracing::TraceId> traces;
  for (const auto& s : spans_) traces.insert(s.trace_id);
  return traces.size();
}

std::vector<const SpanData*> SpanTree::children(const SpanData& parent) const {
  auto it = children_.find(Key{parent.trace_id, parent.span_id});
  return it != children_.end() ? it->second : std::vector<const SpanData*>{};
}

std::vector<const SpanData*> SpanTree::children(const SpanData& parent, std::string_view name) const {
  auto all = children(parent);
  std::erase_if(all, [&](const SpanData* s) { return s->name != name; });
  return all;
}

std::vector<const SpanData*> SpanTree::descendants(const SpanData& parent) const {
  std::vector<const SpanData*> out;
  std::vector<const SpanData*> frontier{&parent};
  std::set<const SpanData*> seen{&parent};
  while (!frontier.empty()) {
    const SpanData* next = frontier.back();
    frontier.pop_back();
    for (const SpanData* child : children(*next)) {
      if (seen.insert(child).second) {
        out.push_back(child);
        frontier.push_back(child);
      }
    }
  }
  by_start(out);
  return out;
}

std::vector<const SpanData*> SpanTree::named(std::string_view name) const {
  std::vector<const SpanData*> out;
  for (const auto& s : spans_) {
    if (s.name == name) out.push_back(&s);
  }
  by_start(out);
  return out;
}

const SpanData* SpanTree::parent(const SpanData& span) const {
  if (span.is_root()) return nullptr;
  auto it = by_id_.find(Key{span.trace_id, span.parent_span_id});
  return it != by_id_.end() ? &spans_[it->second] : nullptr;
}

std::vector<const SpanData*> SpanTree::at(std::string_view path) const {
  bool anywhere = false;
  if (path.starts_with("**/")) {
    anywhere = true;
    path.remove_prefix(3);
  }
  const auto parts = split(path);
  if (parts.empty()) return {};
  std::vector<const SpanData*> current = anywhere ? named(parts[0]) : roots();
  if (!anywhere) std::erase_if(current, [&](const SpanData* s) { return s->name != parts[0]; });
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::vector<const SpanData*> next;
    for (const SpanData* s : current) {
      for (const SpanData* c : children(*s, parts[i])) next.push_back(c);
    }
    current = std::move(next);
  }
  by_start(current);
  return current;
}

const SpanData& SpanTree::one(std::string_view path) const {
  auto found = at(path);
  if (found.size() != 1) {
    throw std::logic_error("expected exactly one span at '" + std::string(path) + "', found " +
                           std::to_string(found.size()) + "\n" + render());
  }
  return *found.front();
}

std::string SpanTree::render() const { return tracing::render_tree(spans_, render_); }

}  // namespace agentrace::testkit
