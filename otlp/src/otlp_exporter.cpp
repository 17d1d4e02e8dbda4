#include "agentrace/otlp/otlp_exporter.hpp"

#include "agentrace/tracing/log.hpp"
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <stdexcept>

#include "agentrace/formats/jsonl.hpp"
#include "agentrace/formats/otlp_encoding.hpp"
#include "agentrace/net/url.hpp"
#include "agentrace/tracing/console_exporter.hpp"
#include "agentrace/tracing/env.hpp"
#include "agentrace/tracing/span_data.hpp"

namespace agentrace::otlp {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string_view to_string(Protocol protocol) noexcept {
  return protocol == Protocol::http_json ? "http/json" : "http/protobuf";
}
std::string_view to_string(Compression compression) noexcept {
  return compression == Compression::gzip ? "gzip" : "none";
}
std::string_view content_type(Protocol protocol) noexcept {
  return protocol == Protocol::http_json ? "application/json" : "application/x-protobuf";
}

std::string gzip_compress(std::string_view data) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("gzip: deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const auto written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate failed");
  out.resize(written);
  return out;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A minimal protobuf reader for the one small message a collector answers with.
bool read_varint(std::string_view data, std::size_t& pos, std::uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= data.size()) return false;
    const auto byte = static_cast<std::uint8_t>(data[pos++]);
    out |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Calls on_field(number, wire_type, varint, bytes) for each field; false on malformed data.
template <class F>
bool walk_fields(std::string_view data, F&& on_field) {
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::uint64_t key = 0;
    if (!read_varint(data, pos, key)) return false;
    const auto field = key >> 3;
    const auto type = key & 7;
    if (field == 0) return false;
    std::uint64_t value = 0;
    std::string_view bytes;
    switch (type) {
      case 0:
        if (!read_varint(data, pos, value)) return false;
        break;
      case 1:
        if (data.size() - pos < 8) return false;
        pos += 8;
        break;
      case 5:
        if (data.size() - pos < 4) return false;
        pos += 4;
        break;
      case 2: {
        std::uint64_t len = 0;
        if (!read_varint(data, pos, len) || len > data.size() - pos) return false;
        bytes = data.substr(pos, static_cast<std::size_t>(len));
        pos += static_cast<std::size_t>(len);
        break;
      }
      default:
        return false;
    }
    on_field(field, type, value, bytes);
  }
  return true;
}

std::optional<PartialSuccess> partial_from_protobuf(std::string_view body) {
  std::optional<std::string_view> partial;
  if (!walk_fields(body, [&](std::uint64_t field, std::uint64_t type, std::uint64_t, std::string_view bytes) {
        if (field == 1 && type == 2) partial = bytes;
      }) ||
      !partial) {
    return std::nullopt;
  }
  PartialSuccess out;
  if (!walk_fields(*partial, [&](std::uint64_t field, std::uint64_t type, std::uint64_t value, std::string_view bytes) {
        if (field == 1 && type == 0) out.rejected_spans = static_cast<std::int64_t>(value);
        if (field == 2 && type == 2) out.error_message = std::string(bytes);
      })) {
    return std::nullopt;
  }
  return out;
}

std::optional<PartialSuccess> partial_from_json(std::string_view body) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  auto it = json.find("partialSuccess");
  if (it == json.end()) it = json.find("partial_success");
  if (it == json.end() || !it->is_object()) return std::nullopt;
  PartialSuccess out;
  for (const char* key : {"rejectedSpans", "rejected_spans"}) {
    if (auto r = it->find(key); r != it->end()) {
      if (r->is_number_integer()) out.rejected_spans = r->get<std::int64_t>();
      if (r->is_string()) {
        try {
          out.rejected_spans = std::stoll(r->get<std::string>());
        } catch (const std::exception&) {
          return std::nullopt;
        }
      }
    }
  }
  for (const char* key : {"errorMessage", "error_message"}) {
    if (auto m = it->find(key); m != it->end() && m->is_string()) out.error_message = m->get<std::string>();
  }
  return out;
}

bool retryable_status(unsigned status) { return status == 429 || status == 502 || status == 503 || status == 504; }

