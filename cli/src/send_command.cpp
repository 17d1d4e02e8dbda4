#include "send_command.hpp"

#include <algorithm>
#include <climits>
#include <exception>
#include <fstream>
#include <memory>
#include <set>

#include "agentrace/formats/jsonl.hpp"
#include "agentrace/formats/otlp_encoding.hpp"
#include "agentrace/net/url.hpp"
#include "agentrace/otlp/otlp_exporter.hpp"
#include "trace_input.hpp"

namespace agentrace::cli {
namespace {

constexpr std::size_t batch_size = 512;

}  // namespace

int run_send(const SendOptions& options, std::FILE* out, std::FILE* err) {
  auto exporter_options = otlp::OtlpExporterOptions::from_env();
  if (!options.endpoint.empty()) exporter_options.endpoint = options.endpoint;
  net::Url url;
  try {
    url = net::parse_url(exporter_options.endpoint);
  } catch (const std::exception& e) {
    std::fprintf(err, "agentrace send: --endpoint: %s\n", e.what());
    return exit_usage;
  }
  if (options.protocol == "http/json") {
    exporter_options.protocol = otlp::Protocol::http_json;
  } else if (options.protocol == "http/protobuf") {
    exporter_options.protocol = otlp::Protocol::http_protobuf;
  } else if (!options.protocol.empty()) {
    std::fprintf(err, "agentrace send: --protocol must be http/protobuf or http/json\n");
    return exit_usage;
  }
  for (const auto& h : options.headers) {
    const auto eq = h.find('=');
    if (eq == std::string::npos || eq == 0) {
      // The value may be a key: name only what comes before any '='.
      std::fprintf(err, "agentrace send: --header must be name=value\n");
      return exit_usage;
    }
    exporter_options.headers.emplace_back(h.substr(0, eq), h.substr(eq + 1));
  }
  if (options.gzip) exporter_options.compression = otlp::Compression::gzip;
  if (options.timeout_ms != 0) exporter_options.timeout = std::chrono::milliseconds{options.timeout_ms};

  auto read = read_trace_file(options.file, "send", err);
  if (!read) return exit_failure;
  formats::JsonlReadResult& result = *read;
  if (report_no_spans(result, options.file, "send", err)) return exit_failure;

  const std::string path = url.target.substr(0, url.target.find('?'));
  std::string header_names;
  for (const auto& [name, value] : exporter_options.headers) header_names += (header_names.empty() ? "" : ", ") + name;
  std::set<std::string> traces;
  for (const auto& s : result.spans) traces.insert(s.trace_id.hex());
  std::fprintf(out, "sending %s of %s to %s%s as %s%s%s%s\n", counted(result.spans.size(), "span", "spans").c_str(),
               counted(traces.size(), "trace", "traces").c_str(), url.origin().c_str(), path.c_str(), std::string(otlp::to_string(exporter_options.protocol)).c_str(),
               options.gzip || exporter_options.compression == otlp::Compression::gzip ? ", gzip" : "",
               header_names.empty() ? "" : ", headers: ", header_names.c_str());

  std::unique_ptr<otlp::OtlpHttpExporter> exporter;
  try {
    exporter = std::make_unique<otlp::OtlpHttpExporter>(exporter_options);
  } catch (const std::exception& e) {
    std::fprintf(err, "agentrace send: %s\n", e.what());
    return exit_usage;
  }
  std::vector<const tracing::SpanData*> batch;
  for (std::size_t i = 0; i < result.spans.size(); i += batch_size) {
    batch.clear();
    for (std::size_t j = i; j < std::min(result.spans.size(), i + batch_size); ++j) batch.push_back(&result.spans[j]);
    exporter->export_spans(batch, exporter_options.timeout);
  }
  exporter->shutdown(std::chrono::milliseconds{1000});
  const auto stats = exporter->stats();
  std::fprintf(out, "exported %llu, rejected %llu, failed %s; %s, %s\n",
               static_cast<unsigned long long>(stats.spans_exported), static_cast<unsigned long long>(stats.spans_rejected),
               counted(stats.spans_failed, "span", "spans").c_str(), counted(stats.requests, "request", "requests").c_str(),
               counted(stats.retries, "retry", "retries").c_str());
  std::fflush(out);
  if (stats.spans_failed != 0 || stats.spans_rejected != 0) {
    if (stats.responses == 0) {  // why is in the exporter's warning above (connect: refused, timeout, ...)
      std::fprintf(err, "agentrace send: the collector at %s could not be reached; no span was delivered\n",
                   url.origin().c_str());
    } else {
      std::fprintf(err, "agentrace send: the collector at %s did not accept every span\n", url.origin().c_str());
    }
    return exit_failure;
  }
  return result.errors.empty() ? exit_ok : exit_failure;
}

void add_send_command(CLI::App& app, CommandRunner& selected) {
  auto options = std::make_shared<SendOptions>();
  auto* command = app.add_subcommand("send", "Push a recorded trace to an OTLP/HTTP collector (Phoenix, Jaeger, a Collector)");
  command->add_option("file", options->file, "The trace: a .jsonl file of agentrace, or an OTLP/JSON file")->required();
  command->add_option("--endpoint", options->endpoint,
                      "The traces URL, used as given (default: $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "
                      "$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces, or http://localhost:4318/v1/traces)");
  command->add_option("--protocol", options->protocol, "http/protobuf (default) or http/json")
      ->check(CLI::IsMember({"http/protobuf", "http/json"}));
  command->add_option("--header", options->headers, "A request header name=value (repeatable); values are never printed");
  command->add_flag("--gzip", options->gzip, "Compress the request body with gzip");
  command->add_option("--timeout", options->timeout_ms, "Milliseconds per batch, retries included (default 10000)")
      ->check(integer_between(1, UINT_MAX, "a number of milliseconds", false));
  command->callback([options, &selected] { selected = [options] { return run_send(*options, stdout, stderr); }; });
}

}  // namespace agentrace::cli
