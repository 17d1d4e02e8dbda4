// Building the inspection model: a trace's spans (any order, possibly incomplete) read through
// the span schema's readers and arranged as runs -> iterations -> calls.
#include "agentrace/inspect/model.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace agentrace::inspect {
namespace {

namespace tr = tracing;
using tr::SpanData;

// ---- reading spans (through the span schema) ---------------------------------------------

bool is_agent_span(const SpanData& s) { return schema::role_of(s) == schema::SpanRole::agent; }
bool is_step_span(const SpanData& s) { return schema::role_of(s) == schema::SpanRole::step; }
bool is_chat_span(const SpanData& s) { return schema::role_of(s) == schema::SpanRole::chat; }
bool is_tool_span(const SpanData& s) { return schema::role_of(s) == schema::SpanRole::tool; }
bool is_memory_span(const SpanData& s) { return schema::role_of(s) == schema::SpanRole::memory; }
bool is_error(const SpanData& s) { return s.status.code == tr::StatusCode::error; }

MemoryOpView memory_view(const SpanData& s) {
  MemoryOpView m;
  static_cast<schema::MemoryRecord&>(m) = schema::read_memory(s);
  m.span = &s;
  return m;
}

ChatView chat_view(const SpanData& s) {
  ChatView c;
  static_cast<schema::ChatRecord&>(c) = schema::read_chat(s);
  c.span = &s;
  return c;
}

// ---- building -----------------------------------------------------------------------------

class Builder {
 public:
  Builder(std::vector<const SpanData*> spans, BuildStats& stats) : spans_(std::move(spans)), stats_(stats) {
    std::sort(spans_.begin(), spans_.end(), [](const SpanData* a, const SpanData* b) {
      return a->start_unix_ns != b->start_unix_ns ? a->start_unix_ns < b->start_unix_ns : a->span_id < b->span_id;
    });
    // A duplicated id names its earliest span: each span then has at most one parent, and the
    // spans form a forest once the cycles among them are cut.
    for (const auto* s : spans_) by_id_.try_emplace(s->span_id.hex(), s);
    for (const auto* s : spans_) {
      if (const SpanData* p = find(s->parent_span_id); p != nullptr) parent_[s] = p;
    }
    cut_cycles();
    for (const auto* s : spans_) {
      if (const SpanData* p = parent_of(*s); p != nullptr) children_[p].push_back(s);
    }
  }

  TraceView build() {
    TraceView view;
    view.trace_id = spans_.front()->trace_id.hex();
    gaps(view);
    // Runs: every invoke_agent span, by start time, a parent run before its children.
    for (const auto* s : runs_in_order()) {
      run_index_[s] = view.runs.size();
      view.runs.push_back(run_header(*s));
    }
    for (std::size_t i = 0; i < view.runs.size(); ++i) locate_parent(view.runs[i]);
    // Steps whose run span is missing (or cut from a cycle): grouped under a stand-in run per
    // missing parent.
    for (const auto* s : spans_) {
      if (!is_step_span(*s)) continue;
      const SpanData* parent = parent_of(*s);
      if (parent != nullptr && is_agent_span(*parent)) continue;
      const std::string key = s->parent_span_id.hex();
      ++stats_.orphan_lookups;
      auto [it, added] = orphan_runs_.try_emplace(key, view.runs.size());
      if (added) {
        AgentRunView run;
        run.agent = cut_.contains(s) ? "(unknown agent: the parents of span " + s->span_id.hex() + " loop)"
                                     : "(unknown agent: span " + key + " is missing)";
        view.runs.push_back(std::move(run));
      }
      orphan_steps_[it->second].push_back(s);
    }
    for (std::size_t i = 0; i < view.runs.size(); ++i) fill_iterations(i, view);
    totals(view);
    return view;
  }

