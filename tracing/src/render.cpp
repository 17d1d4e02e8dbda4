#include "agentrace/tracing/render.hpp"

#include "agentrace/base/printable.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <vector>

namespace agentrace::tracing {
namespace {

constexpr std::string_view ansi_red = "\x1b[31m";
constexpr std::string_view ansi_green = "\x1b[32m";
constexpr std::string_view ansi_yellow = "\x1b[33m";
constexpr std::string_view ansi_reset = "\x1b[0m";

constexpr std::size_t max_shown_attributes = 4;
constexpr std::size_t min_attribute_room = 10;  // " key=v..." at the least, else no attribute at all

// Wider than any terminal; keeps the column arithmetic far from overflow.
constexpr std::size_t max_width = 4096;
constexpr std::size_t min_name_width = 12;
constexpr std::size_t min_bar_width = 10;
constexpr std::size_t duration_width = 10;  // fits "unfinished" and every format_duration result below 10^6 s

// Terminal columns are counted in code points: good enough for the names agents produce and,
// unlike bytes, never cuts a multi-byte character in half.
bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation_byte(c); }));
}

// The first `count` code points of `text`.
std::string_view prefix_code_points(std::string_view text, std::size_t count) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_continuation_byte(text[i])) continue;
    if (seen == count) return text.substr(0, i);
    ++seen;
  }
  return text;
}

// display_width without the ANSI colour sequences (ESC [ ... m), which take no column.
std::size_t visible_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      const std::size_t end = text.find('m', i);
      if (end == std::string_view::npos) break;
      i = end;
      continue;
    }
    if (!is_continuation_byte(text[i])) ++width;
  }
  return width;
}

std::string truncate_display(std::string_view text, std::size_t max_chars) {
  if (display_width(text) <= max_chars) return std::string(text);
  if (max_chars < 4) return std::string(prefix_code_points(text, max_chars));
  std::string out(prefix_code_points(text, max_chars - 3));
  out += "...";
  return out;
}

using base::single_line;  // names and values come from models and users

std::string pad_right(std::string text, std::size_t width) {
  const std::size_t w = display_width(text);
  if (w < width) text.append(width - w, ' ');
  return text;
}

std::string pad_left(std::string_view text, std::size_t width) {
  const std::size_t w = display_width(text);
  std::string out;
  if (w < width) out.assign(width - w, ' ');
  out += text;
  return out;
}

std::string colored(std::string_view text, std::string_view color, bool enabled) {
  if (!enabled || text.empty()) return std::string(text);
  std::string out(color);
  out += text;
  out += ansi_reset;
  return out;
}

std::string display_name(const SpanData& span) {
  return span.name.empty() ? std::string("<unnamed>") : single_line(span.name);
}

// ---- layout: the order and nesting both renderers share ----

struct Row {
  const SpanData* span = nullptr;  // nullptr for a marker line
  std::string marker;
  std::string lead;        // tree drawing before the name
  std::string event_lead;  // tree drawing before lines that belong to this span
  std::size_t depth = 0;
};

struct TraceLayout {
  TraceId trace_id;
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;  // the latest end, counting unfinished spans as ending at their start
  std::vector<Row> rows;
};

bool earlier(const SpanData* a, const SpanData* b) {
  return std::tie(a->start_unix_ns, a->name, a->span_id) < std::tie(b->start_unix_ns, b->name, b->span_id);
}

