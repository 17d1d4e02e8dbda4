#include "demo_command.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "agentrace/agent/runner.hpp"
#include "agentrace/base/utf8.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/llm/model_string.hpp"
#include "agentrace/otlp/otlp_exporter.hpp"
#include "agentrace/schema/render_hints.hpp"
#include "agentrace/tracing/propagation.hpp"
#include "agentrace/tracing/render.hpp"
#include "demo_agents.hpp"
#include "terminal.hpp"
#include "writable.hpp"

namespace agentrace::cli {
namespace {

namespace fs = std::filesystem;

struct DemoOptions {
  std::string task{demo_question};
  std::string trace_dir;
  std::string data_dir;
  std::string content = "full";
  std::string model;
  std::string base_url;
  std::string traceparent;
  double model_timeout = 0;  // seconds; 0: the HTTP clients' defaults
  bool no_color = false;
  bool color = false;
  bool quiet = false;
  bool code = false;  // the manager acts by writing Lua
};

std::string one_line(const std::string& text, std::size_t max) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > max) {
    line = line.substr(0, base::utf8_prefix_length(line, max)) + "…";
  } else if (line.size() < text.size()) {
    line += " …";
  }
  return line;
}

// The live step log: one line per thought, tool call, tool result and finished step, managed
// agents indented under their manager. Hooks run on the run's strand, one at a time.
class StepLog {
 public:
  // `stream`: the model hands over its text as it arrives (a real model); the top-level agent's
  // replies are then printed as they come instead of as one line per reply.
  StepLog(const agent::Agent& root, bool color, bool stream) : color_(color), stream_(stream) {
    depth_of(root, 0);
    auto sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>(color ? spdlog::color_mode::always
                                                                            : spdlog::color_mode::never);
    logger_ = std::make_shared<spdlog::logger>("agentrace.demo", sink);
    logger_->set_pattern("%^%H:%M:%S.%e%$ %v");
    logger_->set_level(spdlog::level::info);
  }

