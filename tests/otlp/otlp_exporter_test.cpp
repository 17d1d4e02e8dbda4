// The OTLP/HTTP exporter against a real loopback receiver: what arrives matches what was sent,
// span by span, in both encodings and with gzip; and the delivery rules under faults, with exact
// counts. Timing assertions compare against server delays an order of magnitude larger.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "agentrace/otlp/otlp_exporter.hpp"
#include "agentrace/tracing/processor.hpp"
#include "support/otlp_receiver.hpp"
#include "support/test_support.hpp"

namespace otlp = agentrace::otlp;
namespace tr = agentrace::tracing;
using agentrace::testing::expected_record;
using agentrace::testing::OtlpReceiver;
using agentrace::testing::ServerResponse;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A closed port: bound, then released, so nothing listens there.
std::uint16_t unused_port() {
  std::uint16_t port = 0;
  {
    agentrace::testing::LoopbackHttpServer server([](const auto&) { return ServerResponse::text("x"); });
    port = server.port();
  }
  return port;
}

// An exporter aimed at a closed port, retrying every 100 ms (no jitter) until `timeout`.
otlp::OtlpExporterOptions refused_port_options(std::chrono::milliseconds timeout) {
  otlp::OtlpExporterOptions options;
  options.endpoint = "http://127.0.0.1:" + std::to_string(unused_port()) + "/v1/traces";
  options.timeout = timeout;
  options.initial_backoff = 100ms;
  options.max_backoff = 100ms;
  options.jitter = 0;
  options.max_attempts = 1000;  // the timeout ends the retries, not the count
  return options;
}

std::vector<tr::SpanData> rich_spans(std::size_t n) {
  const auto& source = tr::SpanSource::intern(
      tr::Resource{{{"service.name", "otlp-test"}, {"deployment.environment", "ci"}, {"host.cores", 2}}},
      tr::InstrumentationScope{"agentrace.test", "1.0"});
  const auto trace = tr::TraceId::random();
  std::vector<tr::SpanData> out;
  tr::SpanId root;
  for (std::size_t i = 0; i < n; ++i) {
    tr::SpanData s;
    s.trace_id = trace;
    s.span_id = tr::SpanId::random();
    if (i == 0) {
      root = s.span_id;
    } else {
      s.parent_span_id = root;
    }
    s.flags.value = tr::TraceFlags::sampled_bit;
    s.name = i == 0 ? "invoke_agent root" : "step " + std::to_string(i);
    s.kind = static_cast<tr::SpanKind>(1 + i % 5);
    s.start_unix_ns = 1'700'000'000'000'000'000ULL + i * 1000;
    s.end_unix_ns = s.start_unix_ns + 500 + i;
    s.attributes = tr::Attributes{{"s", "text é"},
                                  {"b", i % 2 == 0},
                                  {"i", static_cast<std::int64_t>(-42 - static_cast<std::int64_t>(i))},
                                  {"d", 0.1 + static_cast<double>(i)},
                                  {"bs", std::vector<bool>{true, false}},
                                  {"is", std::vector<std::int64_t>{1, -2, 3}},
                                  {"ds", std::vector<double>{1.5, -0.25}},
                                  {"ss", std::vector<std::string>{"a", "b"}}};
    s.events.push_back(tr::Event{"exception", s.start_unix_ns + 10, tr::Attributes{{"exception.message", "boom"}}, 0});
    if (i > 0) s.links.push_back(tr::Link{tr::SpanContext{trace, root, s.flags, false, ""}, tr::Attributes{{"why", "link"}}, 0});
    if (i % 3 == 1) s.status = tr::Status{tr::StatusCode::error, "failed " + std::to_string(i)};
    if (i % 3 == 2) s.status = tr::Status{tr::StatusCode::ok, ""};
    s.source = &source;
    out.push_back(std::move(s));
  }
  return out;
}

