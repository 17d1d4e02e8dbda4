// The inspection model as JSON: what `agentrace view --json` prints and what a browser UI reads.
// The shape is public API, documented in docs/inspection.md#json; fields are only added.
#pragma once

#include <nlohmann/json.hpp>

#include "agentrace/inspect/model.hpp"

namespace agentrace::inspect {

// The view as JSON: {trace_id, status, totals, runs: [{agent, depth, status, ..., iterations:
// [{number, action, tokens, chat, decision, tools, memory}]}], gaps}.
nlohmann::json to_json(const TraceView& view);

}  // namespace agentrace::inspect