  agent::Hooks hooks() {
    agent::Hooks h;
    // A streaming model: the top-level agent's text as it arrives (on the model client's thread,
    // while the rest of the run waits for the reply, so nothing else prints meanwhile).
    if (stream_) {
      h.on_llm_text = [this](const agent::Agent& a, int step, std::string_view text) {
        if (depth(a.name) != 0) return;
        std::lock_guard lock(stream_mutex_);
        if (streamed_step_ != step) {
          streamed_step_ = step;
          logger_->flush();
          std::string head = paint("1;35", a.name) + " #" + std::to_string(step) + "  " + paint("1", "streaming: ");
          write_all(stdout, clock_time() + " " + head);  // aligned with the logged lines
        }
        write_all(stdout, std::string(text));
        std::fflush(stdout);
      };
    }
    h.on_step_start = [this](const agent::StepInfo& s) {
      steps_[s.agent->name] = s.step;
      return agent::HookAction::proceed();
    };
    h.on_llm_end = [this](const agent::Agent& a, const llm::ChatResponse& r) {
      // A code agent's reply is its program, not an answer: final_answer in the program ends the run.
      const bool final = r.message.tool_calls.empty() && a.actions != agent::Actions::code;
      if (depth(a.name) == 0) {
        std::lock_guard lock(stream_mutex_);
        if (streamed_step_ == steps_[a.name]) {  // already shown as it arrived
          write_all(stdout, "\n");
          std::fflush(stdout);
          return agent::HookAction::proceed();
        }
      }
      if (!r.message.content.empty()) {
        log(a.name, final ? paint("1", "answer: ") + one_line(r.message.content, 110)
                          : paint("2", "thought: " + one_line(r.message.content, 110)));
      }
      return agent::HookAction::proceed();
    };
    h.on_tool_start = [this](const agent::ToolCallInfo& t) {
      started_[t.call->id] = std::chrono::steady_clock::now();
      log(t.agent->name, paint("36", "→ " + t.call->name) + " " + one_line(t.call->arguments.dump(), 100));
      return agent::HookAction::proceed();
    };
    h.on_tool_end = [this](const agent::ToolCallInfo& t) {
      std::string took;
      if (auto it = started_.find(t.call->id); it != started_.end()) {
        took = " (" + tracing::format_duration(static_cast<std::uint64_t>(
                          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - it->second).count())) + ")";
        started_.erase(it);
      }
      const std::string text = t.result->to_text();
      log(t.agent->name, (t.result->is_error ? paint("31", "✗ " + t.call->name + ": ") : paint("32", "← " + t.call->name + ": ")) +
                             one_line(text, 100) + took);
      return agent::HookAction::proceed();
    };
    h.on_step_end = [this](const agent::StepInfo& s) {
      const auto* r = s.result;
      const std::uint64_t ns = r->end_unix_ns > r->start_unix_ns ? r->end_unix_ns - r->start_unix_ns : 0;
      std::string line = "step " + std::to_string(s.step) + " done in " + tracing::format_duration(ns) + ", " +
                         std::to_string(r->usage.input_tokens) + " in / " + std::to_string(r->usage.output_tokens) + " out tokens";
      if (r->error) line += ", " + paint("31", "error: " + one_line(*r->error, 80));
      log(s.agent->name, paint("2", line));
      return agent::HookAction::proceed();
    };
    return h;
  }

 private:
  void depth_of(const agent::Agent& a, int depth) {
    depths_[a.name] = depth;
    for (const auto& m : a.managed_agents) depth_of(m, depth + 1);
  }
  std::string paint(const char* code, const std::string& text) const {
    return color_ ? "\x1b[" + std::string(code) + "m" + text + "\x1b[0m" : text;
  }
  int depth(const std::string& agent) const {
    auto it = depths_.find(agent);
    return it == depths_.end() ? 0 : it->second;
  }
  void log(const std::string& agent, const std::string& text) {
    const int depth = this->depth(agent);
    static const char* const colors[] = {"1;35", "1;34", "1;33"};
    std::string head = std::string(static_cast<std::size_t>(depth) * 4, ' ') +
                       paint(colors[depth % 3], agent) + " #" + std::to_string(steps_[agent]);
    logger_->info("{}  {}", head, text);
  }

  // The local time as the logger's pattern prints it (%H:%M:%S.%e).
  static std::string clock_time() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    localtime_r(&secs, &tm);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
  }

  bool color_;
  bool stream_;
  std::shared_ptr<spdlog::logger> logger_;
  std::map<std::string, int> depths_;
  std::map<std::string, int> steps_;
  std::map<std::string, std::chrono::steady_clock::time_point> started_;
  std::mutex stream_mutex_;
  int streamed_step_ = 0;  // the top-level agent's step whose text has been streamed
};

// The model the demo runs on: its scripted one, or the model string of --model (--base-url
// turning openai:X / anthropic:X into the -compatible form at that URL), streaming.
struct DemoModels {
  std::map<std::string, std::shared_ptr<llm::LlmClient>> by_agent;
  std::string description;
};

DemoModels demo_models(const DemoOptions& o, const DemoFiles& files) {
  if (o.model.empty()) {
    return {load_demo_script(files.script()),
            "offline: the model is scripted (" + files.script().string() +
                "); search, file reading, the calculator and the SQLite memory really run"};
  }
  std::string model = o.model;
  if (!o.base_url.empty()) {
    const llm::ModelSpec spec = llm::parse_model_string(model);
    if (spec.kind != "openai" && spec.kind != "anthropic") {
      throw std::invalid_argument("--base-url goes with openai:<model> or anthropic:<model>, not " + spec.kind + ":");
    }
    model = spec.kind + "-compatible:" + o.base_url + "#" + spec.model;
  }
  llm::ModelClientOptions client_options;
  client_options.stream = true;
  if (o.model_timeout > 0) {
    // One limit for one attempt of a model call: its whole length, and so also the wait for the
    // first byte and between pieces of the reply.
    const auto limit = std::chrono::milliseconds(static_cast<std::int64_t>(o.model_timeout * 1000.0 + 0.5));
    client_options.http.timeouts.first_byte = limit;
    client_options.http.timeouts.body_idle = limit;
    client_options.http.timeouts.total = limit;
  }
  std::shared_ptr<llm::LlmClient> client = llm::make_llm_client(model, client_options);
  std::string where;
  if (auto server = client->server()) where = " at " + server->address + ":" + std::to_string(server->port);
  DemoModels out;
  for (const char* name : {"manager", "code_manager", "researcher", "analyst"}) out.by_agent[name] = client;
  out.description = "model " + client->default_model() + " (" + client->provider() + where +
                    "), streamed; search, file reading, the calculator and the SQLite memory really run";
  return out;
}