void layout_trace(std::vector<const SpanData*> spans, TraceLayout& out) {
  // Sorting once makes every later list (children, top-level items) ordered by index alone.
  std::sort(spans.begin(), spans.end(), earlier);

  std::set<SpanId> present;
  for (const auto* s : spans) present.insert(s->span_id);

  std::map<SpanId, std::vector<std::size_t>> children;
  // Top-level items keyed by their earliest member's index, so roots and orphan groups
  // interleave chronologically.
  struct TopItem {
    std::string marker;  // empty for a root
    std::vector<std::size_t> members;
  };
  std::map<std::size_t, TopItem> top;
  std::map<std::pair<SpanId, bool>, std::size_t> orphan_groups;  // (missing parent, remote) -> key in `top`

  std::vector<bool> visited(spans.size(), false);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const SpanData& s = *spans[i];
    if (s.is_root()) {
      top[i] = TopItem{{}, {i}};
      visited[i] = true;
    } else if (present.contains(s.parent_span_id)) {
      children[s.parent_span_id].push_back(i);
    } else {
      const auto key = std::make_pair(s.parent_span_id, s.parent_remote);
      auto it = orphan_groups.find(key);
      if (it == orphan_groups.end()) {
        const std::string marker =
            std::string(s.parent_remote ? "(remote parent " : "(missing parent ") + s.parent_span_id.hex() + ")";
        top[i] = TopItem{marker, {}};
        it = orphan_groups.emplace(key, i).first;
      }
      top[it->second].members.push_back(i);
      visited[i] = true;
    }
  }

  // Iterative so that a deep chain cannot overflow the stack; a span is claimed (visited) when
  // its parent is expanded, so duplicated ids and parent loops cannot render anything twice.
  struct Frame {
    std::size_t index;
    std::string lead;
    std::string child_base;
    std::size_t depth;
  };
  auto emit_subtree = [&](std::size_t root, std::string lead, std::string child_base, std::size_t depth) {
    std::vector<Frame> stack;
    stack.push_back(Frame{root, std::move(lead), std::move(child_base), depth});
    while (!stack.empty()) {
      Frame f = std::move(stack.back());
      stack.pop_back();
      std::vector<std::size_t> kids;
      if (auto it = children.find(spans[f.index]->span_id); it != children.end()) {
        for (std::size_t k : it->second) {
          if (!visited[k]) {
            visited[k] = true;
            kids.push_back(k);
          }
        }
      }
      out.rows.push_back(Row{spans[f.index], {}, f.lead, f.child_base + (kids.empty() ? "    " : "|   "), f.depth});
      for (std::size_t j = kids.size(); j-- > 0;) {
        const bool last = j + 1 == kids.size();
        // Past max_drawn_depth the children are drawn at their parent's indentation.
        const bool deeper = f.depth + 1 <= max_drawn_depth || f.child_base.size() < 4;
        const std::string& base = f.child_base;
        if (deeper) {
          stack.push_back(Frame{kids[j], base + (last ? "`-- " : "|-- "), base + (last ? "    " : "|   "), f.depth + 1});
        } else {
          const std::string outer = base.substr(0, base.size() - 4);
          stack.push_back(Frame{kids[j], outer + (last ? "`-- " : "|-- "), base, f.depth + 1});
        }
      }
    }
  };

  auto emit_group = [&](const std::string& marker, const std::vector<std::size_t>& members) {
    out.rows.push_back(Row{nullptr, marker, {}, {}, 0});
    for (std::size_t j = 0; j < members.size(); ++j) {
      const bool last = j + 1 == members.size();
      emit_subtree(members[j], last ? "`-- " : "|-- ", last ? "    " : "|   ", 1);
    }
  };

  for (const auto& [first, item] : top) {
    if (item.marker.empty()) {
      emit_subtree(first, {}, {}, 0);
    } else {
      emit_group(item.marker, item.members);
    }
  }
  // Whatever is left sits on a parent loop or hangs below one: no root leads to it. Every span
  // drawn so far claimed all children of its id, so an unvisited span's parent is unvisited too,
  // and walking up from one must come back to a span already passed: that one lies on the loop,
  // and starting there draws the loop and everything hanging from it.
  std::map<SpanId, std::size_t> first_with_id;
  for (std::size_t i = spans.size(); i-- > 0;) first_with_id[spans[i]->span_id] = i;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (visited[i]) continue;
    std::set<std::size_t> walked;
    std::size_t entry = i;
    while (walked.insert(entry).second) entry = first_with_id.at(spans[entry]->parent_span_id);
    visited[entry] = true;
    emit_group("(parent cycle)", {entry});
  }

  out.start_ns = spans.front()->start_unix_ns;
  out.end_ns = out.start_ns;
  for (const auto* s : spans) {
    out.start_ns = std::min(out.start_ns, s->start_unix_ns);
    out.end_ns = std::max(out.end_ns, s->ended() ? std::max(s->end_unix_ns, s->start_unix_ns) : s->start_unix_ns);
  }
}