otlp::OtlpExporterOptions options_for(const OtlpReceiver& receiver) {
  otlp::OtlpExporterOptions o;
  o.endpoint = receiver.url();
  o.timeout = 5s;
  o.initial_backoff = 50ms;
  o.max_backoff = 200ms;
  return o;
}

tr::ExportResult export_all(otlp::OtlpHttpExporter& exporter, const std::vector<tr::SpanData>& spans,
                            std::chrono::milliseconds timeout = 30s) {
  std::vector<const tr::SpanData*> ptrs;
  for (const auto& s : spans) ptrs.push_back(&s);
  return exporter.export_spans(tr::SpanBatch(ptrs), timeout);
}

}  // namespace

TEST_CASE("spans sent through a batch processor arrive as they were, in either encoding and with gzip", "[otlp]") {
  const auto protocol = GENERATE(otlp::Protocol::http_protobuf, otlp::Protocol::http_json);
  const auto compression = GENERATE(otlp::Compression::none, otlp::Compression::gzip);
  CAPTURE(otlp::to_string(protocol), otlp::to_string(compression));
  OtlpReceiver receiver;
  auto options = options_for(receiver);
  options.protocol = protocol;
  options.compression = compression;
  options.headers = {{"x-api-key", "secret-value"}, {"x-tenant", "t1"}};
  auto exporter = std::make_unique<otlp::OtlpHttpExporter>(options);
  auto* exp = exporter.get();
  const auto spans = rich_spans(7);
  {
    tr::BatchSpanProcessor processor(std::move(exporter), tr::BatchOptions{2048, 50ms, 10s, 512});
    for (const auto& s : spans) processor.on_end(std::make_unique<tr::SpanData>(s));
    REQUIRE(processor.force_flush(10s));
    CHECK(processor.stats().exported == spans.size());
    const auto stats = exp->stats();
    CHECK(stats.spans_exported == spans.size());
    CHECK(stats.spans_failed == 0);
    CHECK(stats.retries == 0);
    processor.shutdown(5s);
  }
  CHECK(receiver.errors().empty());
  const auto received = receiver.spans();
  REQUIRE(received.size() == spans.size());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    CAPTURE(i);
    CHECK(received[i] == expected_record(spans[i]));
  }
  const auto requests = receiver.raw_requests();
  REQUIRE(!requests.empty());
  for (const auto& r : requests) {
    CHECK(r.method == "POST");
    CHECK(r.target == "/v1/traces");
    CHECK(r.header("Content-Type") == otlp::content_type(protocol));
    CHECK(r.header("x-api-key") == "secret-value");
    CHECK(r.header("x-tenant") == "t1");
    CHECK(r.header("Content-Encoding") == (compression == otlp::Compression::gzip ? "gzip" : ""));
  }
}

TEST_CASE("content types are exact", "[otlp]") {
  CHECK(otlp::content_type(otlp::Protocol::http_protobuf) == "application/x-protobuf");
  CHECK(otlp::content_type(otlp::Protocol::http_json) == "application/json");
}

