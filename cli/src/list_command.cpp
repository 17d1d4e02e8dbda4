#include "list_command.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agentrace/inspect/model.hpp"
#include "agentrace/agent/runner.hpp"
#include "agentrace/formats/jsonl.hpp"
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
  std::size_t spans = 0;  // 0: not a run (the file could not be read, or holds no span)
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

// Characters, not bytes: agent names may be UTF-8.
std::size_t chars(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string pad(std::string s, std::size_t width) {
  const std::size_t n = chars(s);
  if (n < width) s.append(width - n, ' ');
  return s;
}

Row read_row(const fs::path& file) {
  Row row;
  row.file = file.string();
  formats::JsonlReadResult read;
  try {
    read = formats::read_jsonl_file(file);
  } catch (const std::exception& e) {
    row.status = "unreadable";
    row.problem = e.what();
    return row;
  }
  if (!read.errors.empty()) row.problem = counted(read.errors.size(), "malformed line", "malformed lines");
  std::vector<inspect::TraceView> views;
  try {
    views = inspect::build_trace_views(read.spans);
  } catch (const std::exception& e) {  // one bad file must not cost the listing of the others
    row.status = "unreadable";
    row.problem = e.what();
    return row;
  }
  row.spans = read.spans.size();
  if (read.spans.empty() || views.empty()) {
    // Not a run: listed apart, after the runs.
    row.spans = 0;
    row.status = "unreadable";
    row.problem = read.errors.empty() ? "no spans" : "no spans, " + row.problem;
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
  if (views.size() > 1) row.problem += (row.problem.empty() ? "" : "; ") + counted(views.size(), "trace", "traces") + " in one file";
  return row;
}

int run_list(const ListOptions& o) {
  const fs::path dir = !o.dir.empty() ? fs::path(o.dir) : agent::DefaultTracing::from_env().trace_dir;
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  const char* hint = o.dir.empty() ? " (no run has written traces here yet; pass a directory)" : "";
  if (status.type() == fs::file_type::not_found) {
    std::fprintf(stderr, "agentrace list: %s does not exist%s\n", dir.c_str(), hint);
    return exit_failure;
  }
  if (ec) {
    std::fprintf(stderr, "agentrace list: cannot access %s: %s\n", dir.c_str(), ec.message().c_str());
    return exit_failure;
  }
  if (status.type() != fs::file_type::directory) {
    std::fprintf(stderr, "agentrace list: %s is not a directory%s\n", dir.c_str(), hint);
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
    // Every .jsonl file; those that are not runs have "status": "unreadable", "spans": 0 and the
    // reason in "problem".
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

  // Runs in a table, each column as wide as its widest cell plus two spaces; then the files that
  // are not runs (unreadable, or without a single span), counted apart with the reason.
  std::vector<std::vector<std::string>> table{{"TIME (UTC)", "ROOT", "STATUS", "DURATION", "TOKENS IN/OUT", "FILE"}};
  std::vector<const Row*> unreadable;
  for (const auto& r : rows) {
    if (r.spans == 0) {
      unreadable.push_back(&r);
      continue;
    }
    table.push_back({utc(r.start_unix_ns), r.root.empty() ? "?" : r.root, r.status, tracing::format_duration(r.duration_ns),
                     std::to_string(r.tokens_in) + "/" + std::to_string(r.tokens_out),
                     r.file + (r.problem.empty() ? "" : "  (" + r.problem + ")")});
  }
  std::string out;
  const std::size_t runs = table.size() - 1;
  if (runs == 0) {
    out += "no runs in " + dir.string() + "\n";
  } else {
    std::vector<std::size_t> widths(table.front().size(), 0);
    for (const auto& line : table) {
      for (std::size_t c = 0; c < line.size(); ++c) widths[c] = std::max(widths[c], chars(line[c]));
    }
    for (const auto& line : table) {
      for (std::size_t c = 0; c + 1 < line.size(); ++c) out += pad(line[c], widths[c] + 2);
      out += line.back() + "\n";
    }
    out += counted(runs, "run", "runs") + "\n";
  }
  if (!unreadable.empty()) {
    out += counted(unreadable.size(), "file", "files") + " could not be read:\n";
    for (const Row* r : unreadable) out += "  " + r->file + ": " + r->problem + "\n";
  }
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
