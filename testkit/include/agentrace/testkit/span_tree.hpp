// SpanTree: questions about a set of finished spans, for tests. Paths name spans from a root down,
// each element a span name: "invoke_agent manager/step 3/execute_tool calculator" is every
// `execute_tool calculator` directly under a `step 3` directly under a root `invoke_agent manager`.
// A path starting with "**/" may start at any depth: "**/step 3/execute_tool calculator".
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agentrace/tracing/render.hpp"
#include "agentrace/tracing/span_data.hpp"

namespace agentrace::testkit {

class SpanTree {
 public:
  // `render` is how render() draws the tree, and with it every failure message: a trace of agent
  // runs reads best with agentrace::schema::render_options() (the lists it views must outlive
  // the tree; the schema's do).
  explicit SpanTree(std::vector<tracing::SpanData> spans, tracing::RenderOptions render = {});

  [[nodiscard]] const std::vector<tracing::SpanData>& spans() const noexcept { return spans_; }
  [[nodiscard]] std::size_t size() const noexcept { return spans_.size(); }
  // Spans without a parent in the set whose parent id is invalid.
  [[nodiscard]] std::vector<const tracing::SpanData*> roots() const;
  // Spans whose parent id is valid but not in the set (a remote parent counts as present).
  [[nodiscard]] std::vector<const tracing::SpanData*> orphans() const;
  [[nodiscard]] std::vector<const tracing::SpanData*> unended() const;
  [[nodiscard]] std::size_t trace_count() const;
  // Direct children, by start time.
  [[nodiscard]] std::vector<const tracing::SpanData*> children(const tracing::SpanData& parent) const;
  [[nodiscard]] std::vector<const tracing::SpanData*> children(const tracing::SpanData& parent, std::string_view name) const;
  [[nodiscard]] std::vector<const tracing::SpanData*> descendants(const tracing::SpanData& parent) const;
  [[nodiscard]] std::vector<const tracing::SpanData*> named(std::string_view name) const;
  [[nodiscard]] const tracing::SpanData* parent(const tracing::SpanData& span) const;
  // The spans at `path` (see above), by start time.
  [[nodiscard]] std::vector<const tracing::SpanData*> at(std::string_view path) const;
  // The one span at `path`; throws std::logic_error naming the path and the count, with
  // explain(path), otherwise.
  [[nodiscard]] const tracing::SpanData& one(std::string_view path) const;
  // The names from the span's root (or its topmost ancestor in the set) down to it, joined by
  // '/': a path at() finds it at.
  [[nodiscard]] std::string path(const tracing::SpanData& span) const;
  // Why `path` finds what it finds, for failure messages: the count, then only the branch that
  // matters, each line at most `width` bytes (longer names are cut with "..."). When the path
  // finds spans, they are marked '>' among their siblings, under their ancestors; when it stops
  // matching, the deepest spans it reached are marked, with the children it looked among; when
  // nothing matches its first name, the roots and their children are shown. Spans left out of
  // a list are counted ("... 3 more").
  [[nodiscard]] std::string explain(std::string_view path, std::size_t width = 100) const;
  // The whole tree as text (tracing::render_tree with the options given).
  [[nodiscard]] std::string render() const;

 private:
  using Key = std::pair<tracing::TraceId, tracing::SpanId>;
  std::vector<tracing::SpanData> spans_;
  tracing::RenderOptions render_;
  std::map<Key, std::size_t> by_id_;                        // span -> its index
  std::map<Key, std::vector<const tracing::SpanData*>> children_;  // parent -> children, by start
};

}  // namespace agentrace::testkit
