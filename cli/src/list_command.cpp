#include "list_command.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <memory>

#include "agentrace/agent/inspect.hpp"
#include "agentrace/agent/runner.hpp"
#include "agentrace/tracing/jsonl.hpp"
#include "agentrace/tracing/render.hpp"
#include "terminal.hpp"

namespace agentrace::cli {
namespace {

namespace fs = std::filesystem;

struct ListOptions {
  std::string dir;
  bool json = false;
};

struct Row {
  std::uint64_t start_unix_ns = 0;
  std::string root;
  std::string status;
  std::uint64_t duration_ns = 0;
  std::int64_t tokens_in = 0;
  std::int64_t tokens_out = 0;
  std::size_t spans = 0;
  std::string file;
  std::string problem;  // why the file could not be read fully
};

std::string utc(std::uint64_t ns) {
  if (ns == 0) return "?";
  const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string pad(std::string s, std::size_t width) {
  std::size_t chars = 0;
  for (char c : s) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (chars < width) s.append(width - chars, ' ');
  return s;
}

Row read_row(const fs::path& file) {
  Row row;
  row.file = file.string();
  tracing::JsonlReadResult read;
  try {
    read = tracing::read_jsonl_file(file);
  } catch (const std::exception& e) {
    row.status = "unreadable";
    row.problem = e.what();
    return row;
  }
  if (!read.errors.empty()) row.problem = std::to_string(read.errors.size()) + " malformed line(s)";
  const auto views = agent::inspect::build_trace_views(read.spans);
  row.spans = read.spans.size();
  if (views.empty()) {
    row.status = "empty";
    return row;
  }
  const auto& v = views.front();
  row.start_unix_ns = v.start_unix_ns;
  row.duration_ns = v.totals.duration_ns;
  row.tokens_in = v.totals.total.input;
  row.tokens_out = v.totals.total.output;
  row.root = v.root_name;
  for (const auto& run : v.runs) {
    if (!run.parent_run && run.span != nullptr) {
      row.root = run.agent;
      break;
    }
  }
  row.status = v.status;
  if (!v.complete() && v.status != "incomplete") row.status += " (gaps)";
  if (views.size() > 1) row.problem += (row.problem.empty() ? "" : "; ") + std::to_string(views.size()) + " traces in one file";
  return row;
}

int run_list(const ListOptions& o) {
  const fs::path dir = !o.dir.empty() ? fs::path(o.dir) : agent::DefaultTracing::from_env().trace_dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::fprintf(stderr, "agentrace list: %s is not a directory%s\n", dir.c_str(),
                 o.dir.empty() ? " (no run has written traces here yet; pass a directory)" : "");
    return exit_failure;
  }
  std::vector<Row> rows;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".jsonl") rows.push_back(read_row(entry.path()));
  }
  if (ec) {
    std::fprintf(stderr, "agentrace list: cannot list %s: %s\n", dir.c_str(), ec.message().c_str());
    return exit_failure;
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.start_unix_ns != b.start_unix_ns ? a.start_unix_ns > b.start_unix_ns : a.file < b.file;
  });
  if (o.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : rows) {
      j.push_back({{"start_unix_ns", r.start_unix_ns}, {"root", r.root}, {"status", r.status}, {"duration_ns", r.duration_ns},
                   {"tokens", {{"input", r.tokens_in}, {"output", r.tokens_out}}}, {"spans", r.spans}, {"file", r.file},
                   {"problem", r.problem}});
    }
    write_all(stdout, j.dump(2) + "\n");
    return exit_ok;
  }
  if (rows.empty()) {
    std::printf("no traces in %s\n", dir.c_str());
    return exit_ok;
  }
  std::string out = pad("TIME (UTC)", 20) + pad("ROOT", 16) + pad("STATUS", 20) + pad("DURATION", 10) +
                    pad("TOKENS IN/OUT", 15) + "FILE\n";
  for (const auto& r : rows) {
    out += pad(utc(r.start_unix_ns), 20) + pad(r.root.empty() ? "?" : r.root, 16) + pad(r.status, 20) +
           pad(tracing::format_duration(r.duration_ns), 10) +
           pad(std::to_string(r.tokens_in) + "/" + std::to_string(r.tokens_out), 15) + r.file;
    if (!r.problem.empty()) out += "  (" + r.problem + ")";
    out += "\n";
  }
  out += std::to_string(rows.size()) + (rows.size() == 1 ? " run\n" : " runs\n");
  write_all(stdout, out);
  return exit_ok;
}

}  // namespace

void add_list_command(CLI::App& app, CommandRunner& selected) {
  auto o = std::make_shared<ListOptions>();
  CLI::App* list = app.add_subcommand("list", "List the runs in a traces directory, newest first");
  list->add_option("dir", o->dir, "The traces directory (default: .agentrace/traces, or $AGENTRACE_TRACE_DIR)");
  list->add_flag("--json", o->json, "As JSON, for scripts");
  list->callback([o, &selected] { selected = [o] { return run_list(*o); }; });
}

}  // namespace agentrace::cli
