#include "view_command.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <string_view>
#include <system_error>

#include "agentrace/tracing/jsonl.hpp"
#include "agentrace/tracing/render.hpp"

namespace agentrace::cli {
namespace {

constexpr std::size_t default_width = 100;

bool is_terminal(std::FILE* f) { return f != nullptr && ::isatty(::fileno(f)) == 1; }

std::size_t terminal_width(std::FILE* f) {
  winsize size{};
  if (is_terminal(f) && ::ioctl(::fileno(f), TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) return size.ws_col;
  return default_width;
}

// https://no-color.org: a set, non-empty NO_COLOR turns automatic colour off.
bool auto_color(std::FILE* f) {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  if (no_color != nullptr && *no_color != '\0') return false;
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return is_terminal(f);
}

void write(std::FILE* f, const std::string& text) { std::fwrite(text.data(), 1, text.size(), f); }

}  // namespace

int run_view(const ViewOptions& options, std::FILE* out, std::FILE* err) {
  tracing::JsonlReadResult result;
  try {
    result = tracing::read_jsonl_file(options.file);
  } catch (const std::exception& e) {
    std::fprintf(err, "agentrace view: %s\n", e.what());
    return exit_failure;
  }
  for (const auto& e : result.errors) {
    std::fprintf(err, "%s:%zu: %s\n", options.file.c_str(), e.line, e.message.c_str());
  }

  if (result.spans.empty()) {
    std::fprintf(err, "%s: no spans\n", options.file.c_str());
  } else {
    tracing::RenderOptions render;
    render.width = options.width != 0 ? options.width : terminal_width(out);
    render.color = options.color || (!options.no_color && auto_color(out));
    const bool both = options.tree == options.timeline;
    if (both || options.tree) write(out, tracing::render_tree(result.spans, render));
    if (both) write(out, "\n");
    if (both || options.timeline) write(out, tracing::render_timeline(result.spans, render));
  }
  if (std::fflush(out) != 0) {
    std::fprintf(err, "agentrace view: cannot write the output\n");
    return exit_failure;
  }
  return result.errors.empty() ? exit_ok : exit_failure;
}

void add_view_command(CLI::App& app, CommandRunner& selected) {
  auto options = std::make_shared<ViewOptions>();
  CLI::App* view = app.add_subcommand("view", "Render a JSON Lines trace file as a span tree and a timeline");
  view->add_option("file", options->file, "The .jsonl file (one span per line)")->required();
  view->add_flag("--tree", options->tree, "Only the span tree");
  view->add_flag("--timeline", options->timeline, "Only the timeline");
  view->add_option("--width", options->width, "Line width of the timeline (default: the terminal's, else 100)")
      ->check(CLI::Range(std::size_t{20}, std::size_t{4096}));
  auto* color = view->add_flag("--color", options->color, "Always use ANSI colours");
  auto* no_color = view->add_flag("--no-color", options->no_color, "Never use ANSI colours");
  color->excludes(no_color);
  view->callback([options, &selected] { selected = [options] { return run_view(*options, stdout, stderr); }; });
}

}  // namespace agentrace::cli
