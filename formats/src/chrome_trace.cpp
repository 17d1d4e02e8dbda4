#include "agentrace/formats/chrome_trace.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <vector>

#include "json_text.hpp"
#include "trace_groups.hpp"

namespace agentrace::formats {

namespace {

using detail::append_json_string;
using detail::append_key;
using detail::append_separator;

// A track's spans, level by level: at each level disjoint intervals keyed by their start.
struct Track {
  std::uint64_t tid = 0;
  const tracing::SpanData* named_after = nullptr;
  std::vector<std::map<std::uint64_t, std::uint64_t>> levels{};
};

// Two spans on one level of a track must not overlap; two that start at the same time would be
// drawn one inside the other even when one of them lasts no time at all.
bool level_free(const Track& track, std::size_t level, std::uint64_t start, std::uint64_t end) {
  if (level >= track.levels.size()) return true;
  const auto& intervals = track.levels[level];
  const auto next = intervals.lower_bound(start);
  if (next != intervals.end() && (next->first == start || next->first < end)) return false;
  if (next != intervals.begin() && std::prev(next)->second > start) return false;
  return true;
}

void occupy(Track& track, std::size_t level, std::uint64_t start, std::uint64_t end) {
  if (track.levels.size() <= level) track.levels.resize(level + 1);
  track.levels[level].emplace(start, end);
}

struct Node {
  const tracing::SpanData* span = nullptr;
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // effective: unended spans run to the trace's last time
  std::vector<std::size_t> children{};
  std::size_t track = 0;
  std::size_t level = 0;
  bool placed = false;
};

// One trace laid out on tracks; `order` is the preorder in which spans were placed (parents
// before children, siblings by start time), the order events are written in.
struct Layout {
  std::vector<Node> nodes;
  std::vector<Track> tracks;
  std::vector<std::size_t> order;
};

Layout lay_out(const detail::TraceGroup& trace, std::uint64_t& next_tid) {
  Layout layout;
  auto& nodes = layout.nodes;
  nodes.reserve(trace.spans.size());
  std::map<tracing::SpanId, std::size_t> index_of;
  for (const tracing::SpanData* span : trace.spans) {
    index_of.emplace(span->span_id, nodes.size());  // a duplicate id keeps the first span
    nodes.push_back(Node{span, span->start_unix_ns, detail::effective_end(*span, trace.last_time)});
  }
  // Spans are sorted by start, so children lists come out sorted too.
  constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> parent_of(nodes.size(), none);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const tracing::SpanData& span = *nodes[i].span;
    if (!span.parent_span_id.valid()) continue;
    const auto it = index_of.find(span.parent_span_id);
    if (it == index_of.end() || it->second == i) continue;  // an orphan: drawn as a root
    nodes[it->second].children.push_back(i);
    parent_of[i] = it->second;
  }

  auto new_track = [&](const tracing::SpanData* span) {
    layout.tracks.push_back(Track{next_tid++, span});
    return layout.tracks.size() - 1;
  };
  auto place = [&](std::size_t n, std::size_t track, std::size_t level) {
    nodes[n].track = track;
    nodes[n].level = level;
    nodes[n].placed = true;
    occupy(layout.tracks[track], level, nodes[n].start, nodes[n].end);
    layout.order.push_back(n);
  };
  // Depth first, earliest child first, with an explicit stack (a trace may nest deeply).
  std::vector<std::size_t> stack;
  auto push_children = [&](std::size_t n) {
    for (auto it = nodes[n].children.rbegin(); it != nodes[n].children.rend(); ++it) stack.push_back(*it);
  };
  auto place_subtree = [&](std::size_t root) {
    push_children(root);
    while (!stack.empty()) {
      const std::size_t c = stack.back();
      stack.pop_back();
      if (nodes[c].placed) continue;  // closes a cycle of parent ids
      const Node& parent = nodes[parent_of[c]];
      const Node& child = nodes[c];
      const bool inside = child.start >= parent.start && child.end <= parent.end;
      if (inside && level_free(layout.tracks[parent.track], parent.level + 1, child.start, child.end)) {
        place(c, parent.track, parent.level + 1);
      } else {
        place(c, new_track(child.span), 0);
      }
      push_children(c);
    }
  };

  // Roots (and orphans) share the trace's first track while they do not overlap; spans caught in
  // a cycle of parent ids, reachable from no root, are treated as roots too.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].placed || (pass == 0 && parent_of[i] != none)) continue;
      if (layout.tracks.empty() || !level_free(layout.tracks.front(), 0, nodes[i].start, nodes[i].end)) {
        place(i, new_track(nodes[i].span), 0);
      } else {
        place(i, 0, 0);
      }
      place_subtree(i);
    }
  }
  return layout;
}

// ts and dur in microseconds from `origin`, to the nanosecond.
struct Times {
  double ts;
  double dur;
};

Times times_us(std::uint64_t start_ns, std::uint64_t end_ns, std::uint64_t origin) {
  const double ts = static_cast<double>(start_ns - origin) / 1000.0;
  const double end = static_cast<double>(end_ns - origin) / 1000.0;
  // Viewers compute a span's end as ts + dur. Choose dur so that this lands exactly on the double
  // nearest the true end: a child that ends with its parent must not end a rounding error after
  // it, or it is drawn outside the parent. The duration's own nearest double (short to print)
  // usually does; otherwise a neighbour of end - ts does.
  double dur = static_cast<double>(end_ns - start_ns) / 1000.0;
  if (ts + dur == end) return Times{ts, dur};
  dur = end - ts;
  for (int i = 0; i < 4 && ts + dur != end; ++i) {
    dur = std::nextafter(dur, ts + dur < end ? std::numeric_limits<double>::infinity() : 0.0);
  }
  while (ts + dur > end && dur > 0) dur = std::nextafter(dur, 0.0);
  return Times{ts, std::max(dur, 0.0)};
}

