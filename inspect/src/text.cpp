// The inspection model as text: the summary, one iteration in full, the messages.
#include "agentrace/inspect/text.hpp"

#include "agentrace/base/json_depth.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "agentrace/base/utf8.hpp"
#include "agentrace/tracing/render.hpp"

namespace agentrace::inspect {
namespace {

namespace tr = tracing;
using tr::SpanData;

bool is_error(const SpanData& s) { return s.status.code == tr::StatusCode::error; }

// ---- text helpers -------------------------------------------------------------------------

struct Style {
  bool on = false;
  std::string operator()(std::string_view code, std::string_view text) const {
    if (!on) return std::string(text);
    return "\x1b[" + std::string(code) + "m" + std::string(text) + "\x1b[0m";
  }
  std::string dim(std::string_view t) const { return (*this)("2", t); }
  std::string bold(std::string_view t) const { return (*this)("1", t); }
  std::string red(std::string_view t) const { return (*this)("31", t); }
  std::string green(std::string_view t) const { return (*this)("32", t); }
  std::string cyan(std::string_view t) const { return (*this)("36", t); }
  std::string yellow(std::string_view t) const { return (*this)("33", t); }
};

// The first line of `text`, at most `max` characters (UTF-8 aware), with an ellipsis when cut.
std::string one_line(std::string_view text, std::size_t max) {
  std::string out;
  std::size_t chars = 0;
  bool cut = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r') {
      cut = i + 1 < text.size();
      break;
    }
    if (!base::utf8_continuation(c)) {
      if (chars == max) {
        cut = true;
        break;
      }
      ++chars;
    }
    out += c;
  }
  if (cut) out += "…";
  return out;
}

// `text` cut to `max` bytes at a UTF-8 boundary, with a note of what was left out.
std::string cap(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  const std::size_t cut = base::utf8_prefix_length(text, max);
  return std::string(text.substr(0, cut)) + "… [" + std::to_string(text.size() - cut) + " more bytes]";
}

std::string indent_block(std::string_view text, std::string_view prefix) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += prefix;
    out += line;
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

// "1 tool call", "2 tool calls".
std::string counted(std::size_t n, std::string_view noun) {
  return std::to_string(n) + ' ' + std::string(noun) + (n == 1 ? "" : "s");
}

std::string tokens_text(const Tokens& t) {
  return std::to_string(t.input) + " in / " + std::to_string(t.output) + " out";
}

std::string duration(const SpanData* s) {
  if (s == nullptr) return "?";
  if (!s->ended()) return "unfinished";
  return tr::format_duration(s->duration_ns());
}

std::string utc_time(std::uint64_t unix_ns) {
  const std::time_t secs = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03u", static_cast<unsigned>((unix_ns / 1'000'000) % 1000));
  return std::string(buf) + ms + " UTC";
}

std::string status_mark(const Style& st, const std::string& status) {
  if (status.empty()) return st.yellow("unfinished");
  if (status == "completed") return st.green(status);
  return st.red(status);
}

// The action of an iteration in one line: "search(query=...)", "final answer: ...", "error: ...".
std::string action_line(const IterationView& it) {
  if (!it.tools.empty()) {
    std::string out;
    for (std::size_t i = 0; i < it.tools.size(); ++i) {
      const auto& t = it.tools[i];
      if (i != 0) out += ", ";
      out += t.name + "(" + one_line(t.arguments, 60) + ")";
      if (t.is_error) {
        out += " [error" + (t.error_kind.empty() ? std::string() : ": " + t.error_kind) +
               (t.result.empty() ? std::string() : ": " + one_line(t.result, 60)) + "]";
      }
    }
    return out;
  }
  if (it.code && it.code->final_answer) return "code: final answer";
  if (it.code && !it.code->is_error) return "code (" + std::to_string(it.code->calls) + " calls)";
  if (it.action == "final_answer") {
    std::string answer = it.chats.empty() ? std::string() : it.chats.back().output_text;
    return "final answer: " + one_line(answer, 80);
  }
  if (!it.error.empty()) return "error: " + one_line(it.error, 80);
  if (it.action.empty()) return it.span != nullptr && it.span->ended() ? "(no action recorded)" : "(unfinished)";
  return it.action;
}

