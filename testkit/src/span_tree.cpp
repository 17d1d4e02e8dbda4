#include "agentrace/testkit/span_tree.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "agentrace/testkit/describe.hpp"
#include "agentrace/tracing/render.hpp"

namespace agentrace::testkit {

using tracing::SpanData;

namespace {

constexpr std::size_t max_explain_lines = 40;

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

// The spans of `shown` as an indented tree (each under its nearest shown ancestor), `marked`
// ones with '>'; every line at most `width` bytes, at most max_explain_lines of them.
std::string draw_branch(const SpanTree& tree, const std::set<const SpanData*>& shown,
                        const std::set<const SpanData*>& marked, std::size_t width) {
  std::string out;
  std::size_t lines = 0;
  std::size_t left_out = 0;
  auto line = [&](const std::string& text) {
    if (lines == max_explain_lines) {
      ++left_out;
      return;
    }
    ++lines;
    out += '\n';
    out += one_line(text, width);
  };
  // Depth first in start order; an explicit stack, so a deep tree cannot overflow the real one.
  struct Item {
    const SpanData* span;  // nullptr: a "... N more" line
    std::size_t more;
    std::string lead;
    std::string child_lead;
  };
  std::vector<const SpanData*> top;
  for (const SpanData* s : shown) {
    const SpanData* p = tree.parent(*s);
    if (p == nullptr || !shown.contains(p)) top.push_back(s);
  }
  by_start(top);
  std::vector<Item> stack;
  for (auto it = top.rbegin(); it != top.rend(); ++it) stack.push_back(Item{*it, 0, "", ""});
  std::set<const SpanData*> drawn;
  while (!stack.empty()) {
    Item item = std::move(stack.back());
    stack.pop_back();
    if (item.span == nullptr) {
      line("  " + item.lead + "... " + std::to_string(item.more) + " more");
      continue;
    }
    if (!drawn.insert(item.span).second) continue;  // a parent loop
    const SpanData& s = *item.span;
    std::string text = (marked.contains(&s) ? "> " : "  ") + item.lead + (s.name.empty() ? "<unnamed>" : s.name);
    if (s.status.code != tracing::StatusCode::unset) text += "  [" + describe_status(s.status, width) + "]";
    if (!s.ended()) text += "  (unfinished)";
    line(text);
    const auto all = tree.children(s);
    std::vector<const SpanData*> kids;
    for (const SpanData* c : all) {
      if (shown.contains(c)) kids.push_back(c);
    }
    // Children left out are counted, unless none is shown: then the span stands for its subtree.
    const std::size_t more = kids.empty() ? 0 : all.size() - kids.size();
    const std::size_t count = kids.size() + (more != 0 ? 1 : 0);
    std::vector<Item> items;
    for (std::size_t i = 0; i < count; ++i) {
      const bool last = i + 1 == count;
      // Past the renderer's drawn depth the indentation stops growing (a chain can be 100,000
      // spans deep, and every line is cut to `width` anyway).
      const bool deeper = item.child_lead.size() < 4 * tracing::max_drawn_depth;
      const std::string base = deeper ? item.child_lead : item.child_lead.substr(0, item.child_lead.size() - 4);
      std::string lead = base + (last ? "`-- " : "|-- ");
      std::string child_lead = deeper ? base + (last ? "    " : "|   ") : item.child_lead;
      items.push_back(i < kids.size() ? Item{kids[i], 0, std::move(lead), std::move(child_lead)}
                                      : Item{nullptr, more, std::move(lead), std::move(child_lead)});
    }
    for (auto it = items.rbegin(); it != items.rend(); ++it) stack.push_back(std::move(*it));
  }
  if (left_out != 0) out += "\n... " + std::to_string(left_out) + " more lines";
  return out;
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
  if (found.size() != 1) throw std::logic_error("expected exactly one span at '" + std::string(path) + "'; " + explain(path));
  return *found.front();
}

std::string SpanTree::path(const SpanData& span) const {
  std::vector<std::string_view> names{span.name};
  // Bounded by the set's size: ids that form a loop cannot keep the walk going.
  const SpanData* up = parent(span);
  for (std::size_t i = 0; up != nullptr && i < spans_.size(); ++i, up = parent(*up)) names.push_back(up->name);
  std::string out;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    if (!out.empty()) out += '/';
    out += *it;
  }
  return out;
}

std::string SpanTree::explain(std::string_view path, std::size_t width) const {
  const bool anywhere = path.starts_with("**/");
  const auto parts = split(anywhere ? path.substr(3) : path);
  if (parts.empty()) return "found 0: the path is empty";
  if (spans_.empty()) return "found 0: the tree has no spans";

  // levels[i]: the spans the path's first i + 1 names reach; it stops at the first empty level.
  std::vector<std::vector<const SpanData*>> levels;
  {
    std::vector<const SpanData*> current = anywhere ? named(parts[0]) : roots();
    if (!anywhere) std::erase_if(current, [&](const SpanData* s) { return s->name != parts[0]; });
    levels.push_back(std::move(current));
    for (std::size_t i = 1; i < parts.size() && !levels.back().empty(); ++i) {
      std::vector<const SpanData*> next;
      for (const SpanData* s : levels.back()) {
        for (const SpanData* c : children(*s, parts[i])) next.push_back(c);
      }
      by_start(next);
      levels.push_back(std::move(next));
    }
  }
  if (levels.back().empty()) levels.pop_back();
  auto prefix = [&](std::size_t count) {
    std::string text = anywhere ? "**" : "";
    for (std::size_t i = 0; i < count; ++i) {
      if (!text.empty()) text += '/';
      text += parts[i];
    }
    return text;
  };

  // What to show: the marked spans, their ancestors, and the spans beside (or below) them.
  std::set<const SpanData*> shown;
  std::set<const SpanData*> marked;
  auto show_with_ancestors = [&](const SpanData* s) {
    for (std::size_t i = 0; s != nullptr && i <= spans_.size() && shown.insert(s).second; ++i) s = parent(*s);
  };
  auto show_all = [&](const std::vector<const SpanData*>& list) {
    for (const SpanData* s : list) shown.insert(s);
  };
  std::string header;
  if (levels.size() == parts.size()) {
    const auto& found = levels.back();
    header = "found " + std::to_string(found.size()) + " (marked >):";
    for (const SpanData* s : found) {
      marked.insert(s);
      show_with_ancestors(s);
      const SpanData* p = parent(*s);
      show_all(p != nullptr ? children(*p) : roots());
    }
  } else if (!levels.empty()) {
    const auto& deepest = levels.back();
    header = "found 0: '" + prefix(levels.size()) + "' finds " + std::to_string(deepest.size()) + " span" +
             (deepest.size() == 1 ? "" : "s") + " (marked >),\nnone with a child named '" +
             std::string(parts[levels.size()]) + "':";
    for (const SpanData* s : deepest) {
      marked.insert(s);
      show_with_ancestors(s);
      show_all(children(*s));
    }
  } else {
    header = anywhere ? "found 0: no span is named '" + std::string(parts[0]) + "'; the roots:"
                      : "found 0: no root is named '" + std::string(parts[0]) + "'" +
                            (named(parts[0]).empty() ? "" : "\n(a path starts at a root; **/ starts it at any depth)") +
                            "; the roots:";
    for (const SpanData* r : roots()) {
      shown.insert(r);
      show_all(children(*r));
    }
    for (const SpanData* o : orphans()) shown.insert(o);
  }

  return header + draw_branch(*this, shown, marked, width);
}

std::string SpanTree::render() const { return tracing::render_tree(spans_, render_); }

}  // namespace agentrace::testkit
