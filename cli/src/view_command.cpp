#include "view_command.hpp"

#include <climits>
#include <exception>
#include <memory>

#include "agentrace/formats/jsonl.hpp"
#include "agentrace/inspect/json.hpp"
#include "agentrace/inspect/model.hpp"
#include "agentrace/inspect/text.hpp"
#include "agentrace/schema/render_hints.hpp"
#include "agentrace/tracing/render.hpp"
#include "terminal.hpp"
#include "trace_input.hpp"

namespace agentrace::cli {


int run_view(const ViewOptions& options, std::FILE* out, std::FILE* err) {
  auto read = read_trace_file(options.file, "view", err);
  if (!read) return exit_failure;
  const formats::JsonlReadResult& result = *read;
  // An input without spans is an error (exit 1); --json still prints its (empty) view and errors.
  const bool no_spans = report_no_spans(result, options.file, "view", err);
  if (no_spans && !options.json) return exit_failure;
  int status = result.errors.empty() && !no_spans ? exit_ok : exit_failure;

  const auto views = inspect::build_trace_views(result.spans);
  inspect::InspectRenderOptions inspect_options;
  inspect_options.color = use_color(out, options.color, options.no_color);
  inspect_options.width = options.width != 0 ? options.width : terminal_width(out);
  tracing::RenderOptions render = schema::render_options();  // what an agent trace has to say first
  inspect_options.only_new_messages = options.only_new;
  render.width = inspect_options.width;
  // Tree lines fit the terminal, or the width asked for; into a pipe they stay whole.
  render.fit_tree_to_width = options.width != 0 || is_terminal(out);
  render.color = inspect_options.color;

  std::string text;
  if (options.json) {
    nlohmann::json j = {{"file", options.file}, {"traces", nlohmann::json::array()}, {"errors", nlohmann::json::array()}};
    for (const auto& v : views) j["traces"].push_back(inspect::to_json(v));
    for (const auto& e : result.errors) j["errors"].push_back({{"line", e.line}, {"message", e.message}});
    text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else if (options.step != 0 && !options.messages) {
    bool found = false;
    for (const auto& v : views) {
      if (auto s = inspect::render_iteration(v, options.step, options.agent, inspect_options)) {
        if (found) text += "\n";
        text += *s;
        found = true;
      }
    }
    if (!found) {
      std::string agents;
      for (const auto& v : views) {
        for (const auto& r : v.runs) {
          if (agents.find(" " + r.agent + " (") != std::string::npos) continue;
          agents += " " + r.agent + " (" + std::to_string(r.iterations.size()) +
                    (r.iterations.size() == 1 ? " step)" : " steps)");
        }
      }
      std::fprintf(err, "agentrace view: no step %d%s in %s; agents:%s\n", options.step,
                   options.agent.empty() ? " of the top-level agent" : (" of agent '" + options.agent + "'").c_str(),
                   options.file.c_str(), agents.empty() ? " none" : agents.c_str());
      status = exit_failure;
    }
  } else if (options.messages) {
    for (const auto& v : views) text += inspect::render_messages(v, options.agent, options.step, inspect_options);
  } else if (options.tree || options.timeline) {
    if (options.tree) text += tracing::render_tree(result.spans, render);
    if (options.tree && options.timeline) text += "\n";
    if (options.timeline) text += tracing::render_timeline(result.spans, render);
  } else {
    bool agents = false;
    for (const auto& v : views) agents = agents || !v.runs.empty();
    if (agents) {
      for (std::size_t i = 0; i < views.size(); ++i) {
        if (i != 0) text += "\n";
        text += inspect::render_summary(views[i], inspect_options);
      }
      text += "\n(more: --step N [--agent NAME] for one iteration in full, --messages, --tree, --timeline, --json)\n";
    } else {
      text += tracing::render_tree(result.spans, render) + "\n" + tracing::render_timeline(result.spans, render);
    }
  }
  if (!write_all(out, text) || std::fflush(out) != 0) {
    std::fprintf(err, "agentrace view: cannot write the output\n");
    return exit_failure;
  }
  return status;
}

void add_view_command(CLI::App& app, CommandRunner& selected) {
  auto options = std::make_shared<ViewOptions>();
  CLI::App* view = app.add_subcommand("view", "Show a trace file: each agent's iterations, one iteration in full, "
                                              "the messages, the span tree or the timeline");
  view->add_option("file", options->file, "The trace: a .jsonl file of agentrace, or an OTLP/JSON file")->required();
  auto* step = view->add_option("--step", options->step, "Show iteration N in full (N >= 1)")
                   ->check(integer_between(1, INT_MAX, "a step number", false));
  auto* only_new = view->add_flag("--new", options->only_new,
                                  "With --step: only the messages the model had not seen in its previous call");
  auto* agent = view->add_option("--agent", options->agent, "With --step or --messages: the agent (default: the top-level one)");
  auto* messages = view->add_flag("--messages", options->messages, "Every model call's messages and reply");
  auto* tree = view->add_flag("--tree", options->tree, "The span tree");
  auto* timeline = view->add_flag("--timeline", options->timeline, "The timeline");
  auto* json = view->add_flag("--json", options->json, "The per-iteration view as JSON");
  view->add_option("--width", options->width, "Line width (default: the terminal's, else 100)")
      ->check(integer_between(20, 4096, "a width"));
  auto* color = view->add_flag("--color", options->color, "Always use ANSI colours");
  auto* no_color = view->add_flag("--no-color", options->no_color, "Never use ANSI colours");
  color->excludes(no_color);
  json->excludes(tree)->excludes(timeline)->excludes(messages)->excludes(step);
  step->excludes(tree)->excludes(timeline);
  messages->excludes(tree)->excludes(timeline);
  view->callback([options, &selected, agent, step, messages, only_new] {
    if (agent->count() > 0 && step->count() == 0 && messages->count() == 0) {
      throw CLI::ValidationError("--agent", "needs --step N or --messages");
    }
    if (only_new->count() > 0 && step->count() == 0) throw CLI::ValidationError("--new", "needs --step N");
    selected = [options] { return run_view(*options, stdout, stderr); };
  });
}

}  // namespace agentrace::cli
