// The inspection model as text, for a terminal: pure functions from a TraceView to what
// `agentrace view` prints.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "agentrace/inspect/model.hpp"

namespace agentrace::inspect {

struct InspectRenderOptions {
  bool color = false;
  std::size_t width = 100;          // summary lines are cut to this width
  std::size_t max_value_chars = 2000;  // longer arguments/results/messages are cut in the step view
  // The step view shows only the messages the model had not seen in its previous call (the
  // tool results and anything else the loop added since), instead of the whole history.
  bool only_new_messages = false;
};

// Per agent run, its iterations (duration, tokens, action, errors), managed runs indented under
// the step that called them; then the totals and any gaps.
std::string render_summary(const TraceView& view, const InspectRenderOptions& options = {});

// The iterations numbered `step` of the runs of `agent` (empty: the top-level agent), each in
// full: messages given to the model, its reply, the decision, each tool call with arguments,
// result, duration and status, memory operations, child agents as a nested summary. Returns
// nullopt when no such iteration exists.
std::optional<std::string> render_iteration(const TraceView& view, int step, std::string_view agent = {},
                                            const InspectRenderOptions& options = {});

// Every model call's messages and reply, in order (filtered to one agent and/or step when given).
std::string render_messages(const TraceView& view, std::string_view agent = {}, int step = 0,
                            const InspectRenderOptions& options = {});

}  // namespace agentrace::inspect
