#include "agentrace/tracing/span_data.hpp"

#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "agentrace/tracing/propagation.hpp"
#include "env.hpp"

#ifndef AGENTRACE_VERSION
#define AGENTRACE_VERSION "0.0.0"
#endif

namespace agentrace::tracing {

std::string_view to_string(SpanKind kind) noexcept {
  switch (kind) {
    case SpanKind::internal: return "internal";
    case SpanKind::server: return "server";
    case SpanKind::client: return "client";
    case SpanKind::producer: return "producer";
    case SpanKind::consumer: return "consumer";
  }
  return "internal";
}

std::string_view to_string(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::unset: return "unset";
    case StatusCode::ok: return "ok";
    case StatusCode::error: return "error";
  }
  return "unset";
}

bool from_string(std::string_view text, SpanKind& out) noexcept {
  for (auto k : {SpanKind::internal, SpanKind::server, SpanKind::client, SpanKind::producer, SpanKind::consumer}) {
    if (to_string(k) == text) {
      out = k;
      return true;
    }
  }
  return false;
}

bool from_string(std::string_view text, StatusCode& out) noexcept {
  for (auto c : {StatusCode::unset, StatusCode::ok, StatusCode::error}) {
    if (to_string(c) == text) {
      out = c;
      return true;
    }
  }
  return false;
}

const SpanSource& SpanSource::intern(Resource resource, InstrumentationScope scope) {
  // A deque never moves its elements, so the references handed out stay valid. The set of
  // distinct (resource, scope) pairs in a process is small; lookups happen when tracers are
  // made and when traces are read back, never per span.
  static std::mutex mutex;
  static std::deque<SpanSource> sources;
  std::lock_guard lock(mutex);
  for (const auto& s : sources) {
    if (s.resource == resource && s.scope == scope) return s;
  }
  return sources.emplace_back(SpanSource{std::move(resource), std::move(scope)});
}

const SpanSource& SpanSource::empty() noexcept {
  static const SpanSource none{};
  return none;
}

SpanLimits SpanLimits::from_env() {
  SpanLimits limits;
  auto apply = [](const char* specific, const char* general, std::size_t& field) {
    if (auto v = env_uint(specific)) {
      field = static_cast<std::size_t>(*v);
    } else if (general != nullptr) {
      if (auto g = env_uint(general)) field = static_cast<std::size_t>(*g);
    }
  };
  apply("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT", limits.attribute_count);
  apply("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", limits.attribute_value_length);
  apply("OTEL_SPAN_EVENT_COUNT_LIMIT", nullptr, limits.event_count);
  apply("OTEL_SPAN_LINK_COUNT_LIMIT", nullptr, limits.link_count);
  apply("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", nullptr, limits.attributes_per_event);
  apply("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", nullptr, limits.attributes_per_link);
  return limits;
}

namespace {

// Written with append: GCC 12 at -O3 warns falsely (-Wrestrict) on `"'" + std::string(...)`.
std::string quoted(std::string_view item, std::string_view complaint) {
  std::string out;
  out.reserve(item.size() + complaint.size() + 3);
  out.append("'").append(item).append("' ").append(complaint);
  return out;
}

}  // namespace

Attributes parse_key_value_list(std::string_view text, std::vector<std::string>* errors) {
  Attributes out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = detail::trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    std::string_view key = detail::trim(item.substr(0, eq));
    if (eq == std::string_view::npos || key.empty()) {
      if (errors) errors->push_back(quoted(item, "is not key=value"));
      continue;
    }
    auto value = percent_decode(detail::trim(item.substr(eq + 1)));
    auto decoded_key = percent_decode(key);
    if (!value || !decoded_key) {
      if (errors) errors->push_back(quoted(item, "has a bad percent escape"));
      continue;
    }
    bool replaced = false;
    for (auto& a : out) {
      if (a.key == *decoded_key) {
        a.value = std::move(*value);
        replaced = true;
      }
    }
    if (!replaced) out.emplace_back(*decoded_key, std::move(*value));
  }
  return out;
}

namespace {

std::string executable_name() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{} : path.filename().string();
}

void upsert(Attributes& attrs, std::string_view key, AttributeValue value) {
  for (auto& a : attrs) {
    if (a.key == key) {
      a.value = std::move(value);
      return;
    }
  }
  attrs.emplace_back(key, std::move(value));
}

}  // namespace

Resource default_resource() {
  Resource resource;
  upsert(resource.attributes, "telemetry.sdk.name", std::string("agentrace"));
  upsert(resource.attributes, "telemetry.sdk.language", std::string("cpp"));
  upsert(resource.attributes, "telemetry.sdk.version", std::string(AGENTRACE_VERSION));
  if (auto text = env_string("OTEL_RESOURCE_ATTRIBUTES")) {
    std::vector<std::string> errors;
    for (auto& a : parse_key_value_list(*text, &errors)) upsert(resource.attributes, a.key, std::move(a.value));
    for (const auto& e : errors) warn_once("OTEL_RESOURCE_ATTRIBUTES: " + e + "; skipped");
  }
  if (auto name = env_string("OTEL_SERVICE_NAME")) {
    upsert(resource.attributes, "service.name", *name);
  } else if (find_attribute(resource.attributes, "service.name") == nullptr) {
    const std::string exe = executable_name();
    upsert(resource.attributes, "service.name", exe.empty() ? std::string("unknown_service") : "unknown_service:" + exe);
  }
  return resource;
}

}  // namespace agentrace::tracing
