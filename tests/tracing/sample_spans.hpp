// Spans the tests of the trace formats (tests/formats), the renderers and the in-memory exporter
// share: one with every field of SpanData set to something other than its default, and plain
// ones to build trees from.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "agentrace/tracing/span_data.hpp"

namespace agentrace::testing {

inline constexpr std::uint64_t t0 = 1'700'000'000'000'000'000ULL;  // a start time, in Unix ns
inline constexpr const char* sample_trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";

inline const tracing::SpanSource& sample_source() {
  tracing::Resource resource;
  resource.attributes = {{"service.name", "weather-bot"}, {"host.cores", std::int64_t{8}}, {"debug", true}};
  return tracing::SpanSource::intern(std::move(resource), tracing::InstrumentationScope{"agentrace.tests", "1.2.3"});
}

// A span in the sample trace, starting `start_ms` and ending `end_ms` after t0 (end_ms < 0: never
// ended), under `parent_hex` when given.
inline tracing::SpanData plain_span(std::string name, const char* span_hex, const char* parent_hex, double start_ms,
                                    double end_ms, const char* trace_hex = sample_trace_id) {
  tracing::SpanData s;
  s.trace_id = *tracing::TraceId::from_hex(trace_hex);
  s.span_id = *tracing::SpanId::from_hex(span_hex);
  if (parent_hex != nullptr) s.parent_span_id = *tracing::SpanId::from_hex(parent_hex);
  s.flags.value = tracing::TraceFlags::sampled_bit;
  s.name = std::move(name);
  s.start_unix_ns = t0 + static_cast<std::uint64_t>(start_ms * 1e6);
  s.end_unix_ns = end_ms < 0 ? 0 : t0 + static_cast<std::uint64_t>(end_ms * 1e6);
  s.source = &sample_source();
  return s;
}

// Every field set, every attribute type (and the edge values of each) present.
inline tracing::SpanData full_span() {
  using namespace agentrace::tracing;
  SpanData s = plain_span("chat gpt-4o", "00f067aa0ba902b7", "b7ad6b7169203331", 0, 250);
  s.flags.value = 0x03;
  s.parent_remote = true;
  s.trace_state = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
  s.kind = SpanKind::client;
  s.attributes = {{"flag", true},
                  {"off", false},
                  {"count", std::int64_t{-42}},
                  {"zero", std::int64_t{0}},
                  {"big", std::numeric_limits<std::int64_t>::max()},
                  {"small", std::numeric_limits<std::int64_t>::min()},
                  {"ratio", 0.1},
                  {"whole double", 1.0},
                  {"negative double", -2.5e-300},
                  {"huge", 1.7976931348623157e308},
                  {"text", "quote \" backslash \\ newline \n tab \t bell \x07 unicode \xC3\xA9\xE2\x86\x92\xF0\x9F\x99\x82"},
                  {"empty text", ""},
                  {"bools", std::vector<bool>{true, false, true}},
                  {"ints", std::vector<std::int64_t>{1, -2, std::numeric_limits<std::int64_t>::max()}},
                  {"doubles", std::vector<double>{1.0, 2.5, -0.125}},
                  {"strings", std::vector<std::string>{"a", "", "c"}},
                  {"no strings", std::vector<std::string>{}}};
  s.dropped_attributes_count = 3;
  s.events = {Event{"exception",
                    t0 + 100'000'000,
                    {{"exception.type", "TimeoutError"}, {"exception.message", "slow"}, {"retry", std::int64_t{2}}},
                    1},
              Event{"bare", t0 + 200'000'000, {}, 0}};
  s.dropped_events_count = 4;
  Link link;
  link.context.trace_id = *TraceId::from_hex("0af7651916cd43dd8448eb211c80319c");
  link.context.span_id = *SpanId::from_hex("b9c7c989f97918e1");
  link.context.flags.value = 1;
  link.context.remote = true;
  link.context.trace_state = "vendor=x";
  link.attributes = {{"link.kind", "follows"}, {"weight", 0.5}};
  link.dropped_attributes_count = 2;
  Link bare_link;
  bare_link.context.trace_id = *TraceId::from_hex("11111111111111111111111111111111");
  bare_link.context.span_id = *SpanId::from_hex("2222222222222222");
  s.links = {link, bare_link};
  s.dropped_links_count = 5;
  s.status = Status{StatusCode::error, "model timed out"};
  return s;
}

inline std::vector<const tracing::SpanData*> pointers(const std::vector<tracing::SpanData>& spans) {
  std::vector<const tracing::SpanData*> out;
  for (const auto& s : spans) out.push_back(&s);
  return out;
}

// Ids made of one byte repeated (0x1a -> "1a1a..."), for trees drawn by hand.
inline tracing::TraceId filled_trace_id(std::uint8_t fill) {
  std::array<std::uint8_t, tracing::TraceId::size> bytes{};
  bytes.fill(fill);
  return tracing::TraceId(bytes);
}

inline tracing::SpanId filled_span_id(std::uint8_t fill) {
  std::array<std::uint8_t, tracing::SpanId::size> bytes{};
  bytes.fill(fill);
  return tracing::SpanId(bytes);
}

// A span of trace `trace` with id `id` under `parent` (0: a root), from `start_ms` to `end_ms`
// milliseconds after t0.
inline tracing::SpanData numbered_span(std::uint8_t trace, std::uint8_t id, std::uint8_t parent, std::string name,
                                       std::uint64_t start_ms, std::uint64_t end_ms) {
  tracing::SpanData s;
  s.trace_id = filled_trace_id(trace);
  s.span_id = filled_span_id(id);
  if (parent != 0) s.parent_span_id = filled_span_id(parent);
  s.name = std::move(name);
  s.start_unix_ns = t0 + start_ms * 1'000'000;
  s.end_unix_ns = t0 + end_ms * 1'000'000;
  return s;
}

}  // namespace agentrace::testing