std::vector<TraceLayout> layout(std::span<const SpanData> spans) {
  std::map<TraceId, std::vector<const SpanData*>> by_trace;
  for (const auto& s : spans) by_trace[s.trace_id].push_back(&s);

  std::vector<TraceLayout> traces;
  traces.reserve(by_trace.size());
  for (auto& [id, members] : by_trace) {
    TraceLayout& t = traces.emplace_back();
    t.trace_id = id;
    layout_trace(std::move(members), t);
  }
  std::stable_sort(traces.begin(), traces.end(),
                   [](const TraceLayout& a, const TraceLayout& b) { return a.start_ns < b.start_ns; });
  return traces;
}

// ---- tree ----

std::string status_mark(const Status& status, const RenderOptions& options) {
  switch (status.code) {
    case StatusCode::ok: return "  " + colored("[ok]", ansi_green, options.color);
    case StatusCode::error: {
      std::string text = "[error";
      if (!status.description.empty()) {
        text += ": ";
        text += truncate_display(single_line(status.description), options.max_attribute_chars);
      }
      text += "]";
      return "  " + colored(text, ansi_red, options.color);
    }
    case StatusCode::unset: break;
  }
  return {};
}

std::string attribute_text(const Attribute& a, const RenderOptions& options) {
  return single_line(a.key) + "=" +
         truncate_display(single_line(to_display_string(a.value)), options.max_attribute_chars);
}

bool contains(std::span<const std::string_view> keys, const AttributeKey& key) {
  return std::find(keys.begin(), keys.end(), key.view()) != keys.end();
}

// True when the attribute is one the options hide, or a text that is a whole word (or words) of
// the span's name: the model of "chat gpt-4o", the tool of "execute_tool search". A number is
// never taken for part of the name: tokens=4 is not "chat gpt-4o"'s 4.
bool redundant(const SpanData& span, const Attribute& a, const RenderOptions& options) {
  if (contains(options.hidden_keys, a.key)) return true;
  const auto* text = std::get_if<std::string>(&a.value);
  if (text == nullptr || text->empty()) return false;
  const std::string_view name = span.name;
  for (std::size_t at = name.find(*text); at != std::string_view::npos; at = name.find(*text, at + 1)) {
    const std::size_t end = at + text->size();
    if ((at == 0 || name[at - 1] == ' ') && (end == name.size() || name[end] == ' ')) return true;
  }
  return false;
}

// `room`: the columns the attributes may take (npos: as many as they need).
std::string key_attributes(const SpanData& span, const RenderOptions& options, std::size_t room = std::string::npos) {
  if (!options.show_attributes || span.attributes.empty()) return {};
  std::vector<const Attribute*> chosen;
  const auto is_chosen = [&](const Attribute& a) { return std::find(chosen.begin(), chosen.end(), &a) != chosen.end(); };
  // A text already shown (or deliberately hidden) under another key is not shown again: a trace
  // often records the same text under two conventions' names. Equal numbers are different facts
  // (24 tokens in, 24 out), so only texts are compared.
  auto repeated = [&](const Attribute& a) {
    if (!std::holds_alternative<std::string>(a.value)) return false;
    for (const auto& other : span.attributes) {
      if (&other == &a || other.value != a.value) continue;
      if (contains(options.hidden_keys, other.key) || is_chosen(other)) return true;
    }
    return false;
  };
  for (std::string_view key : options.first_keys) {
    for (const auto& a : span.attributes) {
      if (a.key == key) {
        // A key listed twice is still shown once.
        if (!is_chosen(a) && !redundant(span, a, options) && !repeated(a)) chosen.push_back(&a);
        break;
      }
    }
  }
  for (const auto& a : span.attributes) {
    if (!contains(options.first_keys, a.key) && !redundant(span, a, options) && !repeated(a)) {
      chosen.push_back(&a);
    }
  }
  if (chosen.empty()) return {};
  // Whole attributes while they fit in `room` columns (with room for the "(+N more)" that counts
  // the rest); a first one too long for it is cut rather than dropped.
  std::string out = " ";
  std::size_t shown = 0;
  const std::size_t limit = std::min(chosen.size(), max_shown_attributes);
  auto more = [&](std::size_t rest) { return rest == 0 ? std::string() : " (+" + std::to_string(rest) + " more)"; };
  for (; shown < limit; ++shown) {
    const std::string piece = " " + attribute_text(*chosen[shown], options);
    const std::size_t after = display_width(out) + display_width(piece) + more(chosen.size() - shown - 1).size();
    if (after > room) {
      if (shown == 0) {
        const std::size_t fixed = display_width(out) + more(chosen.size() - 1).size();
        if (room < fixed + min_attribute_room) return {};
        out += truncate_display(piece, room - fixed);
        ++shown;
      }
      break;
    }
    out += piece;
  }
  out += more(chosen.size() - shown);
  return out;
}

