// How an agent run's trace reads as text: which of the attributes writers.hpp records a reader of
// the span tree (tracing::render_tree, tracing::ConsoleExporter) looks for first, and which a
// one-line summary leaves out. The tracing SDK renders any trace and knows no attribute of its
// own; whatever renders an agent's trace (`agentrace demo` and `view`, the examples, a console
// exporter of a run's spans) starts from render_options() here.
//
// The lists view the interned names of names.hpp and live until the program ends. (Like those
// names, do not use them from another static object's initializer.)
#pragma once

#include <span>
#include <string_view>

#include "agentrace/tracing/render.hpp"

namespace agentrace::schema {

// What says most about an agent span, in the order the tree shows it: the run's outcome, the
// step's action, the decision, tokens, finish reasons, the tool call and its error kind, the
// memory key and what it found, the run's token totals. (RenderOptions::first_keys)
[[nodiscard]] std::span<const std::string_view> summary_keys();

// Classification, identifiers and whole conversations, which the trace file and `agentrace view`
// have but which are too long or too uniform to help in a one-line summary; OpenInference's token
// counts, which repeat gen_ai.usage.*; and a step's number, which its name shows.
// (RenderOptions::hidden_keys)
[[nodiscard]] std::span<const std::string_view> hidden_keys();

// RenderOptions with summary_keys() and hidden_keys() set and everything else at its default;
// set width and color on the result as the terminal asks.
[[nodiscard]] tracing::RenderOptions render_options();

}  // namespace agentrace::schema
