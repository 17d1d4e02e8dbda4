// Renderers: pure functions from a set of finished spans to text. They never crash on what a
// real trace file can hold: several traces, several roots, orphans (a parent that is missing),
// spans that never ended (end time 0), zero durations.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "agentrace/tracing/span_data.hpp"

namespace agentrace::tracing {

// Nesting is drawn this many levels deep; a span deeper than that (a file may chain 100,000
// spans) is drawn at this depth with "[level N] " before its name, so that every line stays
// narrow and the text linear in the spans.
inline constexpr std::size_t max_drawn_depth = 100;

struct RenderOptions {
  std::size_t width = 100;          // total line width of the timeline (at least 36 is used)
  bool color = false;               // ANSI colours (status marks, bars)
  bool show_attributes = true;      // key attributes after the name in the tree
  // Tree lines no wider than `width`: the key attributes are cut (then left out) to fit; the
  // name, duration and status are never cut. Off, a line is as long as its attributes make it.
  bool fit_tree_to_width = false;
  std::size_t max_attribute_chars = 60;
  // What a kind of trace says about its attributes, for the tree's one-line summary of each span.
  // Both are empty by default: any trace shows its attributes in recording order. Whoever owns a
  // span schema supplies its lists (an agent run's: agentrace/schema/render_hints.hpp). They are
  // not copied: what they view must outlive every use of these options (a ConsoleExporter keeps
  // them for its whole life), so static storage suits them best.
  //
  // first_keys: the attributes a reader looks for first, shown before the others in this order
  // (those a span lacks are skipped); the rest follow in recording order.
  std::span<const std::string_view> first_keys{};
  // hidden_keys: attributes never shown in the summary (classification, identifiers, whole
  // conversations: too long or too uniform for one line). A text attribute whose value equals
  // one of theirs on the same span counts as repeated, and is not shown either. A key in both
  // lists stays hidden.
  std::span<const std::string_view> hidden_keys{};
};

// An indented tree per trace: name, duration, status mark (ok / error / unset), up to 4 key
// attributes (options.first_keys first, then the rest in recording order; none of
// options.hidden_keys, no text that is a whole word of the span's name, no text already shown or
// hidden under another key). Children sorted by start time; orphans shown under a
// "(missing parent <id>)" marker; spans that never ended marked "(unfinished)".
std::string render_tree(std::span<const SpanData> spans, const RenderOptions& options = {});

// One line per span on a shared time axis per trace: indented name, an ASCII bar placed at the
// span's start and as long as its duration, and the duration.
std::string render_timeline(std::span<const SpanData> spans, const RenderOptions& options = {});

// "850 ns", "12.3 us", "1.23 ms", "2.50 s": three significant digits in the largest unit that
// keeps the number below 1000 (whole seconds from 1000 s up); the format every renderer uses.
std::string format_duration(std::uint64_t ns);

}  // namespace agentrace::tracing