std::string exception_line(const Event& event, const RenderOptions& options) {
  const auto* type = find_attribute_as<std::string>(event.attributes, "exception.type");
  const auto* message = find_attribute_as<std::string>(event.attributes, "exception.message");
  std::string text = "! exception";
  if (type != nullptr && !type->empty()) {
    text += ": " + truncate_display(single_line(*type), options.max_attribute_chars);
  }
  if (message != nullptr && !message->empty()) {
    text += ": " + truncate_display(single_line(*message), options.max_attribute_chars);
  }
  return colored(text, ansi_red, options.color);
}

void append_tree_trace(const TraceLayout& trace, const RenderOptions& options, std::string& out) {
  out += "trace ";
  trace.trace_id.append_hex(out);
  out += '\n';
  for (const Row& row : trace.rows) {
    if (row.span == nullptr) {
      out += row.lead + row.marker + '\n';
      continue;
    }
    const SpanData& span = *row.span;
    const std::size_t line_start = out.size();
    out += row.lead;
    if (row.depth > max_drawn_depth) out += "[level " + std::to_string(row.depth) + "] ";
    out += display_name(span);
    out += "  ";
    out += span.ended() ? format_duration(span.duration_ns()) : colored("(unfinished)", ansi_yellow, options.color);
    out += status_mark(span.status, options);
    std::size_t room = std::string::npos;
    if (options.fit_tree_to_width) {
      const std::size_t used = visible_width(std::string_view(out).substr(line_start));
      const std::size_t width = std::min(options.width, max_width);
      room = width > used ? width - used : 0;
    }
    out += key_attributes(span, options, room);
    out += '\n';
    for (const Event& e : span.events) {
      if (e.name == "exception") out += row.event_lead + exception_line(e, options) + '\n';
    }
  }
}

// ---- timeline ----

// `part * cells / whole`, without overflowing for any 64-bit times.
std::size_t scale(std::uint64_t part, std::uint64_t whole, std::size_t cells, bool round_up) {
  while (whole > std::numeric_limits<std::uint64_t>::max() / cells) {
    part >>= 1;
    whole >>= 1;
  }
  const std::uint64_t product = part * cells;
  std::uint64_t q = product / whole;
  if (round_up && product % whole != 0) ++q;
  return static_cast<std::size_t>(q);
}