 private:
  const SpanData* find(const tr::SpanId& id) const {
    if (!id.valid()) return nullptr;
    auto it = by_id_.find(id.hex());
    return it == by_id_.end() ? nullptr : it->second;
  }
  const SpanData* parent_of(const SpanData& s) const {
    auto it = parent_.find(&s);
    return it == parent_.end() ? nullptr : it->second;
  }
  const std::vector<const SpanData*>& children(const SpanData& s) const {
    static const std::vector<const SpanData*> none;
    auto it = children_.find(&s);
    return it == children_.end() ? none : it->second;
  }

  // A chain of parents that comes back to where it started has no root: each such loop loses
  // one link, the one above its earliest span, which is reported as a gap. One pass: every span
  // is walked up once, stopping at a span already settled.
  void cut_cycles() {
    enum class State : std::uint8_t { unseen, on_path, settled };
    std::unordered_map<const SpanData*, State> state;
    std::vector<const SpanData*> path;
    for (const auto* start : spans_) {
      path.clear();
      const SpanData* s = start;
      while (s != nullptr && state[s] == State::unseen) {
        state[s] = State::on_path;
        path.push_back(s);
        s = parent_of(*s);
        ++stats_.parent_steps;
      }
      if (s != nullptr && state[s] == State::on_path) {
        // The loop is the path from s to its end.
        const auto from = std::find(path.begin(), path.end(), s);
        const SpanData* earliest = *std::min_element(from, path.end(), [this](const SpanData* a, const SpanData* b) {
          return position(a) < position(b);
        });
        std::string chain;
        const std::size_t length = static_cast<std::size_t>(path.end() - from);
        constexpr std::size_t shown = 6;
        // From the span cut, up its parents and back to it.
        const SpanData* at = earliest;
        for (std::size_t i = 0; i <= std::min(length, shown); ++i, at = parent_of(*at)) {
          if (i == shown && length > shown) {
            chain += " -> ... (" + std::to_string(length) + " spans)";
            break;
          }
          chain += (i == 0 ? "" : " -> ") + at->span_id.hex();
        }
        cycle_gaps_.push_back({Gap::Kind::parent_cycle, earliest,
                               "'" + earliest->name + "' (" + earliest->span_id.hex() + "): its parents loop back to it (" +
                                   chain + "); shown without its parent"});
        parent_.erase(earliest);
        cut_.insert(earliest);
      }
      for (const auto* p : path) state[p] = State::settled;
    }
  }

  std::size_t position(const SpanData* s) const {
    return static_cast<std::size_t>(std::lower_bound(spans_.begin(), spans_.end(), s,
                                                     [](const SpanData* a, const SpanData* b) {
                                                       return a->start_unix_ns != b->start_unix_ns
                                                                  ? a->start_unix_ns < b->start_unix_ns
                                                                  : a->span_id < b->span_id;
                                                     }) -
                                    spans_.begin());
  }

  void gaps(TraceView& view) const {
    for (const auto* s : spans_) {
      if (s->parent_span_id.valid() && !s->parent_remote && find(s->parent_span_id) == nullptr) {
        view.gaps.push_back({Gap::Kind::missing_parent, s,
                             "'" + s->name + "' (" + s->span_id.hex() + "): its parent " + s->parent_span_id.hex() +
                                 " is not in the trace"});
      }
      if (!s->ended()) {
        view.gaps.push_back({Gap::Kind::unended, s, "'" + s->name + "' (" + s->span_id.hex() + ") never ended"});
      }
    }
    view.gaps.insert(view.gaps.end(), cycle_gaps_.begin(), cycle_gaps_.end());
  }

  static AgentRunView run_header(const SpanData& s) {
    AgentRunView run;
    static_cast<schema::AgentRecord&>(run) = schema::read_agent(s);
    run.span = &s;
    return run;
  }