TEST_CASE("gzip_compress round-trips through zlib's inflate", "[otlp]") {
  const std::string text(100'000, 'x');
  const auto packed = otlp::gzip_compress(text);
  REQUIRE(packed.size() > 2);
  CHECK(static_cast<unsigned char>(packed[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(packed[1]) == 0x8b);
  CHECK(packed.size() < text.size() / 10);
  CHECK(agentrace::testing::gunzip(packed) == text);
  CHECK(agentrace::testing::gunzip(otlp::gzip_compress("")).empty());
}

TEST_CASE("Retry-After is read as delta seconds or as an HTTP date", "[otlp]") {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(otlp::parse_retry_after("3", now) == 3000ms);
  CHECK(otlp::parse_retry_after(" 0 ", now) == 0ms);
  CHECK(otlp::parse_retry_after("Sun, 06 Nov 1994 08:49:39 GMT", now) == 2000ms);
  CHECK(otlp::parse_retry_after("Sunday, 06-Nov-94 08:49:40 GMT", now) == 3000ms);
  CHECK(otlp::parse_retry_after("Sun Nov  6 08:49:41 1994", now) == 4000ms);
  CHECK(otlp::parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == 0ms);  // past
  CHECK_FALSE(otlp::parse_retry_after("soon", now));
  CHECK_FALSE(otlp::parse_retry_after("-1", now));
  CHECK_FALSE(otlp::parse_retry_after("", now));
}

// Found by fuzz_url (fuzz/corpus/fuzz_url/regression_retry_after_year_19): dates centuries away
// overflowed the clock's nanoseconds (undefined behaviour), and a NUL ended the date early.
TEST_CASE("Retry-After dates centuries away or with a NUL inside are read safely", "[otlp]") {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(otlp::parse_retry_after("Sun Nov  6 08:49:37 19", now) == 0ms);  // year 19: long past
  CHECK(otlp::parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) == std::chrono::hours{24 * 365});
  CHECK(otlp::parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", now) == std::chrono::hours{24});
  CHECK_FALSE(otlp::parse_retry_after(std::string("Sun Nov  6 08:49:41 1994\0 junk", 30), now));
}

TEST_CASE("partial_success is read from protobuf and JSON bodies, garbage is no partial success", "[otlp]") {
  // ExportTraceServiceResponse{partial_success{rejected_spans=3, error_message="bad"}}
  const std::string pb = std::string("\x0a\x07\x08\x03\x12\x03" "bad", 9);
  auto p = otlp::parse_partial_success(otlp::Protocol::http_protobuf, pb);
  REQUIRE(p);
  CHECK(p->rejected_spans == 3);
  CHECK(p->error_message == "bad");
  auto j = otlp::parse_partial_success(otlp::Protocol::http_json,
                                       R"({"partialSuccess":{"rejectedSpans":"5","errorMessage":"too old"}})");
  REQUIRE(j);
  CHECK(j->rejected_spans == 5);
  CHECK(j->error_message == "too old");
  CHECK(otlp::parse_partial_success(otlp::Protocol::http_json, R"({"partialSuccess":{"rejectedSpans":2}})")->rejected_spans == 2);
  CHECK_FALSE(otlp::parse_partial_success(otlp::Protocol::http_json, "{}"));
  CHECK_FALSE(otlp::parse_partial_success(otlp::Protocol::http_json, "<html>"));
  CHECK_FALSE(otlp::parse_partial_success(otlp::Protocol::http_protobuf, "\xff\xff\xff"));
  CHECK_FALSE(otlp::parse_partial_success(otlp::Protocol::http_protobuf, ""));
}

TEST_CASE("a 200 with partial_success counts the rejected spans and is not retried", "[otlp]") {
  const auto protocol = GENERATE(otlp::Protocol::http_protobuf, otlp::Protocol::http_json);
  OtlpReceiver receiver;
  const std::string body = protocol == otlp::Protocol::http_json
                               ? R"({"partialSuccess":{"rejectedSpans":"2","errorMessage":"spans too old"}})"
                               : std::string("\x0a\x11\x08\x02\x12\x0d" "spans too old", 19);
  receiver.set_default(ServerResponse::text(body, 200, std::string(otlp::content_type(protocol))));
  auto options = options_for(receiver);
  options.protocol = protocol;
  otlp::OtlpHttpExporter exporter(options);
  CHECK(export_all(exporter, rich_spans(5)) == tr::ExportResult::success);
  CHECK(export_all(exporter, rich_spans(5)) == tr::ExportResult::success);
  const auto s = exporter.stats();
  CHECK(s.requests == 2);
  CHECK(s.retries == 0);
  CHECK(s.spans_rejected == 4);
  CHECK(s.spans_exported == 6);
  CHECK(s.spans_failed == 0);
  CHECK(s.partial_successes == 2);
}

TEST_CASE("a garbage body on 200 is success", "[otlp]") {
  OtlpReceiver receiver;
  receiver.set_default(ServerResponse::text("\xff\xfe not protobuf at all", 200, "application/x-protobuf"));
  otlp::OtlpHttpExporter exporter(options_for(receiver));
  CHECK(export_all(exporter, rich_spans(3)) == tr::ExportResult::success);
  CHECK(exporter.stats().spans_exported == 3);
  CHECK(exporter.stats().spans_rejected == 0);
  CHECK(exporter.stats().requests == 1);
}

TEST_CASE("503 then 200 is delivered exactly once after one retry", "[otlp]") {
  OtlpReceiver receiver;
  receiver.script({ServerResponse::text("busy", 503)});
  otlp::OtlpHttpExporter exporter(options_for(receiver));
  const auto spans = rich_spans(4);
  CHECK(export_all(exporter, spans) == tr::ExportResult::success);
  const auto s = exporter.stats();
  CHECK(s.requests == 2);
  CHECK(s.retries == 1);
  CHECK(s.spans_exported == 4);
  CHECK(s.spans_failed == 0);
  CHECK(receiver.requests() == 2);
  CHECK(receiver.spans().size() == 4);  // the 503'd copy does not count
}

TEST_CASE("502, 503, 504 and 429 are retried, other 4xx and 5xx are not", "[otlp]") {
  for (unsigned status : {429U, 502U, 503U, 504U}) {
    CAPTURE(status);
    OtlpReceiver receiver;
    receiver.script({ServerResponse::text("x", status), ServerResponse::text("x", status)});
    otlp::OtlpHttpExporter exporter(options_for(receiver));
    CHECK(export_all(exporter, rich_spans(2)) == tr::ExportResult::success);
    CHECK(exporter.stats().retries == 2);
    CHECK(receiver.requests() == 3);
  }
  for (unsigned status : {400U, 401U, 403U, 404U, 413U, 415U, 500U, 501U}) {
    CAPTURE(status);
    OtlpReceiver receiver;
    receiver.set_default(ServerResponse::text("no", status));
    otlp::OtlpHttpExporter exporter(options_for(receiver));
    CHECK(export_all(exporter, rich_spans(3)) == tr::ExportResult::failure);
    const auto s = exporter.stats();
    CHECK(s.requests == 1);
    CHECK(s.retries == 0);
    CHECK(s.spans_failed == 3);
    CHECK(s.spans_exported == 0);
    CHECK(receiver.requests() == 1);
  }
}

TEST_CASE("429 with Retry-After in seconds waits that long before the retry", "[otlp]") {
  OtlpReceiver receiver;
  auto busy = ServerResponse::text("slow down", 429);
  busy.headers.emplace_back("Retry-After", "1");
  receiver.script({busy});
  auto options = options_for(receiver);
  options.initial_backoff = 10ms;  // the header, not the backoff, must set the wait
  otlp::OtlpHttpExporter exporter(options);
  const auto start = Clock::now();
  CHECK(export_all(exporter, rich_spans(2)) == tr::ExportResult::success);
  const auto took = Clock::now() - start;
  CHECK(took >= 1s);
  CHECK(took < 4s);
  CHECK(exporter.stats().retries == 1);
  CHECK(receiver.spans().size() == 2);
}

TEST_CASE("a Retry-After past the export's timeout fails at once without waiting", "[otlp]") {
  OtlpReceiver receiver;
  auto busy = ServerResponse::text("later", 503);
  busy.headers.emplace_back("Retry-After", "60");
  receiver.set_default(busy);
  auto options = options_for(receiver);
  options.timeout = 2s;
  otlp::OtlpHttpExporter exporter(options);
  const auto start = Clock::now();
  CHECK(export_all(exporter, rich_spans(2)) == tr::ExportResult::failure);
  CHECK(Clock::now() - start < 1s);
  CHECK(exporter.stats().requests == 1);
  CHECK(exporter.stats().spans_failed == 2);
}

TEST_CASE("connection refused is retried until the timeout, then the batch fails", "[otlp]") {
  otlp::OtlpHttpExporter exporter(refused_port_options(1s));
  const auto start = Clock::now();
  CHECK(export_all(exporter, rich_spans(3)) == tr::ExportResult::failure);
  const auto took = Clock::now() - start;
  CHECK(took <= 1500ms);  // never past the timeout (plus scheduling slack)
  const auto s = exporter.stats();
  CHECK(s.requests >= 2);
  CHECK(s.retries == s.requests - 1);
  CHECK(s.spans_failed == 3);
  CHECK(s.spans_exported == 0);
}

TEST_CASE("max_attempts bounds the retries", "[otlp]") {
  OtlpReceiver receiver;
  receiver.set_default(ServerResponse::text("x", 503));
  auto options = options_for(receiver);
  options.initial_backoff = 1ms;
  options.max_attempts = 3;
  otlp::OtlpHttpExporter exporter(options);
  CHECK(export_all(exporter, rich_spans(2)) == tr::ExportResult::failure);
  CHECK(exporter.stats().requests == 3);
  CHECK(exporter.stats().retries == 2);
  CHECK(exporter.stats().spans_failed == 2);
}

TEST_CASE("an answer after the timeout fails the batch within the timeout", "[otlp]") {
  OtlpReceiver receiver;
  auto slow = ServerResponse::text("");
  slow.header_delay = 3s;
  receiver.set_default(slow);
  auto options = options_for(receiver);
  options.timeout = 500ms;
  otlp::OtlpHttpExporter exporter(options);
  const auto start = Clock::now();
  CHECK(export_all(exporter, rich_spans(2)) == tr::ExportResult::failure);
  CHECK(Clock::now() - start < 1500ms);
  CHECK(exporter.stats().spans_failed == 2);
  CHECK(exporter.stats().requests == 1);  // no time left for a retry
  // The call's own timeout is honoured too when shorter than the options'.
  options.timeout = 30s;
  otlp::OtlpHttpExporter exporter2(options);
  const auto start2 = Clock::now();
  CHECK(export_all(exporter2, rich_spans(2), 300ms) == tr::ExportResult::failure);
  CHECK(Clock::now() - start2 < 1500ms);
}

TEST_CASE("a connection closed mid-response is retried", "[otlp]") {
  OtlpReceiver receiver;
  auto cut = ServerResponse::text(std::string(100, 'x'));
  cut.close_after_body_bytes = 10;
  receiver.script({cut});
  otlp::OtlpHttpExporter exporter(options_for(receiver));
  CHECK(export_all(exporter, rich_spans(3)) == tr::ExportResult::success);
  const auto s = exporter.stats();
  CHECK(s.requests == 2);
  CHECK(s.retries == 1);
  CHECK(s.spans_exported == 3);
  CHECK(receiver.spans().size() == 3);
}

TEST_CASE("after shutdown exports fail fast without a request, and shutdown ends a retry wait", "[otlp]") {
  OtlpReceiver receiver;
  receiver.set_default(ServerResponse::text("x", 503));
  auto options = options_for(receiver);
  options.timeout = 20s;
  options.initial_backoff = 10s;
  options.max_backoff = 10s;
  otlp::OtlpHttpExporter exporter(options);
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    exporter.shutdown(1s);
  });
  const auto start = Clock::now();
  CHECK(export_all(exporter, rich_spans(2)) == tr::ExportResult::failure);
  CHECK(Clock::now() - start < 5s);
  stopper.join();
  CHECK(export_all(exporter, rich_spans(2)) == tr::ExportResult::failure);
  CHECK(exporter.stats().requests == 1);
  CHECK(exporter.stats().spans_failed == 4);
  CHECK(exporter.force_flush(1s));
}

TEST_CASE("the producing thread never waits on export, whatever the collector does", "[otlp]") {
  enum class Fault { slow, refused, status_503, status_400, cut };
  const auto fault = GENERATE(Fault::slow, Fault::refused, Fault::status_503, Fault::status_400, Fault::cut);
  CAPTURE(static_cast<int>(fault));
  OtlpReceiver receiver;
  auto options = options_for(receiver);
  options.timeout = 3s;
  ServerResponse response = ServerResponse::text("");
  switch (fault) {
    case Fault::slow:
      response.header_delay = 2s;
      break;
    case Fault::refused:
      options.endpoint = "http://127.0.0.1:" + std::to_string(unused_port()) + "/v1/traces";
      options.timeout = 500ms;
      break;
    case Fault::status_503:
      response = ServerResponse::text("busy", 503);
      response.header_delay = 500ms;
      options.timeout = 2s;
      break;
    case Fault::status_400:
      response = ServerResponse::text("bad", 400);
      response.header_delay = 2s;
      break;
    case Fault::cut:
      response = ServerResponse::text(std::string(100, 'x'));
      response.close_after_body_bytes = 5;
      response.header_delay = 1s;
      options.timeout = 1500ms;
      break;
  }
  receiver.set_default(response);
  auto exporter = std::make_unique<otlp::OtlpHttpExporter>(options);
  auto* exp = exporter.get();
  tr::BatchSpanProcessor processor(std::move(exporter), tr::BatchOptions{2048, 10ms, 10s, 512});
  const auto spans = rich_spans(100);
  // A first span to get the worker into a slow export, then 100 more while it is stuck there.
  processor.on_end(std::make_unique<tr::SpanData>(spans[0]));
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  for (const auto& s : spans) processor.on_end(std::make_unique<tr::SpanData>(s));
  CHECK(Clock::now() - start < 300ms);  // against server delays of 0.5 s to 2 s, with retries
  REQUIRE(processor.force_flush(20s));
  const auto s = exp->stats();
  CHECK(s.spans_exported + s.spans_failed == 101);
  if (fault == Fault::slow) {
    CHECK(s.spans_exported == 101);
    CHECK(s.retries == 0);
  } else {
    CHECK(s.spans_failed == 101);
    CHECK(s.spans_exported == 0);
  }
  if (fault == Fault::status_400) {
    CHECK(s.requests == 2);  // one per batch, never retried
    CHECK(s.retries == 0);
  }
  if (fault == Fault::status_503 || fault == Fault::cut || fault == Fault::refused) CHECK(s.retries > 0);
  processor.shutdown(5s);
}

TEST_CASE("with the collector down shutdown completes within its own budget and not the export timeout",
          "[otlp]") {
  // What a program sees at exit: the batch processor's shutdown gives the exporter what is left
  // of its budget, so a retry loop against a refused port gives up then, and the worker finishes
  // (shutdown returns true) instead of retrying on for the 10 s export timeout behind the caller.
  auto exporter = std::make_unique<otlp::OtlpHttpExporter>(refused_port_options(10s));
  auto* exp = exporter.get();
  tr::BatchSpanProcessor processor(std::move(exporter), tr::BatchOptions{2048, std::chrono::hours(1), 30s, 512});
  for (const auto& s : rich_spans(3)) processor.on_end(std::make_unique<tr::SpanData>(s));
  CHECK(processor.shutdown(1s));  // completed: the export gave up when the budget ran out
  const auto s = exp->stats();
  CHECK(s.spans_failed == 3);
  CHECK(s.retries > 0);  // it did retry while there was time
}

TEST_CASE("an invalid endpoint throws without naming header values", "[otlp]") {
  otlp::OtlpExporterOptions options;
  options.endpoint = "ftp://example.com/v1/traces";
  options.headers = {{"authorization", "Bearer hunter2"}};
  try {
    otlp::OtlpHttpExporter exporter(options);
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
}
