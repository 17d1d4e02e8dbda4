// The OTLP/HTTP span exporter: ExportTraceServiceRequest as protobuf (application/x-protobuf, the
// default) or OTLP/JSON (application/json), optionally gzip-compressed, POSTed to a collector's
// traces endpoint (Arize Phoenix, Jaeger, an OpenTelemetry Collector...). Docs: docs/tracing.md.
//
// Delivery follows the OTLP specification: 429, 502, 503, 504 and transport failures (refused or
// dropped connections, timeouts) are retried with exponential backoff and jitter, honouring
// Retry-After (delta seconds or an HTTP date); any other status is final. A 200 carrying a
// partial_success is success: its rejected spans are counted and its message logged once. Every
// export_spans call, retries and waits included, returns within min(options.timeout, timeout).
//
// Header values (API keys) never appear in logs or errors; only header names are logged.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agentrace/net/http_client.hpp"
#include "agentrace/tracing/exporter.hpp"
#include "agentrace/tracing/render.hpp"

namespace agentrace::otlp {

enum class Protocol : std::uint8_t { http_protobuf, http_json };
enum class Compression : std::uint8_t { none, gzip };

// "http/protobuf", "http/json"; "gzip", "none".
std::string_view to_string(Protocol protocol) noexcept;
std::string_view to_string(Compression compression) noexcept;
// The exact Content-Type for the protocol.
std::string_view content_type(Protocol protocol) noexcept;

inline constexpr std::string_view default_traces_endpoint = "http://localhost:4318/v1/traces";

struct OtlpExporterOptions {
  std::string endpoint{default_traces_endpoint};  // the full traces URL, used as given
  Protocol protocol = Protocol::http_protobuf;
  std::vector<std::pair<std::string, std::string>> headers{};  // sent with every request
  std::chrono::milliseconds timeout{10'000};  // per export_spans call, retries included
  Compression compression = Compression::none;

  // Retries: the n-th wait is min(initial_backoff * multiplier^(n-1), max_backoff), scaled by a
  // random factor in [1 - jitter, 1 + jitter]; a Retry-After replaces it. A wait that would end
  // past the export's deadline is not started: the batch fails at once.
  std::chrono::milliseconds initial_backoff{1'000};
  std::chrono::milliseconds max_backoff{5'000};
  double backoff_multiplier = 1.5;
  double jitter = 0.2;
  unsigned max_attempts = 6;  // the first request included

  // TLS and connection settings (ca_file for a private collector's CA, ...).
  net::ClientOptions client{};

  // OTEL_EXPORTER_OTLP_[TRACES_]{ENDPOINT,PROTOCOL,HEADERS,TIMEOUT,COMPRESSION,CERTIFICATE}: the
  // TRACES_ variant wins; ENDPOINT gets /v1/traces appended, TRACES_ENDPOINT is used as given.
  // Empty counts as unset; an invalid value warns once (tracing::warn_once) and keeps the default;
  // grpc warns and falls back to http/protobuf (only HTTP is implemented).
  static OtlpExporterOptions from_env();
};

// Exact counts since construction.
struct OtlpExporterStats {
  std::uint64_t spans_exported = 0;  // accepted by the collector (a batch minus its rejected spans)
  std::uint64_t spans_rejected = 0;  // reported rejected in a partial_success
  std::uint64_t spans_failed = 0;    // dropped: non-retryable answer, retries exhausted, timeout, shutdown
  std::uint64_t requests = 0;        // HTTP requests attempted (retries included)
  std::uint64_t retries = 0;         // requests that were retries of an earlier one
  std::uint64_t partial_successes = 0;  // 2xx answers that carried a partial_success
  std::uint64_t responses = 0;  // requests answered with any HTTP status (0: the collector never answered)
};

// Threading: as tracing::SpanExporter. export_spans is called by one thread at a time (the
// processor's worker); shutdown and stats from any thread. shutdown() wakes a retry wait at once
// and makes every later export fail without a request; a request already on the wire ends within
// its export's deadline.
class OtlpHttpExporter final : public tracing::SpanExporter {
 public:
  // Throws std::invalid_argument when the endpoint is not an http(s) URL or the TLS CA files
  // cannot be loaded (the message names no header value).
  explicit OtlpHttpExporter(OtlpExporterOptions options = OtlpExporterOptions::from_env());
  ~OtlpHttpExporter() override;

  tracing::ExportResult export_spans(tracing::SpanBatch batch, std::chrono::milliseconds timeout) noexcept override;
  bool force_flush(std::chrono::milliseconds timeout) noexcept override;
  bool shutdown(std::chrono::milliseconds timeout) noexcept override;

  [[nodiscard]] OtlpExporterStats stats() const noexcept;
  [[nodiscard]] const OtlpExporterOptions& options() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// ---- Pieces exposed for tests and for `agentrace send`.

// gzip (RFC 1952) of `data`, as Content-Encoding: gzip expects.
std::string gzip_compress(std::string_view data);

// The wait a Retry-After value asks for (net/headers.hpp; the model clients use it too).
using net::parse_retry_after;

struct PartialSuccess {
  std::int64_t rejected_spans = 0;
  std::string error_message{};
};
// The partial_success of an ExportTraceServiceResponse body; nullopt when the body has none or
// cannot be read (a 200 with an unreadable body is still success).
std::optional<PartialSuccess> parse_partial_success(Protocol protocol, std::string_view body) noexcept;

// The exporter OTEL_TRACES_EXPORTER names: otlp (also when unset, the specification's default),
// console (tracing::ConsoleExporter on stdout, drawing with `console`: the width and colours, and
// the key hints of the traces it will print), jsonl (agentrace's own JSON Lines: a
// formats::TraceDirectoryExporter writing <trace id>.jsonl under $AGENTRACE_TRACE_DIR or
// .agentrace/traces), none (nullptr). A comma list takes its first supported entry with a warning;
// an unknown name warns and gives nullptr.
std::unique_ptr<tracing::SpanExporter> make_exporter_from_env(const tracing::RenderOptions& console = {});

// What a Runner's default tracing should also send its spans to, beside its trace files, as the
// environment asks (for agent::DefaultTracing::also_export, which passes the agent trace's render
// options as `console`):
//   OTEL_TRACES_EXPORTER=otlp or console: that exporter (make_exporter_from_env);
//   OTEL_TRACES_EXPORTER unset, with OTEL_EXPORTER_OTLP_ENDPOINT or
//   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set: OTLP, as in the OpenTelemetry SDKs (whose default
//   exporter is otlp) and as most backends' guides say;
//   otherwise (jsonl, none, nothing set): nullptr, the files alone.
std::unique_ptr<tracing::SpanExporter> collector_exporter_from_env(const tracing::RenderOptions& console = {});

}  // namespace agentrace::otlp