// Managed runs nest without limit in a file; past this many levels of indentation a line keeps
// its indentation and says its level instead, so the text stays linear in the runs.
constexpr int max_drawn_indent = 128;  // 64 levels of managed runs (2 steps each)

// A run, its iterations and, under the tool call that started each, its managed runs: depth
// first with an explicit stack, since a file can nest runs 100,000 deep.
void summary_run(const TraceView& view, std::size_t index, int indent, const Style& st,
                 const InspectRenderOptions& options, std::string& out) {
  struct Frame {
    std::size_t run;
    int indent;
    std::size_t iteration = 0;
    std::size_t tool = 0;
    std::size_t child = 0;
    bool step_shown = false;
  };
  std::vector<Frame> stack{Frame{index, indent}};
  auto pad_of = [](int level) { return std::string(static_cast<std::size_t>(std::min(level, max_drawn_indent)) * 2, ' '); };
  bool opened = false;
  while (!stack.empty()) {
    Frame& f = stack.back();
    const AgentRunView& run = view.runs[f.run];
    const std::string pad = pad_of(f.indent);
    if (!opened) {
      const std::string level = f.indent > max_drawn_indent ? "[level " + std::to_string(f.indent / 2) + "] " : "";
      out += pad + level + st.bold(run.agent) + "  " + status_mark(st, run.status) + "  " +
             std::to_string(run.iterations.size()) + (run.iterations.size() == 1 ? " step  " : " steps  ") +
             duration(run.span) + "  tokens " + tokens_text(run.own);
      if (run.total != run.own) out += " (with managed agents " + tokens_text(run.total) + ")";
      out += '\n';
      if (!run.input.empty()) out += pad + "  " + st.dim("task: " + one_line(run.input, options.width)) + '\n';
      opened = true;
    }
    std::optional<Frame> next;
    while (!next && f.iteration < run.iterations.size()) {
      const IterationView& it = run.iterations[f.iteration];
      if (!f.step_shown) {
        std::string line = pad + "  step " + std::to_string(it.number) + "  " + duration(it.span) + "  " + tokens_text(it.own);
        const bool failed = !it.error.empty() || (it.span != nullptr && is_error(*it.span));
        line += "  " + (failed ? st.red(action_line(it)) : action_line(it));
        out += line + '\n';
        // What the model said beside its tool calls (its reasoning, "Converting the amount..."):
        // the final answer is shown as the action already.
        if (it.action != "final_answer" && !it.chats.empty() && !it.chats.back().output_text.empty()) {
          const std::size_t lead = pad.size() + 4 + std::string_view("thought: ").size();
          const std::size_t room = options.width > lead + 20 ? options.width - lead : 20;
          out += pad + "    " + st.dim("thought: " + one_line(it.chats.back().output_text, room)) + '\n';
        }
        f.step_shown = true;
      }
      while (!next && f.tool < it.tools.size()) {
        const auto& runs = it.tools[f.tool].agent_runs;
        if (f.child < runs.size()) {
          next = Frame{runs[f.child++], f.indent + 2};
        } else {
          ++f.tool;
          f.child = 0;
        }
      }
      if (!next) {
        ++f.iteration;
        f.tool = 0;
        f.step_shown = false;
      }
    }
    if (next) {
      stack.push_back(*next);  // f is not used past this point
      opened = false;
      continue;
    }
    if (!run.error.empty()) out += pad + "  " + st.red("error: " + one_line(run.error, options.width)) + '\n';
    if (run.status == "completed" && !run.output.empty()) {
      out += pad + "  " + st.cyan("answer: ") + one_line(run.output, options.width) + '\n';
    }
    stack.pop_back();
  }
}