int run_demo(const DemoOptions& o) {
  if (!o.base_url.empty() && o.model.empty()) {
    std::fprintf(stderr, "agentrace demo: --base-url needs --model (e.g. --model openai:qwen2.5-7b --base-url %s)\n",
                 o.base_url.c_str());
    return exit_usage;
  }
  if (o.model_timeout > 0 && o.model.empty()) {
    std::fprintf(stderr, "agentrace demo: --model-timeout needs --model (the offline script calls no server)\n");
    return exit_usage;
  }
  agent::RunConfig config;
  if (!o.traceparent.empty()) {  // checked before anything is printed or created
    auto parent = tracing::parse_traceparent(o.traceparent);
    if (!parent) {
      std::fprintf(stderr, "agentrace demo: --traceparent '%s' is not a valid W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)\n",
                   o.traceparent.c_str());
      return exit_usage;
    }
    config.parent = *parent;
  }
  const bool color = use_color(stdout, o.color, o.no_color);
  DemoFiles files;
  try {
    files = DemoFiles::locate(o.data_dir);
  } catch (const std::exception& e) {  // a --data-dir without the demo's files, or none found
    std::fprintf(stderr, "agentrace demo: %s\n", e.what());
    return exit_failure;
  }
  const fs::path trace_dir = !o.trace_dir.empty() ? fs::path(o.trace_dir) : agent::DefaultTracing::from_env().trace_dir;
  std::error_code ec;
  fs::create_directories(trace_dir, ec);
  if (ec) {
    std::fprintf(stderr, "agentrace demo: cannot create the trace directory %s: %s\n", trace_dir.c_str(), ec.message().c_str());
    return exit_failure;
  }

  DemoModels models;
  try {
    models = demo_models(o, files);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "agentrace demo: %s\n", e.what());
    return exit_usage;
  } catch (const llm::LlmError& e) {  // a missing API key, before any request
    std::fprintf(stderr, "agentrace demo: %s\n", e.what());
    return exit_failure;
  }
  // The researcher's memory lives beside the traces; a directory that cannot be written is said
  // to be just that (not an SQLite error about a file in it), and the run goes on with its
  // memory in a scratch directory.
  std::unique_ptr<ScratchDir> scratch;
  fs::path memory_dir = trace_dir;
  const std::error_code denied = write_probe(trace_dir);
  if (denied) {
    std::fprintf(stderr,
                 "agentrace demo: warning: the trace directory %s cannot be written (%s): the run goes on, but "
                 "keeps no trace or cassette there; give --trace-dir a directory you can write\n",
                 trace_dir.c_str(), denied.message().c_str());
    try {
      scratch = std::make_unique<ScratchDir>("demo");
      memory_dir = scratch->path();
    } catch (const std::system_error& e) {
      std::fprintf(stderr, "agentrace demo: %s\n", e.what());
      return exit_failure;
    }
  }
  std::shared_ptr<memory::SqliteStore> store;
  try {
    store = std::make_shared<memory::SqliteStore>(memory_dir / "demo-memory.sqlite");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentrace demo: the agents' memory cannot be opened: %s\n", e.what());
    return exit_failure;
  }
  const agent::Agent manager = make_demo_agents(files, std::move(models.by_agent), store,
                                                o.code ? agent::Actions::code : agent::Actions::tool_calls);

  std::printf("agentrace demo · %s\n", models.description.c_str());
  if (o.task != demo_question && o.model.empty()) {
    std::printf("note: the offline script follows its plan for the demo question whatever the task; a real model "
                "(--model) would answer yours\n");
  }
  std::printf("task: %s\n\n", o.task.c_str());
  std::fflush(stdout);

  // Backends group traces by service: name the demo's unless the user did (OTEL_SERVICE_NAME, or
  // service.name in OTEL_RESOURCE_ATTRIBUTES, still win).
  const char* resource = std::getenv("OTEL_RESOURCE_ATTRIBUTES");
  if (resource == nullptr || std::string_view(resource).find("service.name") == std::string_view::npos) {
    ::setenv("OTEL_SERVICE_NAME", "agentrace-demo", 0);
  }
  agent::RunnerOptions options;
  options.default_tracing.enabled = true;
  options.default_tracing.trace_dir = trace_dir;
  options.default_tracing.also_export = otlp::collector_exporter_from_env;  // OTEL_*: a collector too
  options.log_trace_location = false;
  options.cassettes.enabled = true;
  options.content.mode = o.content == "off" ? agent::ContentCapture::off
                         : o.content == "truncated" ? agent::ContentCapture::truncated
                                                     : agent::ContentCapture::full;
  if (options.content.mode == agent::ContentCapture::off) options.cassettes.enabled = false;
  // Said once above: a cassette that cannot be written is not attempted (the trace still goes to
  // a collector when OTEL_* names one; its file's failure is counted and logged by the exporter).
  if (denied) options.cassettes.enabled = false;
  std::unique_ptr<StepLog> log;
  if (!o.quiet) {
    log = std::make_unique<StepLog>(manager, color, /*stream=*/!o.model.empty());
    config.hooks = log->hooks();
  }

  agent::Runner runner(std::move(options));
  // Ctrl-C or SIGTERM mid-run: the spans that have ended (a managed agent's whole run, say) are
  // written before the process exits.
  tracing::FlushOnSignals::Registration flush_on_signal;
  if (auto* signals = stop_signals()) {
    flush_on_signal = signals->add([&runner](std::chrono::milliseconds timeout) { return runner.flush(timeout); });
  }
  const agent::RunResult result = runner.run(manager, o.task, std::move(config));  // the trace file is complete

  std::string out = "\n";
  out += color ? "\x1b[1mFinal answer\x1b[0m" : "Final answer";
  out += " (" + std::string(agent::to_string(result.status)) + ", " + std::to_string(result.steps) + " steps, " +
         tracing::format_duration(static_cast<std::uint64_t>(result.duration.count())) + ", " +
         std::to_string(result.total_usage.input_tokens) + " in / " + std::to_string(result.total_usage.output_tokens) +
         " out tokens in total):\n";
  out += result.output + "\n";
  if (!result.ok()) out += "error: " + result.error + "\n";

  const fs::path trace_file = !result.trace_file.empty() ? result.trace_file : trace_dir / (result.trace_id + ".jsonl");
  // A run the sampler dropped (OTEL_TRACES_SAMPLER) has a trace id but no file; with
  // OTEL_SDK_DISABLED it has neither. A file that could not be written (a full disk) is not
  // claimed: the demo says what is missing and why, and neither reads nor names it for view.
  const bool write_failed = !result.trace_error.empty();
  const bool file_exists = !result.trace_id.empty() && fs::is_regular_file(trace_file, ec);
  const bool traced = file_exists && !write_failed;
  if (!o.quiet && traced) {
    tracing::RenderOptions render = schema::render_options();
    render.color = color;
    render.width = terminal_width(stdout);
    try {
      const auto read = formats::read_jsonl_file(trace_file);
      out += "\nSpan tree:\n" + tracing::render_tree(read.spans, render);
      out += "\nTimeline:\n" + tracing::render_timeline(read.spans, render);
    } catch (const std::exception& e) {  // a trace file beyond the readers' caps
      out += "\n(the trace cannot be shown: " + std::string(e.what()) + ")\n";
    }
  }
  if (traced) {
    out += "\ntrace:    " + trace_file.string() + "\n";
  } else if (denied && !result.trace_id.empty()) {
    out += "\ntrace:    not recorded: " + trace_dir.string() + " cannot be written (" + denied.message() + ")\n";
  } else if (write_failed) {
    out += (file_exists ? "\ntrace:    incomplete: " + trace_file.string() + " lacks spans that could not be written: "
                        : "\ntrace:    not written: ") +
           result.trace_error + "\n";
  } else {
    out += result.trace_id.empty() ? "\ntrace:    not recorded: tracing is disabled (OTEL_SDK_DISABLED)\n"
                                   : "\ntrace:    not recorded: the sampler dropped this run (OTEL_TRACES_SAMPLER)\n";
  }
  if (!result.cassette.empty()) out += "cassette: " + result.cassette.string() + "\n";
  if (traced) {
    const char* step = o.code ? " --step 1 --agent manager\n" : " --step 2 --agent researcher\n";
    out += "inspect:  agentrace view " + trace_file.string() + (o.model.empty() ? step : "\n");
  }
  if (!result.cassette.empty()) {
    out += "replay:   agentrace replay " + (traced ? trace_file : result.cassette).string() + "\n";
  }
  write_all(stdout, out);
  std::fflush(stdout);
  // Spans bound for a collector (OTEL_TRACES_EXPORTER) go after the answer is on the screen: one
  // that is down or slow delays the exit by at most this flush's 5 s, and says so in a warning.
  runner.flush();
  return result.ok() ? exit_ok : exit_failure;
}

}  // namespace

