// OtlpExporterOptions::from_env and make_exporter_from_env: every variable valid, invalid and
// empty; warnings are captured from the library's logger.
#include <catch2/catch.hpp>

#include <array>
#include <sstream>
#include <string_view>

#include "agentrace/formats/jsonl.hpp"
#include "agentrace/otlp/otlp_exporter.hpp"
#include "agentrace/tracing/console_exporter.hpp"
#include "support/test_support.hpp"

namespace otlp = agentrace::otlp;
using agentrace::testing::LogCapture;
using agentrace::testing::ScopedEnv;
using namespace std::chrono_literals;

namespace {

// Every variable unset, so a case sets only what it tests.
struct CleanEnv {
  ScopedEnv v1{"OTEL_EXPORTER_OTLP_ENDPOINT", nullptr};
  ScopedEnv v2{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", nullptr};
  ScopedEnv v3{"OTEL_EXPORTER_OTLP_PROTOCOL", nullptr};
  ScopedEnv v4{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", nullptr};
  ScopedEnv v5{"OTEL_EXPORTER_OTLP_HEADERS", nullptr};
  ScopedEnv v6{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", nullptr};
  ScopedEnv v7{"OTEL_EXPORTER_OTLP_TIMEOUT", nullptr};
  ScopedEnv v8{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", nullptr};
  ScopedEnv v9{"OTEL_EXPORTER_OTLP_COMPRESSION", nullptr};
  ScopedEnv v10{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", nullptr};
  ScopedEnv v11{"OTEL_EXPORTER_OTLP_CERTIFICATE", nullptr};
  ScopedEnv v12{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", nullptr};
  ScopedEnv v13{"OTEL_TRACES_EXPORTER", nullptr};
  ScopedEnv v14{"AGENTRACE_TRACE_DIR", nullptr};
};

}  // namespace

TEST_CASE("from_env defaults: localhost:4318, http/protobuf, 10 s, no headers, no compression", "[otlp]") {
  CleanEnv env;
  const auto o = otlp::OtlpExporterOptions::from_env();
  CHECK(o.endpoint == "http://localhost:4318/v1/traces");
  CHECK(o.protocol == otlp::Protocol::http_protobuf);
  CHECK(o.timeout == 10'000ms);
  CHECK(o.headers.empty());
  CHECK(o.compression == otlp::Compression::none);
}

TEST_CASE("OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces, the TRACES_ variant is used as given and wins", "[otlp]") {
  CleanEnv env;
  {
    ScopedEnv e("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
    CHECK(otlp::OtlpExporterOptions::from_env().endpoint == "http://collector:4318/v1/traces");
  }
  {
    ScopedEnv e("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318/base/");
    CHECK(otlp::OtlpExporterOptions::from_env().endpoint == "https://collector:4318/base/v1/traces");
  }
  {
    ScopedEnv e("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
    ScopedEnv t("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://phoenix:6006/custom");
    CHECK(otlp::OtlpExporterOptions::from_env().endpoint == "http://phoenix:6006/custom");
  }
  {
    ScopedEnv e("OTEL_EXPORTER_OTLP_ENDPOINT", "");
    ScopedEnv t("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "");
    CHECK(otlp::OtlpExporterOptions::from_env().endpoint == "http://localhost:4318/v1/traces");
  }
  {
    LogCapture log;
    ScopedEnv t("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "grpc://nowhere:1");
    CHECK(otlp::OtlpExporterOptions::from_env().endpoint == "http://localhost:4318/v1/traces");
    CHECK(log.text().find("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is not an http(s) URL") != std::string::npos);
  }
  {
    LogCapture log;
    ScopedEnv e("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url");
    CHECK(otlp::OtlpExporterOptions::from_env().endpoint == "http://localhost:4318/v1/traces");
    CHECK(log.text().find("OTEL_EXPORTER_OTLP_ENDPOINT is not an http(s) URL") != std::string::npos);
  }
}

TEST_CASE("OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL", "[otlp]") {
  CleanEnv env;
  {
    ScopedEnv p("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
    CHECK(otlp::OtlpExporterOptions::from_env().protocol == otlp::Protocol::http_json);
    ScopedEnv t("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf");
    CHECK(otlp::OtlpExporterOptions::from_env().protocol == otlp::Protocol::http_protobuf);
  }
  {
    ScopedEnv t("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json");
    CHECK(otlp::OtlpExporterOptions::from_env().protocol == otlp::Protocol::http_json);
  }
  {
    ScopedEnv t("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "");
    ScopedEnv p("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
    CHECK(otlp::OtlpExporterOptions::from_env().protocol == otlp::Protocol::http_json);
  }
  {
    LogCapture log;
    ScopedEnv p("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    CHECK(otlp::OtlpExporterOptions::from_env().protocol == otlp::Protocol::http_protobuf);
    CHECK(otlp::OtlpExporterOptions::from_env().protocol == otlp::Protocol::http_protobuf);
    const auto text = log.text();
    const auto first = text.find("only OTLP over HTTP is supported");
    CHECK(first != std::string::npos);
    CHECK(text.find("only OTLP over HTTP is supported", first + 1) == std::string::npos);  // once
  }
  {
    LogCapture log;
    ScopedEnv p("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "thrift");
    CHECK(otlp::OtlpExporterOptions::from_env().protocol == otlp::Protocol::http_protobuf);
    CHECK(log.text().find("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL must be http/protobuf or http/json") != std::string::npos);
  }
}

TEST_CASE("OTEL_EXPORTER_OTLP_(TRACES_)HEADERS are percent-decoded k=v pairs, values never logged", "[otlp]") {
  CleanEnv env;
  {
    ScopedEnv h("OTEL_EXPORTER_OTLP_HEADERS", "api_key=abc%20def, x-tenant = t1");
    const auto o = otlp::OtlpExporterOptions::from_env();
    REQUIRE(o.headers.size() == 2);
    CHECK(o.headers[0] == std::pair<std::string, std::string>{"api_key", "abc def"});
    CHECK(o.headers[1] == std::pair<std::string, std::string>{"x-tenant", "t1"});
  }
  {
    ScopedEnv h("OTEL_EXPORTER_OTLP_HEADERS", "a=1");
    ScopedEnv t("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=2");
    const auto o = otlp::OtlpExporterOptions::from_env();
    REQUIRE(o.headers.size() == 1);
    CHECK(o.headers[0].first == "b");
  }
  {
    ScopedEnv h("OTEL_EXPORTER_OTLP_HEADERS", "");
    CHECK(otlp::OtlpExporterOptions::from_env().headers.empty());
  }
  {
    LogCapture log;
    ScopedEnv h("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "good=1,secretvalue-without-equals");
    const auto o = otlp::OtlpExporterOptions::from_env();
    REQUIRE(o.headers.size() == 1);
    CHECK(log.text().find("OTEL_EXPORTER_OTLP_TRACES_HEADERS") != std::string::npos);
    CHECK(log.text().find("secretvalue") == std::string::npos);
  }
}

TEST_CASE("OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT in milliseconds", "[otlp]") {
  CleanEnv env;
  {
    ScopedEnv t("OTEL_EXPORTER_OTLP_TIMEOUT", "2500");
    CHECK(otlp::OtlpExporterOptions::from_env().timeout == 2500ms);
    ScopedEnv s("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700");
    CHECK(otlp::OtlpExporterOptions::from_env().timeout == 700ms);
  }
  {
    ScopedEnv t("OTEL_EXPORTER_OTLP_TIMEOUT", "");
    CHECK(otlp::OtlpExporterOptions::from_env().timeout == 10'000ms);
  }
  {
    LogCapture log;
    ScopedEnv t("OTEL_EXPORTER_OTLP_TIMEOUT", "ten");
    CHECK(otlp::OtlpExporterOptions::from_env().timeout == 10'000ms);
    CHECK(log.text().find("OTEL_EXPORTER_OTLP_TIMEOUT") != std::string::npos);
  }
  {
    LogCapture log;
    ScopedEnv t("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "0");
    CHECK(otlp::OtlpExporterOptions::from_env().timeout == 10'000ms);
    CHECK(log.text().find("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT must be a positive") != std::string::npos);
  }
}

TEST_CASE("OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION and CERTIFICATE", "[otlp]") {
  CleanEnv env;
  {
    ScopedEnv c("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip");
    CHECK(otlp::OtlpExporterOptions::from_env().compression == otlp::Compression::gzip);
    ScopedEnv t("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none");
    CHECK(otlp::OtlpExporterOptions::from_env().compression == otlp::Compression::none);
  }
  {
    ScopedEnv c("OTEL_EXPORTER_OTLP_COMPRESSION", "");
    CHECK(otlp::OtlpExporterOptions::from_env().compression == otlp::Compression::none);
  }
  {
    LogCapture log;
    ScopedEnv c("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd");
    CHECK(otlp::OtlpExporterOptions::from_env().compression == otlp::Compression::none);
    CHECK(log.text().find("must be gzip or none") != std::string::npos);
  }
  {
    ScopedEnv c("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem");
    CHECK(otlp::OtlpExporterOptions::from_env().client.ca_file == "/etc/ca.pem");
  }
}

TEST_CASE("make_exporter_from_env follows OTEL_TRACES_EXPORTER", "[otlp]") {
  CleanEnv env;
  {
    auto e = otlp::make_exporter_from_env();  // unset: otlp, the specification's default
    CHECK(dynamic_cast<otlp::OtlpHttpExporter*>(e.get()) != nullptr);
  }
  {
    ScopedEnv x("OTEL_TRACES_EXPORTER", "");
    CHECK(dynamic_cast<otlp::OtlpHttpExporter*>(otlp::make_exporter_from_env().get()) != nullptr);
  }
  {
    ScopedEnv x("OTEL_TRACES_EXPORTER", "otlp");
    ScopedEnv p("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
    auto e = otlp::make_exporter_from_env();
    auto* o = dynamic_cast<otlp::OtlpHttpExporter*>(e.get());
    REQUIRE(o != nullptr);
    CHECK(o->options().protocol == otlp::Protocol::http_json);
  }
  {
    ScopedEnv x("OTEL_TRACES_EXPORTER", "none");
    CHECK(otlp::make_exporter_from_env() == nullptr);
  }
  {
    ScopedEnv x("OTEL_TRACES_EXPORTER", "console");
    CHECK(dynamic_cast<agentrace::tracing::ConsoleExporter*>(otlp::make_exporter_from_env().get()) != nullptr);
    // Drawn as the caller says (an agent's Runner passes the schema's key hints).
    static constexpr std::array<std::string_view, 1> first = {"outcome"};
    agentrace::tracing::RenderOptions console;
    console.width = 72;
    console.first_keys = first;
    auto e = otlp::make_exporter_from_env(console);
    auto* c = dynamic_cast<agentrace::tracing::ConsoleExporter*>(e.get());
    REQUIRE(c != nullptr);
    CHECK(c->options().width == 72);
    CHECK(c->options().first_keys.data() == first.data());
    auto collector = otlp::collector_exporter_from_env(console);
    auto* via_collector = dynamic_cast<agentrace::tracing::ConsoleExporter*>(collector.get());
    REQUIRE(via_collector != nullptr);
    CHECK(via_collector->options().first_keys.data() == first.data());
  }
  {
    ScopedEnv x("OTEL_TRACES_EXPORTER", "jsonl");
    ScopedEnv d("AGENTRACE_TRACE_DIR", "/tmp/otlp-env-test-traces");
    auto e = otlp::make_exporter_from_env();
    auto* j = dynamic_cast<agentrace::formats::TraceDirectoryExporter*>(e.get());
    REQUIRE(j != nullptr);
    CHECK(j->directory() == "/tmp/otlp-env-test-traces");
  }
  {
    LogCapture log;
    ScopedEnv x("OTEL_TRACES_EXPORTER", "zipkin, console,otlp");
    CHECK(dynamic_cast<agentrace::tracing::ConsoleExporter*>(otlp::make_exporter_from_env().get()) != nullptr);
    CHECK(log.text().find("only one exporter is supported; using console") != std::string::npos);
  }
  {
    LogCapture log;
    ScopedEnv x("OTEL_TRACES_EXPORTER", "zipkin");
    CHECK(otlp::make_exporter_from_env() == nullptr);
    CHECK(log.text().find("no supported exporter") != std::string::npos);
  }
}
