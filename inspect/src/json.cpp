// The inspection model as JSON: `agentrace view --json`, and what the browser UI will serve.
#include "agentrace/inspect/json.hpp"

#include "agentrace/base/json_depth.hpp"

namespace agentrace::inspect {
namespace {

namespace tr = tracing;
using tr::SpanData;

nlohmann::json tokens_json(const Tokens& t) { return {{"input", t.input}, {"output", t.output}}; }

// Content recorded as JSON text (messages, tool definitions) as the JSON it is; null when not
// recorded; the text itself when it does not parse (the content policy cut it).
nlohmann::json recorded_json(const std::string& text) {
  if (text.empty()) return nullptr;
  if (base::json_text_depth(text) > base::max_json_depth) return text;  // parsing would recurse that deep
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return text;
  return parsed;
}

nlohmann::json span_json(const SpanData* s) {
  if (s == nullptr) return nullptr;
  return {{"span_id", s->span_id.hex()},
          {"start_unix_ns", s->start_unix_ns},
          {"end_unix_ns", s->end_unix_ns},
          {"duration_ns", s->duration_ns()},
          {"ended", s->ended()},
          {"status", std::string(tr::to_string(s->status.code))}};
}

nlohmann::json memory_json(const MemoryOpView& m) {
  nlohmann::json j = {{"operation", m.operation}, {"store", m.store}, {"span", span_json(m.span)}, {"error", m.is_error}};
  if (!m.key.empty()) j["key"] = m.key;
  if (!m.query.empty()) j["query"] = m.query;
  if (m.hit) j["hit"] = *m.hit;
  if (m.result_count) j["result_count"] = *m.result_count;
  return j;
}


}  // namespace

nlohmann::json to_json(const TraceView& view) {
  using nlohmann::json;
  const Totals& t = view.totals;
  json out = {{"trace_id", view.trace_id},
              {"root", view.root_name},
              {"status", view.status},
              {"start_unix_ns", view.start_unix_ns},
              {"complete", view.complete()},
              {"totals",
               {{"duration_ns", t.duration_ns},
                {"agent_runs", t.agent_runs},
                {"iterations", t.iterations},
                {"model_calls", t.model_calls},
                {"tool_calls", t.tool_calls},
                {"memory_operations", t.memory_operations},
                {"errors", t.errors},
                {"spans", t.spans},
                {"tokens_own", tokens_json(t.own)},
                {"tokens_total", tokens_json(t.total)}}}};
  json runs = json::array();
  for (const auto& run : view.runs) {
    json r = {{"agent", run.agent},       {"depth", run.depth},   {"status", run.status},
              {"error", run.error},       {"input", run.input},   {"output", run.output},
              {"model", run.model},       {"tokens_own", tokens_json(run.own)},
              {"tokens_total", tokens_json(run.total)}, {"span", span_json(run.span)}};
    r["parent_run"] = run.parent_run ? json(*run.parent_run) : json(nullptr);
    r["parent_step"] = run.parent_step;
    json iterations = json::array();
    for (const auto& it : run.iterations) {
      json i = {{"number", it.number},      {"action", it.action}, {"error", it.error},
                {"tokens_own", tokens_json(it.own)}, {"tokens_total", tokens_json(it.total)},
                {"span", span_json(it.span)}};
      json chats = json::array();
      for (const auto& c : it.chats) {
        chats.push_back({{"model", c.model},
                         {"provider", c.provider},
                         {"tool_definitions", recorded_json(c.tool_definitions)},
                         {"input_messages", recorded_json(c.input_messages)},
                         {"output_messages", recorded_json(c.output_messages)},
                         {"output_text", c.output_text},
                         {"finish_reasons", c.finish_reasons},
                         {"tokens", tokens_json(c.tokens)},
                         {"attempts", c.attempts},
                         {"error", c.is_error ? json(c.error) : json(nullptr)},
                         {"span", span_json(c.span)}});
      }
      i["chats"] = std::move(chats);
      if (it.decision) {
        i["decision"] = {{"options", it.decision->options},
                         {"action", it.decision->action},
                         {"tool_calls", it.decision->tool_calls},
                         {"error", it.decision->error}};
        if (!it.decision->code_language.empty()) {
          i["decision"]["code_language"] = it.decision->code_language;
          i["decision"]["code_lines"] = it.decision->code_lines;
        }
      }
      if (it.code) {
        const auto& c = *it.code;
        i["code"] = {{"language", c.language},       {"code", c.code},     {"output", c.output},
                     {"error", c.is_error ? json(c.error) : json(nullptr)},
                     {"error_kind", c.error_kind},   {"calls", c.calls},   {"instructions", c.instructions},
                     {"final_answer", c.final_answer}, {"span", span_json(c.span)}};
      }
      json tools = json::array();
      for (const auto& tc : it.tools) {
        json m = json::array();
        for (const auto& op : tc.memory) m.push_back(memory_json(op));
        tools.push_back({{"name", tc.name},
                         {"call_id", tc.call_id},
                         {"type", tc.type},
                         {"arguments", tc.arguments},
                         {"result", tc.result},
                         {"error", tc.is_error},
                         {"error_kind", tc.error_kind},
                         {"agent_runs", tc.agent_runs},
                         {"memory", std::move(m)},
                         {"span", span_json(tc.span)}});
      }
      i["tools"] = std::move(tools);
      json mem = json::array();
      for (const auto& op : it.memory) mem.push_back(memory_json(op));
      i["memory"] = std::move(mem);
      iterations.push_back(std::move(i));
    }
    r["iterations"] = std::move(iterations);
    runs.push_back(std::move(r));
  }
  out["runs"] = std::move(runs);
  json gaps = json::array();
  for (const auto& g : view.gaps) {
    gaps.push_back({{"kind", g.kind == Gap::Kind::unended ? "unended" : g.kind == Gap::Kind::parent_cycle ? "parent_cycle" : "missing_parent"},
                    {"span_id", g.span->span_id.hex()},
                    {"name", g.span->name},
                    {"description", g.description}});
  }
  out["gaps"] = std::move(gaps);
  return out;
}


}  // namespace agentrace::inspect