// A member of a JSON object as text: strings as they are, other values as JSON, "" when absent.
std::string member(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// Recorded JSON text, parsed; discarded when it does not parse or nests deeper than any real
// message does (a trace file is outside input: parsing recurses once per level).
nlohmann::json parse_recorded(const std::string& recorded) {
  if (base::json_text_depth(recorded) > base::max_json_depth) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(recorded, nullptr, false);
}

// gen_ai.tool.definitions as one line per tool: `name(a: integer, b?: string)  description`
// (a `?` marks a parameter that is not required). Text that does not parse (cut by the content
// policy) is shown as recorded.
std::string tool_definitions_text(const std::string& recorded, const InspectRenderOptions& options, std::string_view pad) {
  const nlohmann::json tools = parse_recorded(recorded);
  if (tools.is_discarded() || !tools.is_array()) return indent_block(cap(recorded, options.max_value_chars), pad);
  std::string out;
  for (const auto& tool : tools) {
    std::string line = std::string(pad) + member(tool, "name") + "(";
    const nlohmann::json* parameters = tool.is_object() && tool.contains("parameters") ? &tool["parameters"] : nullptr;
    if (parameters != nullptr && parameters->is_object() && parameters->contains("properties") &&
        (*parameters)["properties"].is_object()) {
      const auto& required = parameters->contains("required") ? (*parameters)["required"] : nlohmann::json::array();
      bool first = true;
      for (const auto& [name, schema] : (*parameters)["properties"].items()) {
        const bool is_required = required.is_array() && std::find(required.begin(), required.end(), name) != required.end();
        line += (first ? "" : ", ") + name + (is_required ? "" : "?");
        if (const std::string type = member(schema, "type"); !type.empty()) line += ": " + type;
        first = false;
      }
    }
    line += ")";
    if (const std::string description = member(tool, "description"); !description.empty()) line += "  " + description;
    out += cap(line, options.max_value_chars) + '\n';
  }
  return out;
}

// Messages recorded as GenAI JSON ({role, parts: [...]}) as readable lines; anything that does
// not parse (content truncated by the policy) is shown as recorded.
// The first `skip` messages are left out (their numbers kept), with a line that says so.
std::string messages_text(const std::string& recorded, const InspectRenderOptions& options, std::string_view pad,
                          std::size_t skip = 0) {
  if (recorded.empty()) return std::string(pad) + "(not recorded: content capture was off)\n";
  nlohmann::json messages = parse_recorded(recorded);
  if (messages.is_discarded() || !messages.is_array()) {
    return indent_block(cap(recorded, options.max_value_chars), pad);
  }
  std::string out;
  std::size_t i = 0;
  skip = std::min(skip, messages.size());
  if (skip > 0) out += std::string(pad) + "(" + counted(skip, "earlier message") + " not shown)\n";
  for (const auto& m : messages) {
    if (i < skip) {
      ++i;
      continue;
    }
    if (!m.is_object()) {
      out += std::string(pad) + "[" + std::to_string(i++) + "] " + cap(m.dump(), options.max_value_chars) + "\n";
      continue;
    }
    std::string role = member(m, "role");
    if (role.empty()) role = "?";
    std::string head = std::string(pad) + "[" + std::to_string(i++) + "] " + role;
    std::string body;
    std::string calls;
    if (m.contains("parts") && m["parts"].is_array()) {
      for (const auto& p : m["parts"]) {
        const std::string type = member(p, "type");
        if (type == "text") {
          body += member(p, "content");
        } else if (type == "tool_call") {
          calls += std::string(pad) + "      -> " + member(p, "name") + " " +
                   cap(member(p, "arguments"), options.max_value_chars) + "  (" + member(p, "id") + ")\n";
        } else if (type == "tool_call_response") {
          head += " (" + member(p, "id") + ")";
          body += member(p, "response");
        }
      }
    }
    out += head + ":";
    if (body.empty()) {
      out += '\n';
    } else if (body.find('\n') == std::string::npos && body.size() < 80) {
      out += " " + body + '\n';
    } else {
      out += '\n' + indent_block(cap(body, options.max_value_chars), std::string(pad) + "      ");
    }
    out += calls;
  }
  return out;
}

// How many of `chat`'s input messages the model had already seen: the previous model call's
// input and its reply, in this iteration or the run's previous one (0 when there is none, or
// its messages were not recorded as JSON).
std::size_t seen_before(const AgentRunView& run, const IterationView& it, const ChatView& chat) {
  const ChatView* previous = nullptr;
  for (const auto& c : it.chats) {
    if (&c == &chat) break;
    previous = &c;
  }
  if (previous == nullptr) {
    for (const auto& other : run.iterations) {
      if (other.number == it.number - 1 && !other.chats.empty()) previous = &other.chats.back();
    }
  }
  if (previous == nullptr) return 0;
  const nlohmann::json messages = parse_recorded(previous->input_messages);
  if (messages.is_discarded() || !messages.is_array()) return 0;
  return messages.size() + 1;  // and the reply, which the loop appended
}

void iteration_full(const TraceView& view, const AgentRunView& run, const IterationView& it, const Style& st,
                    const InspectRenderOptions& options, std::string& out) {
  out += st.bold(run.agent + " · step " + std::to_string(it.number) + " of " + std::to_string(run.iterations.size())) +
         " · " + duration(it.span) + " · tokens " + tokens_text(it.own);
  if (it.total != it.own) out += " (with managed agents " + tokens_text(it.total) + ")";
  out += " · action: " + (it.action.empty() ? std::string("unfinished") : it.action) + '\n';
  out += st.dim("trace " + view.trace_id + (it.span != nullptr ? ", started " + utc_time(it.span->start_unix_ns) : ""));
  if (run.parent_run) {
    out += st.dim(", called by " + view.runs[*run.parent_run].agent + " in its step " + std::to_string(run.parent_step));
  }
  out += '\n';
  if (!it.error.empty()) out += st.red("error: " + it.error) + '\n';

  for (const auto& chat : it.chats) {
    out += "\n" + st.cyan("Model call") + ": chat " + chat.model + (chat.provider.empty() ? "" : " (" + chat.provider + ")") +
           "  " + duration(chat.span) + "  " + tokens_text(chat.tokens);
    if (!chat.finish_reasons.empty()) {
      out += "  finish: ";
      for (std::size_t i = 0; i < chat.finish_reasons.size(); ++i) out += (i ? "," : "") + chat.finish_reasons[i];
    }
    if (chat.attempts > 1) out += "  attempts: " + std::to_string(chat.attempts);
    out += '\n';
    for (const auto& f : chat.failed_attempts) out += "  " + st.yellow("failed " + f) + '\n';
    if (chat.is_error) out += "  " + st.red("error: " + chat.error) + '\n';
    if (!chat.tool_definitions.empty()) {
      out += "  Tools offered:\n";
      out += tool_definitions_text(chat.tool_definitions, options, "    ");
    }
    out += "  Messages given to the model:\n";
    out += messages_text(chat.input_messages, options, "    ", options.only_new_messages ? seen_before(run, it, chat) : 0);
    out += "  Reply:\n";
    if (!chat.output_messages.empty()) {
      out += messages_text(chat.output_messages, options, "    ");
    } else if (!chat.output_text.empty()) {
      out += indent_block(cap(chat.output_text, options.max_value_chars), "    ");
    } else {
      out += "    (none recorded)\n";
    }
  }

  if (it.decision) {
    const auto& d = *it.decision;
    out += "\n" + st.cyan("Decision") + ": " + (d.action.empty() ? std::string("?") : d.action);
    if (!d.tool_calls.empty()) {
      out += " [";
      for (std::size_t i = 0; i < d.tool_calls.size(); ++i) out += (i ? ", " : "") + d.tool_calls[i];
      out += "]";
    }
    out += '\n';
    if (!d.options.empty()) {
      out += "  options offered: ";
      for (std::size_t i = 0; i < d.options.size(); ++i) out += (i ? ", " : "") + d.options[i];
      out += '\n';
    }
    if (!d.error.empty()) out += "  " + st.red("parse error: " + d.error) + '\n';
    if (!d.code_language.empty()) {
      out += "  " + d.code_language + " code, " + std::to_string(d.code_lines) + (d.code_lines == 1 ? " line" : " lines") + '\n';
    }
  }

  if (it.code) {
    const auto& c = *it.code;
    out += "\n" + st.cyan("Code") + " (" + (c.language.empty() ? std::string("?") : c.language) + ")  " +
           (c.is_error ? st.red("error" + (c.error_kind.empty() ? std::string() : ": " + c.error_kind))
                       : (c.span != nullptr && c.span->ended() ? st.green(c.final_answer ? "final answer" : "ok")
                                                               : st.yellow("unfinished"))) +
           "  " + duration(c.span) + "  " + std::to_string(c.calls) + (c.calls == 1 ? " call" : " calls") + '\n';
    out += c.code.empty() ? std::string("    (not recorded)\n") : indent_block(cap(c.code, options.max_value_chars), "    ");
    out += "  Observation (what the model read):\n";
    out += c.output.empty() ? std::string("    (not recorded)\n") : indent_block(cap(c.output, options.max_value_chars), "    ");
    if (!c.error.empty()) out += "  " + st.red("error: " + c.error) + '\n';
  }

  if (!it.tools.empty()) {
    out += "\n" + st.cyan(it.code ? "Calls made by the code" : "Tool calls") + " (" + std::to_string(it.tools.size()) + "):\n";
    for (const auto& t : it.tools) {
      out += "  " + st.bold(t.name) + (t.call_id.empty() ? "" : " (" + t.call_id + ")") + "  " +
             (t.is_error ? st.red("error" + (t.error_kind.empty() ? std::string() : ": " + t.error_kind))
                         : (t.span != nullptr && t.span->ended() ? st.green("ok") : st.yellow("unfinished"))) +
             "  " + duration(t.span) + '\n';
      out += "    arguments: " + cap(t.arguments, options.max_value_chars) + '\n';
      if (t.result.find('\n') == std::string::npos) {
        out += "    result: " + cap(t.result, options.max_value_chars) + '\n';
      } else {
        out += "    result:\n" + indent_block(cap(t.result, options.max_value_chars), "      ");
      }
      for (const auto& m : t.memory) {
        out += "    memory " + m.operation + " (" + m.store + ")" + (m.key.empty() ? "" : " key=" + m.key) +
               (m.query.empty() ? "" : " query=" + one_line(m.query, 60)) +
               (m.hit ? (*m.hit ? " hit" : " miss") : "") +
               (m.result_count ? " results=" + std::to_string(*m.result_count) : "") + "  " + duration(m.span) + '\n';
      }
      for (std::size_t child : t.agent_runs) {
        out += "    child agent:\n";
        std::string nested;
        summary_run(view, child, 3, st, options, nested);
        out += nested;
      }
    }
  }
  if (!it.memory.empty()) {
    out += "\n" + st.cyan("Memory operations") + ":\n";
    for (const auto& m : it.memory) {
      out += "  " + m.operation + " (" + m.store + ")" + (m.key.empty() ? "" : " key=" + m.key) +
             (m.hit ? (*m.hit ? " hit" : " miss") : "") + "  " + duration(m.span) + '\n';
    }
  }
}

std::string_view gap_label(Gap::Kind kind) {
  switch (kind) {
    case Gap::Kind::unended: return "unended";
    case Gap::Kind::parent_cycle: return "parent cycle";
    case Gap::Kind::missing_parent: break;
  }
  return "missing parent";
}

bool agent_matches(const AgentRunView& run, std::string_view agent) {
  return agent.empty() ? !run.parent_run && run.span != nullptr : run.agent == agent;
}


}  // namespace