// The shortest fixed-point text that reads back as `v` ("800000", not "8e+05").
void append_number(std::string& out, double v) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed);
  if (result.ec != std::errc{}) result = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, result.ptr);
}

void common_fields(std::string& out, std::string_view name, std::size_t pid, std::uint64_t tid) {
  out += "{\"name\":";
  append_json_string(out, name);
  out += ",\"pid\":";
  detail::append_json_uint(out, pid);
  out += ",\"tid\":";
  detail::append_json_uint(out, tid);
}

void metadata(std::string& out, std::string_view kind, std::size_t pid, std::uint64_t tid, std::string_view arg,
              std::string_view value) {
  append_separator(out);
  common_fields(out, kind, pid, tid);
  out += ",\"ph\":\"M\",\"args\":{\"";
  out += arg;
  out += "\":";
  append_json_string(out, value);
  out += "}}";
}

void sort_index(std::string& out, std::string_view kind, std::size_t pid, std::uint64_t tid, std::uint64_t index) {
  append_separator(out);
  common_fields(out, kind, pid, tid);
  out += ",\"ph\":\"M\",\"args\":{\"sort_index\":";
  detail::append_json_uint(out, index);
  out += "}}";
}

void attribute_args(std::string& out, const tracing::Attributes& attributes) {
  for (const tracing::Attribute& a : attributes) {
    append_separator(out);
    append_json_string(out, a.key);
    out += ':';
    detail::append_json_value(out, a.value);
  }
}

void span_event(std::string& out, const tracing::SpanData& s, std::size_t pid, std::uint64_t tid, const Times& t, bool unended) {
  append_separator(out);
  common_fields(out, s.name, pid, tid);
  out += ",\"cat\":\"";
  out += tracing::to_string(s.kind);
  out += "\",\"ph\":\"X\",\"ts\":";
  append_number(out, t.ts);
  out += ",\"dur\":";
  append_number(out, t.dur);
  out += ",\"args\":{";
  attribute_args(out, s.attributes);
  append_key(out, "span.kind");
  out += '"';
  out += tracing::to_string(s.kind);
  out += '"';
  if (s.status.code != tracing::StatusCode::unset) {
    append_key(out, "otel.status_code");
    out += s.status.code == tracing::StatusCode::ok ? "\"OK\"" : "\"ERROR\"";
  }
  if (!s.status.description.empty()) {
    append_key(out, "otel.status_description");
    append_json_string(out, s.status.description);
  }
  append_key(out, "agentrace.span_id");
  out += '"';
  s.span_id.append_hex(out);
  out += '"';
  if (unended) {
    append_key(out, "agentrace.unended");
    out += "true";
  }
  out += "}}";
}

void instant_event(std::string& out, const tracing::Event& e, std::size_t pid, std::uint64_t tid, double ts) {
  append_separator(out);
  common_fields(out, e.name, pid, tid);
  out += ",\"cat\":\"event\",\"ph\":\"i\",\"s\":\"t\",\"ts\":";
  append_number(out, ts);
  out += ",\"args\":{";
  attribute_args(out, e.attributes);
  out += "}}";
}

std::string process_name(const tracing::SpanData& root) {
  std::string name = root.name;
  if (const auto* service = find_attribute_as<std::string>(root.resource().attributes, "service.name")) {
    name.append(" (").append(*service).append(")");
  }
  return name;
}

}  // namespace

void append_chrome_trace_json(tracing::SpanBatch spans, std::string& out) {
  const std::vector<detail::TraceGroup> traces = detail::group_by_trace(spans);
  std::uint64_t origin = std::numeric_limits<std::uint64_t>::max();
  for (const auto& trace : traces) origin = std::min(origin, trace.first_start);
  if (traces.empty()) origin = 0;

  out += "{\"traceEvents\":[";
  std::uint64_t next_tid = 1;
  for (std::size_t t = 0; t < traces.size(); ++t) {
    const detail::TraceGroup& trace = traces[t];
    const std::size_t pid = t + 1;
    const Layout layout = lay_out(trace, next_tid);

    const tracing::SpanData& root = *layout.nodes[layout.order.front()].span;
    metadata(out, "process_name", pid, layout.tracks.front().tid, "name", process_name(root));
    sort_index(out, "process_sort_index", pid, layout.tracks.front().tid, pid);
    for (std::size_t k = 0; k < layout.tracks.size(); ++k) {
      const Track& track = layout.tracks[k];
      metadata(out, "thread_name", pid, track.tid, "name", track.named_after->name);
      sort_index(out, "thread_sort_index", pid, track.tid, k);
    }
    for (std::size_t n : layout.order) {
      const Node& node = layout.nodes[n];
      const std::uint64_t tid = layout.tracks[node.track].tid;
      span_event(out, *node.span, pid, tid, times_us(node.start, node.end, origin), !node.span->ended());
      for (const tracing::Event& e : node.span->events) {
        const std::uint64_t at = std::max(e.time_unix_ns, origin);
        instant_event(out, e, pid, tid, static_cast<double>(at - origin) / 1000.0);
      }
    }
  }
  out += "],\"displayTimeUnit\":\"ms\",\"otherData\":{\"agentrace.origin_unix_ns\":";
  detail::append_json_quoted_uint(out, origin);
  out += "}}";
}

std::string to_chrome_trace_json(std::span<const tracing::SpanData> spans) {
  return detail::document_of(spans, append_chrome_trace_json);
}

}  // namespace agentrace::formats