void append_timeline_trace(const TraceLayout& trace, const RenderOptions& options, std::string& out) {
  const std::size_t width = std::min(options.width, max_width);
  const std::size_t fixed = duration_width + 4;  // " |" before the bar, "| " after
  // The name column takes 40% while the bar keeps its minimum; below that both shrink to their
  // minimums and lines get wider than asked rather than unreadable.
  std::size_t name_width = std::max(width * 2 / 5, min_name_width);
  if (name_width + fixed + min_bar_width > width) {
    name_width = std::max(min_name_width, width > fixed + min_bar_width ? width - fixed - min_bar_width : 0);
  }
  const std::size_t bar_width = std::max(min_bar_width, width > name_width + fixed ? width - name_width - fixed : 0);
  const std::uint64_t total = trace.end_ns - trace.start_ns;

  out += "trace ";
  trace.trace_id.append_hex(out);
  out += "  total " + format_duration(total) + '\n';

  for (const Row& row : trace.rows) {
    std::string indent(2 * std::min(row.depth, max_drawn_depth), ' ');
    if (row.depth > max_drawn_depth) indent += "[level " + std::to_string(row.depth) + "] ";
    if (row.span == nullptr) {
      out += truncate_display(indent + row.marker, width) + '\n';
      continue;
    }
    const SpanData& span = *row.span;
    const std::uint64_t from_ns = span.start_unix_ns - trace.start_ns;
    const std::uint64_t to_ns =
        (span.ended() ? std::max(span.end_unix_ns, span.start_unix_ns) : trace.end_ns) - trace.start_ns;

    std::size_t from = 0;
    std::size_t to = 1;
    if (total > 0) {
      from = scale(from_ns, total, bar_width, false);
      to = scale(to_ns, total, bar_width, true);
    }
    // Every span stays visible: at least one cell, inside the axis.
    from = std::min(from, bar_width - 1);
    to = std::min(std::max(to, from + 1), bar_width);

    std::string_view color;
    if (span.status.code == StatusCode::error) {
      color = ansi_red;
    } else if (span.status.code == StatusCode::ok) {
      color = ansi_green;
    } else if (!span.ended()) {
      color = ansi_yellow;
    }

    out += pad_right(truncate_display(indent + display_name(span), name_width), name_width);
    out += " |";
    out.append(from, '.');
    out += colored(std::string(to - from, '#'), color, options.color && !color.empty());
    out.append(bar_width - to, '.');
    out += "| ";
    out += pad_left(span.ended() ? format_duration(span.duration_ns()) : std::string("unfinished"), duration_width);
    out += '\n';
  }
}

std::uint64_t rounded_div(std::uint64_t n, std::uint64_t d) { return n / d + (n % d >= (d + 1) / 2 ? 1 : 0); }

}  // namespace

std::string render_tree(std::span<const SpanData> spans, const RenderOptions& options) {
  std::string out;
  bool first = true;
  for (const auto& trace : layout(spans)) {
    if (!first) out += '\n';
    first = false;
    append_tree_trace(trace, options, out);
  }
  return out;
}

std::string render_timeline(std::span<const SpanData> spans, const RenderOptions& options) {
  std::string out;
  bool first = true;
  for (const auto& trace : layout(spans)) {
    if (!first) out += '\n';
    first = false;
    append_timeline_trace(trace, options, out);
  }
  return out;
}

std::string format_duration(std::uint64_t ns) {
  if (ns < 1000) return std::to_string(ns) + " ns";
  struct Unit {
    const char* name;
    std::uint64_t ns;
  };
  static constexpr std::array<Unit, 3> units = {{{"us", 1'000}, {"ms", 1'000'000}, {"s", 1'000'000'000}}};
  char buf[48];
  // Integer rounding at each precision, so 9995 ns becomes "10.0 us" and never "10.00 us".
  for (std::size_t u = 0; u < units.size(); ++u) {
    const Unit& unit = units[u];
    if (const auto hundredths = rounded_div(ns, unit.ns / 100); hundredths < 1000) {
      std::snprintf(buf, sizeof buf, "%u.%02u %s", static_cast<unsigned>(hundredths / 100),
                    static_cast<unsigned>(hundredths % 100), unit.name);
      return buf;
    }
    if (const auto tenths = rounded_div(ns, unit.ns / 10); tenths < 1000) {
      std::snprintf(buf, sizeof buf, "%u.%u %s", static_cast<unsigned>(tenths / 10), static_cast<unsigned>(tenths % 10),
                    unit.name);
      return buf;
    }
    const auto whole = rounded_div(ns, unit.ns);
    if (whole < 1000 || u + 1 == units.size()) {
      std::snprintf(buf, sizeof buf, "%llu %s", static_cast<unsigned long long>(whole), unit.name);
      return buf;
    }
  }
  return {};
}

}  // namespace agentrace::tracing