std::string render_summary(const TraceView& view, const InspectRenderOptions& options) {
  const Style st{options.color};
  std::string out;
  const Totals& t = view.totals;
  out += st.bold("trace " + view.trace_id) + "  " + view.root_name + "  " + status_mark(st, view.status == "incomplete" ? "" : view.status) +
         "  " + (view.start_unix_ns ? utc_time(view.start_unix_ns) : "") + '\n';
  out += "  duration " + tr::format_duration(t.duration_ns) + " · " + counted(t.agent_runs, "agent run") + " · " +
         counted(t.iterations, "iteration") + " · " + counted(t.model_calls, "model call") + " · " +
         counted(t.tool_calls, "tool call") + " · " + counted(t.memory_operations, "memory op") + " · " +
         (t.errors ? st.red(counted(t.errors, "error")) : std::string("0 errors")) + '\n';
  out += "  tokens: own " + tokens_text(t.own) + " · total " + tokens_text(t.total) + '\n';
  out += '\n';
  for (std::size_t i = 0; i < view.runs.size(); ++i) {
    if (view.runs[i].parent_run) continue;  // shown under the step that called it
    summary_run(view, i, 0, st, options, out);
  }
  if (!view.gaps.empty()) {
    out += '\n' + st.yellow("incomplete trace: " + counted(view.gaps.size(), "gap")) + '\n';
    for (const auto& g : view.gaps) out += "  " + st.yellow(std::string(gap_label(g.kind)) + ": ") + g.description + '\n';
  }
  return out;
}