void add_demo_command(CLI::App& app, CommandRunner& selected) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* demo = app.add_subcommand("demo", "Run the multi-agent demo (offline: a scripted model, real tools), "
                                              "then print the answer, the span tree and the timeline");
  demo->add_option("--task", o->task, "The question (default: the GDP doubling question)");
  demo->add_option("--trace-dir", o->trace_dir, "Where the trace and its cassette go (default: .agentrace/traces, or $AGENTRACE_TRACE_DIR)");
  demo->add_option("--content", o->content, "What the trace records of messages and tool data (default: full)")
      ->check(CLI::IsMember({"full", "truncated", "off"}));
  demo->add_option("--data-dir", o->data_dir, "The directory holding data/ and demo_script.json (default: found automatically)");
  demo->add_option("--model", o->model,
                   "A real model, streamed: openai:<model>, anthropic:<model>, openai-compatible:<url>#<model> or "
                   "anthropic-compatible:<url>#<model> (keys from OPENAI_API_KEY / ANTHROPIC_API_KEY)");
  demo->add_option("--base-url", o->base_url, "With --model openai:<model> or anthropic:<model>: the server's base URL");
  demo->add_option("--traceparent", o->traceparent, "Continue this W3C trace context (the run becomes its child)");
  demo->add_option("--model-timeout", o->model_timeout,
                   "With --model: the longest one attempt of a model call may take, in seconds (default: 60 s for the "
                   "first byte and between pieces, 300 s in all; up to 3 attempts, each retry logged)")
      ->check(CLI::Range(0.001, 86400.0));
  auto* color = demo->add_flag("--color", o->color, "Always use ANSI colours");
  auto* no_color = demo->add_flag("--no-color", o->no_color, "Never use ANSI colours");
  color->excludes(no_color);
  demo->add_flag("--code", o->code,
                 "The manager acts by writing Lua (a code agent): it calls the researcher as a function and computes "
                 "the answer in a sandboxed interpreter; every call its code makes is traced");
  demo->add_flag("--quiet", o->quiet, "Only the final answer and where the trace is: no step log, tree or timeline");
  demo->callback([o, &selected] { selected = [o] { return run_demo(*o); }; });
}

}  // namespace agentrace::cli