  // For each span, the nearest agent span above it and the number of the nearest step span
  // between them (0: none). Memoised, so that many runs under one long chain walk it once: every
  // span is settled once.
  struct Above {
    const SpanData* agent = nullptr;
    int step = 0;
  };
  Above above(const SpanData& span) {
    std::vector<const SpanData*> path;  // spans not settled yet, bottom up
    const SpanData* s = &span;
    while (!above_.contains(s)) {
      const SpanData* p = parent_of(*s);
      ++stats_.parent_steps;
      if (p == nullptr) {
        above_[s] = {};
        break;
      }
      if (is_agent_span(*p)) {
        above_[s] = {p, 0};
        break;
      }
      path.push_back(s);
      s = p;
    }
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      const SpanData* p = parent_of(**it);
      Above a = above_.at(p);
      if (is_step_span(*p)) a.step = schema::read_step(*p).number;
      above_[*it] = a;
    }
    return above_.at(&span);
  }

  // The run (and step) whose tool call started this run: the nearest invoke_agent ancestor.
  void locate_parent(AgentRunView& run) {
    const Above a = above(*run.span);
    if (a.agent == nullptr) return;
    run.parent_run = run_index_.at(a.agent);
    run.parent_step = a.step;
  }

  // The agent spans by start time, each after the run that started it: a child whose clock
  // says it started first (coarse clocks, files from elsewhere) still comes after its parent.
  std::vector<const SpanData*> runs_in_order() {
    std::vector<const SpanData*> ordered;
    std::unordered_set<const SpanData*> placed;
    std::vector<const SpanData*> chain;
    for (const auto* s : spans_) {
      if (!is_agent_span(*s)) continue;
      chain.clear();
      for (const SpanData* r = s; r != nullptr && !placed.contains(r); r = above(*r).agent) chain.push_back(r);
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        placed.insert(*it);
        ordered.push_back(*it);
      }
    }
    return ordered;
  }

  void fill_iterations(std::size_t index, TraceView& view) const {
    AgentRunView& run = view.runs[index];
    std::vector<const SpanData*> steps;
    if (run.span != nullptr) {
      for (const auto* c : children(*run.span)) {
        if (is_step_span(*c)) steps.push_back(c);
      }
    } else if (auto it = orphan_steps_.find(index); it != orphan_steps_.end()) {
      steps = it->second;
    }
    for (const auto* s : steps) run.iterations.push_back(iteration(*s));
    // Traces from elsewhere may lack the run's token attributes: its steps' sum then.
    if (!run.has_usage) {
      Tokens own;
      for (const auto& it : run.iterations) own += it.own;
      run.own = own;
      run.total = own;
    }
  }

  IterationView iteration(const SpanData& s) const {
    IterationView it;
    static_cast<schema::StepRecord&>(it) = schema::read_step(s);
    it.span = &s;
    for (const auto* c : children(s)) {
      switch (schema::role_of(*c)) {
        case schema::SpanRole::chat: it.chats.push_back(chat_view(*c)); break;
        case schema::SpanRole::decide: {
          DecisionView d = schema::read_decision(*c);
          if (it.error.empty() && !d.error.empty()) it.error = d.error;
          it.decision = std::move(d);
          break;
        }
        case schema::SpanRole::tool: it.tools.push_back(tool_view(*c)); break;
        case schema::SpanRole::memory: it.memory.push_back(memory_view(*c)); break;
        case schema::SpanRole::code: {
          CodeView code;
          static_cast<schema::CodeRecord&>(code) = schema::read_code(*c);
          code.span = c;
          if (it.error.empty() && !code.error.empty()) it.error = code.error;
          it.code = std::move(code);
          for (const auto* call : children(*c)) {
            if (is_tool_span(*call)) it.tools.push_back(tool_view(*call));
          }
          break;
        }
        case schema::SpanRole::agent:
        case schema::SpanRole::step:
        case schema::SpanRole::other: break;
      }
    }
    // Traces from elsewhere may lack the step's own attributes: derive them from its children.
    if (!it.has_usage) {
      for (const auto& c : it.chats) it.own += c.tokens;
      it.total = it.own;
    }
    if (it.action.empty() && it.decision) it.action = it.decision->action;
    return it;
  }

  ToolCallView tool_view(const SpanData& s) const {
    ToolCallView t;
    static_cast<schema::ToolRecord&>(t) = schema::read_tool(s);
    t.span = &s;
    // Managed agents and memory operations anywhere below the call (a tool's own spans may sit
    // between), but not below a managed agent: those belong to that agent's run.
    std::vector<const SpanData*> stack(children(s).rbegin(), children(s).rend());
    while (!stack.empty()) {
      const SpanData* c = stack.back();
      stack.pop_back();
      if (is_agent_span(*c)) {
        t.agent_runs.push_back(run_index_.at(c));
        continue;
      }
      if (is_memory_span(*c)) t.memory.push_back(memory_view(*c));
      const auto& kids = children(*c);
      stack.insert(stack.end(), kids.rbegin(), kids.rend());
    }
    return t;
  }

  void totals(TraceView& view) const {
    Totals& t = view.totals;
    std::uint64_t first = UINT64_MAX;
    std::uint64_t last = 0;
    for (const auto* s : spans_) {
      first = std::min(first, s->start_unix_ns);
      last = std::max(last, std::max(s->end_unix_ns, s->start_unix_ns));
      if (is_error(*s)) ++t.errors;
      if (is_chat_span(*s)) {
        ++t.model_calls;
        t.total += schema::read_chat_tokens(*s);
      }
      if (is_tool_span(*s)) ++t.tool_calls;
      if (is_memory_span(*s)) ++t.memory_operations;
      if (is_step_span(*s)) ++t.iterations;
    }
    t.spans = spans_.size();
    t.duration_ns = last > first ? last - first : 0;
    t.agent_runs = view.runs.size();
    for (const auto& run : view.runs) {
      if (run.span != nullptr && !run.parent_run) t.own += run.own;
    }
    view.start_unix_ns = first;
    const SpanData* root = nullptr;
    for (const auto* s : spans_) {
      if (s->is_local_root()) {
        root = s;
        break;
      }
    }
    view.root_name = root != nullptr ? root->name : "(root span missing)";
    // The top-level agent run's status; for a trace whose root is not an agent (a pipeline that
    // runs agents inside it), the root span's outcome; "incomplete" while the root has not ended.
    view.status = "incomplete";
    if (root != nullptr && root->ended()) view.status = is_error(*root) ? "failed" : "completed";
    for (const auto& run : view.runs) {
      if (run.span != nullptr && run.span == root && !run.status.empty()) {
        view.status = run.status;
        break;
      }
    }
  }

  std::vector<const SpanData*> spans_;
  BuildStats& stats_;
  std::unordered_map<std::string, const SpanData*> by_id_;
  std::unordered_map<const SpanData*, const SpanData*> parent_;  // cycles cut
  std::unordered_set<const SpanData*> cut_;                      // spans whose parent link was cut
  std::vector<Gap> cycle_gaps_;
  std::unordered_map<const SpanData*, std::vector<const SpanData*>> children_;
  std::unordered_map<const SpanData*, std::size_t> run_index_;
  std::unordered_map<const SpanData*, Above> above_;
  std::unordered_map<std::string, std::size_t> orphan_runs_;
  std::unordered_map<std::size_t, std::vector<const SpanData*>> orphan_steps_;
};

}  // namespace

std::vector<TraceView> build_trace_views(std::span<const tracing::SpanData> spans, BuildStats* stats) {
  BuildStats local;
  BuildStats& counted = stats != nullptr ? *stats : local;
  std::map<std::string, std::vector<const SpanData*>> by_trace;
  for (const auto& s : spans) by_trace[s.trace_id.hex()].push_back(&s);
  std::vector<TraceView> views;
  for (auto& [id, list] : by_trace) views.push_back(Builder(std::move(list), counted).build());
  std::sort(views.begin(), views.end(),
            [](const TraceView& a, const TraceView& b) { return a.start_unix_ns < b.start_unix_ns; });
  return views;
}


}  // namespace agentrace::inspect