std::optional<std::string> render_iteration(const TraceView& view, int step, std::string_view agent,
                                            const InspectRenderOptions& options) {
  const Style st{options.color};
  std::vector<std::pair<const AgentRunView*, const IterationView*>> found;
  std::size_t runs_of_agent = 0;
  for (const auto& run : view.runs) {
    if (!agent_matches(run, agent)) continue;
    ++runs_of_agent;
    for (const auto& it : run.iterations) {
      if (it.number == step) found.emplace_back(&run, &it);
    }
  }
  if (found.empty()) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (i != 0) out += "\n" + std::string(40, '-') + "\n";
    if (runs_of_agent > 1) out += st.dim("run " + std::to_string(i + 1) + " of " + std::to_string(runs_of_agent) + " of this agent") + '\n';
    iteration_full(view, *found[i].first, *found[i].second, st, options, out);
  }
  return out;
}

std::string render_messages(const TraceView& view, std::string_view agent, int step, const InspectRenderOptions& options) {
  const Style st{options.color};
  std::string out;
  for (const auto& run : view.runs) {
    if (!agent.empty() && run.agent != agent) continue;
    for (const auto& it : run.iterations) {
      if (step != 0 && it.number != step) continue;
      for (const auto& chat : it.chats) {
        out += st.bold(run.agent + " · step " + std::to_string(it.number) + " · chat " + chat.model) + "  " +
               tokens_text(chat.tokens) + '\n';
        out += messages_text(chat.input_messages, options, "  ");
        out += "  " + st.cyan("reply") + ":\n";
        if (!chat.output_messages.empty()) {
          out += messages_text(chat.output_messages, options, "    ");
        } else {
          out += indent_block(cap(chat.output_text, options.max_value_chars), "    ");
        }
        out += '\n';
      }
    }
  }
  if (out.empty()) out = "no model calls matched\n";
  return out;
}


}  // namespace agentrace::inspect
