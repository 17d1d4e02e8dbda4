#include "export_command.hpp"

#include <unistd.h>

#include <exception>
#include <fstream>
#include <memory>
#include <vector>

#include "agentrace/formats/chrome_trace.hpp"
#include "agentrace/formats/file_exporters.hpp"
#include "agentrace/formats/jaeger.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/formats/otlp_encoding.hpp"
#include "trace_input.hpp"

namespace agentrace::cli {
namespace {

bool is_terminal(std::FILE* f) { return f != nullptr && ::isatty(::fileno(f)) == 1; }

// The first bytes of the file, enough to tell OTLP/JSON from JSON Lines; empty when unreadable
// (the reader that follows reports why).
std::string encode(const std::string& format, const std::vector<tracing::SpanData>& spans) {
  std::vector<const tracing::SpanData*> batch;
  batch.reserve(spans.size());
  for (const auto& s : spans) batch.push_back(&s);
  std::string data;
  if (format == "otlp-proto") {
    formats::append_otlp_protobuf(batch, data);
    return data;  // binary: no newline
  }
  if (format == "otlp-json") {
    formats::append_otlp_json(batch, data);
  } else if (format == "jaeger") {
    formats::append_jaeger_json(batch, data);
  } else {
    formats::append_chrome_trace_json(batch, data);
  }
  data += '\n';
  return data;
}

}  // namespace

int run_export(const ExportOptions& options, std::FILE* out, std::FILE* err) {
  if (options.format == "otlp-proto" && options.output.empty() && is_terminal(out)) {
    std::fprintf(err, "agentrace export: otlp-proto is binary and stdout is a terminal; give -o FILE or redirect it\n");
    return exit_usage;
  }
  auto read = read_trace_file(options.file, "export", err);
  if (!read) return exit_failure;
  formats::JsonlReadResult& result = *read;
  if (report_no_spans(result, options.file, "export", err)) return exit_failure;  // nothing written

  const std::string data = encode(options.format, result.spans);
  if (!options.output.empty()) {
    std::string error;
    if (!formats::write_file_atomically(options.output, data, &error)) {
      std::fprintf(err, "agentrace export: %s\n", error.c_str());
      return exit_failure;
    }
  } else if (std::fwrite(data.data(), 1, data.size(), out) != data.size() || std::fflush(out) != 0) {
    std::fprintf(err, "agentrace export: cannot write the output\n");
    return exit_failure;
  }
  return result.errors.empty() ? exit_ok : exit_failure;
}

void add_export_command(CLI::App& app, CommandRunner& selected) {
  auto options = std::make_shared<ExportOptions>();
  CLI::App* command = app.add_subcommand(
      "export", "Convert a trace file (JSON Lines or OTLP/JSON) to OTLP/JSON, OTLP protobuf, Jaeger or Perfetto");
  command->add_option("file", options->file, "The trace: a .jsonl file of agentrace, or an OTLP/JSON file")
      ->required();
  command
      ->add_option("-f,--format", options->format,
                   "otlp-json (one ExportTraceServiceRequest), otlp-proto (the same as protobuf bytes), "
                   "jaeger (Jaeger UI JSON), perfetto (Chrome trace JSON for Perfetto and speedscope)")
      ->required()
      ->check(CLI::IsMember({"otlp-json", "otlp-proto", "jaeger", "perfetto"}));
  command->add_option("-o,--output", options->output,
                      "Write here (atomically) instead of stdout; otlp-proto needs it when stdout is a terminal");
  command->callback([options, &selected] { selected = [options] { return run_export(*options, stdout, stderr); }; });
}

}  // namespace agentrace::cli
