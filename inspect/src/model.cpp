// Building the inspection model: a trace's spans (any order, possibly incomplete) read through
// the span schema's readers and arranged as runs -> iterations -> calls.
#include "agentrace/inspect/model.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

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
  explicit Builder(std::vector<const SpanData*> spans) : spans_(std::move(spans)) {
    std::sort(spans_.begin(), spans_.end(), [](const SpanData* a, const SpanData* b) {
      return a->start_unix_ns != b->start_unix_ns ? a->start_unix_ns < b->start_unix_ns : a->span_id < b->span_id;
    });
    for (const auto* s : spans_) by_id_[s->span_id.hex()] = s;
    for (const auto* s : spans_) {
      if (s->parent_span_id.valid()) children_[s->parent_span_id.hex()].push_back(s);
    }
  }

  TraceView build() {
    TraceView view;
    view.trace_id = spans_.front()->trace_id.hex();
    gaps(view);
    // Runs: every invoke_agent span, by start time, so a parent run always precedes its children.
    for (const auto* s : spans_) {
      if (!is_agent_span(*s)) continue;
      run_index_[s] = view.runs.size();
      view.runs.push_back(run_header(*s));
    }
    for (std::size_t i = 0; i < view.runs.size(); ++i) locate_parent(view.runs[i]);
    // Steps whose run span is missing: grouped under a stand-in run per missing parent.
    for (const auto* s : spans_) {
      if (!is_step_span(*s)) continue;
      const SpanData* parent = parent_of(*s);
      if (parent != nullptr && is_agent_span(*parent)) continue;
      const std::string key = s->parent_span_id.hex();
      if (!orphan_runs_.contains(key)) {
        orphan_runs_[key] = view.runs.size();
        AgentRunView run;
        run.agent = "(unknown agent: span " + key + " is missing)";
        view.runs.push_back(std::move(run));
      }
    }
    for (auto& run : view.runs) fill_iterations(run, view);
    totals(view);
    return view;
  }

 private:
  const SpanData* find(const tr::SpanId& id) const {
    if (!id.valid()) return nullptr;
    auto it = by_id_.find(id.hex());
    return it == by_id_.end() ? nullptr : it->second;
  }
  const SpanData* parent_of(const SpanData& s) const { return find(s.parent_span_id); }
  const std::vector<const SpanData*>& children(const SpanData& s) const {
    static const std::vector<const SpanData*> none;
    auto it = children_.find(s.span_id.hex());
    return it == children_.end() ? none : it->second;
  }

  void gaps(TraceView& view) const {
    for (const auto* s : spans_) {
      if (s->parent_span_id.valid() && !s->parent_remote && parent_of(*s) == nullptr) {
        view.gaps.push_back({Gap::Kind::missing_parent, s,
                             "'" + s->name + "' (" + s->span_id.hex() + "): its parent " + s->parent_span_id.hex() +
                                 " is not in the trace"});
      }
      if (!s->ended()) {
        view.gaps.push_back({Gap::Kind::unended, s, "'" + s->name + "' (" + s->span_id.hex() + ") never ended"});
      }
    }
  }

  static AgentRunView run_header(const SpanData& s) {
    AgentRunView run;
    static_cast<schema::AgentRecord&>(run) = schema::read_agent(s);
    run.span = &s;
    return run;
  }

  // The run (and step) whose tool call started this run: the nearest invoke_agent ancestor.
  void locate_parent(AgentRunView& run) const {
    int step = 0;
    for (const SpanData* p = parent_of(*run.span); p != nullptr; p = parent_of(*p)) {
      if (is_step_span(*p) && step == 0) step = schema::read_step(*p).number;
      if (is_agent_span(*p)) {
        run.parent_run = run_index_.at(p);
        run.parent_step = step;
        return;
      }
    }
  }

  void fill_iterations(AgentRunView& run, TraceView& view) const {
    std::vector<const SpanData*> steps;
    if (run.span != nullptr) {
      for (const auto* c : children(*run.span)) {
        if (is_step_span(*c)) steps.push_back(c);
      }
    } else {
      for (const auto& [key, index] : orphan_runs_) {
        if (&view.runs[index] != &run) continue;
        for (const auto* s : spans_) {
          if (is_step_span(*s) && s->parent_span_id.hex() == key) steps.push_back(s);
        }
      }
    }
    for (const auto* s : steps) run.iterations.push_back(iteration(*s));
    // Traces from elsewhere may lack the run's token attributes: its steps' sum then.
    if (!run.has_usage) {
      Tokens own;
      for (const auto& it : run.iterations) {
        own.input += it.own.input;
        own.output += it.own.output;
      }
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
      for (const auto& c : it.chats) {
        it.own.input += c.tokens.input;
        it.own.output += c.tokens.output;
      }
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
        const Tokens tokens = schema::read_chat_tokens(*s);
        t.total.input += tokens.input;
        t.total.output += tokens.output;
      }
      if (is_tool_span(*s)) ++t.tool_calls;
      if (is_memory_span(*s)) ++t.memory_operations;
      if (is_step_span(*s)) ++t.iterations;
    }
    t.spans = spans_.size();
    t.duration_ns = last > first ? last - first : 0;
    t.agent_runs = view.runs.size();
    for (const auto& run : view.runs) {
      if (run.span != nullptr && !run.parent_run) {
        t.own.input += run.own.input;
        t.own.output += run.own.output;
      }
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
  std::unordered_map<std::string, const SpanData*> by_id_;
  std::unordered_map<std::string, std::vector<const SpanData*>> children_;
  std::unordered_map<const SpanData*, std::size_t> run_index_;
  std::map<std::string, std::size_t> orphan_runs_;
};

}  // namespace

std::vector<TraceView> build_trace_views(std::span<const tracing::SpanData> spans) {
  std::map<std::string, std::vector<const SpanData*>> by_trace;
  for (const auto& s : spans) by_trace[s.trace_id.hex()].push_back(&s);
  std::vector<TraceView> views;
  for (auto& [id, list] : by_trace) views.push_back(Builder(std::move(list)).build());
  std::sort(views.begin(), views.end(),
            [](const TraceView& a, const TraceView& b) { return a.start_unix_ns < b.start_unix_ns; });
  return views;
}


}  // namespace agentrace::inspect