bool retryable_error(net::HttpErrorKind kind) {
  switch (kind) {
    case net::HttpErrorKind::dns:
    case net::HttpErrorKind::connect:
    case net::HttpErrorKind::timeout:
    case net::HttpErrorKind::connection_closed:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<PartialSuccess> parse_partial_success(Protocol protocol, std::string_view body) noexcept {
  try {
    if (body.empty()) return std::nullopt;
    return protocol == Protocol::http_json ? partial_from_json(body) : partial_from_protobuf(body);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

struct OtlpHttpExporter::State {
  OtlpExporterOptions options;
  net::Url url;
  net::SyncHttpClient client;
  std::string payload;  // reused between exports

  std::mutex mutex;  // guards shut_down's waits and logged
  std::condition_variable wake;
  std::atomic<bool> shut_down{false};
  std::set<std::string> logged;  // messages already logged at warn level

  std::atomic<std::uint64_t> spans_exported{0}, spans_rejected{0}, spans_failed{0}, requests{0}, retries{0},
      partial_successes{0}, responses{0};
  std::mt19937_64 rng{std::random_device{}()};

  State(OtlpExporterOptions o, net::Url u) : options(std::move(o)), url(std::move(u)), client(options.client) {}

  // Collectors may echo a request back: keep configured header values out of anything logged,
  // and the token of a value such as "Bearer <token>" too, which a collector may quote alone.
  std::string redact(std::string text) const {
    auto remove = [&text](std::string_view secret) {
      if (secret.size() < 3) return;
      for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
        text.replace(pos, secret.size(), "<redacted>");
        pos += 10;
      }
    };
    for (const auto& [name, value] : options.headers) {
      remove(value);
      std::string_view rest = value;
      while (!rest.empty()) {
        const auto space = rest.find(' ');
        const std::string_view word = rest.substr(0, space);
        if (word.size() >= 8) remove(word);  // a token, not a scheme name such as "Bearer"
        if (space == std::string_view::npos) break;
        rest.remove_prefix(space + 1);
      }
    }
    return text;
  }

  // Logs at warn the first time a message is seen, at debug afterwards: a collector that stays
  // down is reported once, not once per batch.
  // Messages that differ only in numbers (the milliseconds left, a count) are the same message.
  void log_once(const std::string& message) {
    std::string key = message;
    for (auto& c : key) {
      if (c >= '0' && c <= '9') c = '#';
    }
    bool first = false;
    {
      std::lock_guard lock(mutex);
      if (logged.size() < 256) first = logged.insert(std::move(key)).second;
    }
    if (first) {
      tracing::logger()->warn("{}", message);
    } else {
      tracing::logger()->debug("{}", message);
    }
  }

  milliseconds backoff(unsigned retry) {
    const double base = static_cast<double>(options.initial_backoff.count()) *
                        std::pow(options.backoff_multiplier, static_cast<double>(retry - 1));
    const double capped = std::min(base, static_cast<double>(options.max_backoff.count()));
    std::uniform_real_distribution<double> factor(1.0 - options.jitter, 1.0 + options.jitter);
    return milliseconds{static_cast<std::int64_t>(std::max(0.0, capped * factor(rng)))};
  }

  // Waits until `until` or shutdown; false when shut down.
  bool wait_until(Clock::time_point until) {
    std::unique_lock lock(mutex);
    return !wake.wait_until(lock, until, [&] { return shut_down.load(); });
  }
};

OtlpHttpExporter::OtlpHttpExporter(OtlpExporterOptions options) {
  net::Url url;
  try {
    url = net::parse_url(options.endpoint);
  } catch (const net::UrlError& e) {
    throw std::invalid_argument(std::string("OTLP exporter endpoint: ") + e.what());
  }
  state_ = std::make_unique<State>(std::move(options), std::move(url));
  if (!state_->options.headers.empty()) {
    std::string names;
    for (const auto& [name, value] : state_->options.headers) names += (names.empty() ? "" : ", ") + name;
    tracing::logger()->debug("OTLP exporter to {}: custom headers {}", state_->url.origin(), names);
  }
}

OtlpHttpExporter::~OtlpHttpExporter() = default;

const OtlpExporterOptions& OtlpHttpExporter::options() const noexcept { return state_->options; }

OtlpExporterStats OtlpHttpExporter::stats() const noexcept {
  const auto& s = *state_;
  return OtlpExporterStats{s.spans_exported.load(), s.spans_rejected.load(), s.spans_failed.load(),
                           s.requests.load(),       s.retries.load(),        s.partial_successes.load(),
                           s.responses.load()};
}

bool OtlpHttpExporter::force_flush(std::chrono::milliseconds /*timeout*/) noexcept { return true; }

bool OtlpHttpExporter::shutdown(std::chrono::milliseconds /*timeout*/) noexcept {
  {
    std::lock_guard lock(state_->mutex);
    state_->shut_down = true;
  }
  state_->wake.notify_all();
  return true;
}

tracing::ExportResult OtlpHttpExporter::export_spans(tracing::SpanBatch batch, std::chrono::milliseconds timeout) noexcept {
  auto& s = *state_;
  const auto count = static_cast<std::uint64_t>(batch.size());
  if (batch.empty()) return tracing::ExportResult::success;
  const auto fail = [&](const std::string& why) {
    s.spans_failed += count;
    s.log_once(s.redact("OTLP export to " + s.url.origin() + " failed, spans dropped: " + why));
    return tracing::ExportResult::failure;
  };
  if (s.shut_down) {
    s.spans_failed += count;
    return tracing::ExportResult::failure;
  }
  const auto limit = std::min(timeout, s.options.timeout);
  const auto deadline = Clock::now() + limit;

  net::HttpRequest request;
  try {
    s.payload.clear();
    if (s.options.protocol == Protocol::http_json) {
      formats::append_otlp_json(batch, s.payload);
    } else {
      formats::append_otlp_protobuf(batch, s.payload);
    }
    request.method = "POST";
    request.url = s.options.endpoint;
    for (const auto& [name, value] : s.options.headers) request.headers.add(name, value);
    request.headers.set("Content-Type", std::string(content_type(s.options.protocol)));
    if (s.options.compression == Compression::gzip) {
      request.headers.set("Content-Encoding", "gzip");
      request.body = gzip_compress(s.payload);
    } else {
      request.body = s.payload;
    }
  } catch (const std::exception& e) {
    return fail(std::string("cannot encode the request: ") + e.what());
  }

  std::string last_failure;
  for (unsigned attempt = 1;; ++attempt) {
    const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (remaining <= milliseconds{0}) return fail(last_failure + " (export timeout reached)");
    if (s.shut_down) return fail(last_failure + " (exporter shut down)");

    net::RequestOptions request_options;
    request_options.timeouts.connect = remaining;
    request_options.timeouts.tls_handshake = remaining;
    request_options.timeouts.first_byte = remaining;
    request_options.timeouts.body_idle = remaining;
    request_options.timeouts.total = remaining;
    request_options.max_body_bytes = std::size_t{4} << 20;

    ++s.requests;
    if (attempt > 1) ++s.retries;
    std::optional<milliseconds> retry_after;
    try {
      net::HttpResponse response = s.client.send(request, std::move(request_options));
      ++s.responses;
      if (response.ok()) {
        std::uint64_t rejected = 0;
        if (auto partial = parse_partial_success(s.options.protocol, response.body)) {
          if (partial->rejected_spans > 0 || !partial->error_message.empty()) {
            ++s.partial_successes;
            rejected = std::min<std::uint64_t>(count, static_cast<std::uint64_t>(std::max<std::int64_t>(0, partial->rejected_spans)));
            s.log_once(s.redact("OTLP collector at " + s.url.origin() + " rejected " +
                                std::to_string(partial->rejected_spans) + " span(s): " + partial->error_message));
          }
        }
        s.spans_rejected += rejected;
        s.spans_exported += count - rejected;
        return tracing::ExportResult::success;
      }
      std::string body = response.body.substr(0, 256);
      last_failure = "HTTP " + std::to_string(response.status) + (body.empty() ? "" : ": " + body);
      if (!retryable_status(response.status)) return fail(last_failure);
      if (auto value = response.headers.find("Retry-After")) retry_after = parse_retry_after(*value);
    } catch (const net::HttpError& e) {
      last_failure = std::string(net::to_string(e.kind())) + ": " + e.what();
      if (!retryable_error(e.kind())) return fail(last_failure);
    } catch (const std::exception& e) {
      return fail(e.what());
    }

    if (attempt >= s.options.max_attempts) return fail(last_failure + " (after " + std::to_string(attempt) + " attempts)");
    const auto wait = retry_after ? *retry_after : s.backoff(attempt);
    const auto until = Clock::now() + wait;
    // Not worth starting a wait after which no time is left for the request itself.
    if (until >= deadline) return fail(last_failure + " (the next retry would pass the export timeout)");
    if (!s.wait_until(until)) return fail(last_failure + " (exporter shut down)");
  }
}

// ---- Configuration from the environment.

namespace {

// The TRACES_ variant of OTEL_EXPORTER_OTLP_<suffix> when set, else the generic one; with the
// variable's name for warnings.
std::optional<std::pair<std::string, std::string>> otlp_env(const std::string& suffix) {
  const std::string specific = "OTEL_EXPORTER_OTLP_TRACES_" + suffix;
  if (auto v = tracing::env_string(specific.c_str())) return std::pair{specific, *v};
  const std::string generic = "OTEL_EXPORTER_OTLP_" + suffix;
  if (auto v = tracing::env_string(generic.c_str())) return std::pair{generic, *v};
  return std::nullopt;
}

bool valid_url(const std::string& text) {
  try {
    (void)net::parse_url(text);
    return true;
  } catch (const net::UrlError&) {
    return false;
  }
}

}  // namespace

OtlpExporterOptions OtlpExporterOptions::from_env() {
  OtlpExporterOptions o;
  if (auto v = tracing::env_string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    if (valid_url(*v)) {
      o.endpoint = *v;
    } else {
      tracing::warn_once("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is not an http(s) URL: \"" + net::without_credentials(*v) + "\"; using " +
                         std::string(default_traces_endpoint));
    }
  } else if (auto base = tracing::env_string("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    std::string url = *base;
    url += url.ends_with('/') ? "v1/traces" : "/v1/traces";
    if (valid_url(url)) {
      o.endpoint = url;
    } else {
      tracing::warn_once("OTEL_EXPORTER_OTLP_ENDPOINT is not an http(s) URL: \"" + net::without_credentials(*base) +
                         "\" (credentials belong in OTEL_EXPORTER_OTLP_HEADERS); using " +
                         std::string(default_traces_endpoint));
    }
  }

  if (auto p = otlp_env("PROTOCOL")) {
    const auto value = lower(p->second);
    if (value == "http/protobuf") {
      o.protocol = Protocol::http_protobuf;
    } else if (value == "http/json") {
      o.protocol = Protocol::http_json;
    } else if (value == "grpc") {
      tracing::warn_once(p->first + "=grpc: only OTLP over HTTP is supported; using http/protobuf");
    } else {
      tracing::warn_once(p->first + " must be http/protobuf or http/json, not \"" + p->second +
                         "\"; using http/protobuf");
    }
  }

  if (auto h = otlp_env("HEADERS")) {
    std::vector<std::string> errors;
    const auto parsed = tracing::parse_key_value_list(h->second, &errors);
    for (const auto& attribute : parsed) {
      if (const auto* text = std::get_if<std::string>(&attribute.value)) o.headers.emplace_back(attribute.key, *text);
    }
    // Values may be API keys: name the variable and the count only.
    if (!errors.empty()) {
      tracing::warn_once(h->first + ": " + std::to_string(errors.size()) + " malformed entr" +
                         (errors.size() == 1 ? "y" : "ies") + " skipped (expected k=v,k=v)");
    }
  }

  for (const char* name : {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"}) {
    if (!tracing::env_string(name)) continue;
    if (auto ms = tracing::env_uint(name)) {
      if (*ms == 0) {
        tracing::warn_once(std::string(name) + " must be a positive number of milliseconds; using 10000");
      } else {
        o.timeout = milliseconds{static_cast<std::int64_t>(std::min<std::uint64_t>(*ms, 86'400'000))};
      }
    }
    break;  // the TRACES_ variant wins even when invalid: its default applies then
  }

  if (auto c = otlp_env("COMPRESSION")) {
    const auto value = lower(c->second);
    if (value == "gzip") {
      o.compression = Compression::gzip;
    } else if (value == "none") {
      o.compression = Compression::none;
    } else {
      tracing::warn_once(c->first + " must be gzip or none, not \"" + c->second + "\"; using none");
    }
  }

  if (auto cert = otlp_env("CERTIFICATE")) o.client.ca_file = cert->second;
  return o;
}

std::unique_ptr<tracing::SpanExporter> make_exporter_from_env(const tracing::RenderOptions& console) {
  std::string choice = "otlp";
  if (auto v = tracing::env_string("OTEL_TRACES_EXPORTER")) {
    std::vector<std::string> names;
    std::string_view rest = *v;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto name = lower(trim(rest.substr(0, comma)));
      if (!name.empty()) names.push_back(name);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    const auto supported = [](const std::string& n) {
      return n == "otlp" || n == "console" || n == "jsonl" || n == "none";
    };
    const auto it = std::find_if(names.begin(), names.end(), supported);
    if (it == names.end()) {
      tracing::warn_once("OTEL_TRACES_EXPORTER=\"" + *v + "\": no supported exporter (otlp, console, jsonl, none); traces are not exported");
      return nullptr;
    }
    if (names.size() > 1) {
      tracing::warn_once("OTEL_TRACES_EXPORTER=\"" + *v + "\": only one exporter is supported; using " + *it);
    }
    choice = *it;
  }
  if (choice == "none") return nullptr;
  if (choice == "console") return std::make_unique<tracing::ConsoleExporter>(stdout, console);
  if (choice == "jsonl") {
    return std::make_unique<formats::TraceDirectoryExporter>(
        tracing::env_string("AGENTRACE_TRACE_DIR").value_or(".agentrace/traces"));
  }
  return std::make_unique<OtlpHttpExporter>(OtlpExporterOptions::from_env());
}

std::unique_ptr<tracing::SpanExporter> collector_exporter_from_env(const tracing::RenderOptions& console) {
  if (const auto name = tracing::env_string("OTEL_TRACES_EXPORTER")) {
    if (lower(trim(*name)) == "jsonl" || lower(trim(*name)) == "none") return nullptr;  // the files already are jsonl
    return make_exporter_from_env(console);
  }
  const bool endpoint_set =
      tracing::env_string("OTEL_EXPORTER_OTLP_ENDPOINT") || tracing::env_string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  return endpoint_set ? make_exporter_from_env(console) : nullptr;
}

}  // namespace agentrace::otlp
