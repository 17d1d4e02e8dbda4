// The inspection model on traces no writer of ours produces but a file can hold: parent chains
// that loop (a span its own ancestor, a run its own descendant), chains 100,000 spans deep, and
// token counts near 2^63. Each must build, render and serialise in bounded time and stack, and
// report what is wrong as a gap.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "agentrace/inspect/json.hpp"
#include "agentrace/inspect/model.hpp"
#include "agentrace/inspect/text.hpp"
#include "agentrace/schema/names.hpp"

using namespace agentrace;
using tracing::SpanData;

namespace {

constexpr std::uint64_t t0 = 1'700'000'000'000'000'000ULL;

tracing::SpanId id(std::uint64_t n) {
  std::array<std::uint8_t, tracing::SpanId::size> bytes{};
  n += 1;  // 0 is the invalid id
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[bytes.size() - 1 - i] = static_cast<std::uint8_t>(n >> (8 * i));
  return tracing::SpanId(bytes);
}

tracing::TraceId trace() {
  std::array<std::uint8_t, tracing::TraceId::size> bytes{};
  bytes.fill(0x4b);
  return tracing::TraceId(bytes);
}

// Span `n` named `name`, its parent span `parent` (npos: a root), started n microseconds in.
SpanData span(std::uint64_t n, std::uint64_t parent, std::string name) {
  SpanData s;
  s.trace_id = trace();
  s.span_id = id(n);
  if (parent != std::numeric_limits<std::uint64_t>::max()) s.parent_span_id = id(parent);
  s.name = std::move(name);
  s.start_unix_ns = t0 + n * 1000;
  s.end_unix_ns = t0 + 10'000'000'000ULL - n;
  return s;
}

constexpr std::uint64_t root = std::numeric_limits<std::uint64_t>::max();

std::size_t count_kind(const inspect::TraceView& v, inspect::Gap::Kind kind) {
  std::size_t n = 0;
  for (const auto& g : v.gaps) n += g.kind == kind ? 1 : 0;
  return n;
}

// Everything `agentrace view` and `list` do with a view.
void render_everything(const inspect::TraceView& v) {
  CHECK_FALSE(inspect::render_summary(v).empty());
  (void)inspect::render_iteration(v, 1);
  (void)inspect::render_messages(v);
  CHECK(inspect::to_json(v).is_object());
}

}  // namespace

TEST_CASE("inspect: a parent cycle is a gap, and the views build and render", "[inspect][bounded]") {
  // 0 -> 1 -> 2 -> 0: a loop of steps and an agent, reachable from no root.
  std::vector<SpanData> spans{span(0, 2, "invoke_agent looped"), span(1, 0, "step 1"), span(2, 1, "execute_tool t")};
  inspect::BuildStats stats;
  const auto views = inspect::build_trace_views(spans, &stats);
  REQUIRE(views.size() == 1);
  const auto& v = views.front();
  CHECK_FALSE(v.complete());
  CHECK(count_kind(v, inspect::Gap::Kind::parent_cycle) == 1);
  REQUIRE(v.runs.size() == 1);
  CHECK(v.runs[0].agent == "looped");
  CHECK_FALSE(v.runs[0].parent_run);
  REQUIRE(v.runs[0].iterations.size() == 1);
  render_everything(v);
  const std::string summary = inspect::render_summary(v);
  CHECK(summary.find("parent cycle") != std::string::npos);
  CHECK(inspect::to_json(v)["gaps"][0]["kind"] == "parent_cycle");
  CHECK(stats.parent_steps <= 4 * spans.size());
}

TEST_CASE("inspect: a span that is its own parent is a gap", "[inspect][bounded]") {
  std::vector<SpanData> spans{span(0, root, "invoke_agent a"), span(1, 0, "step 1"), span(2, 2, "execute_tool self")};
  const auto views = inspect::build_trace_views(spans);
  REQUIRE(views.size() == 1);
  CHECK(count_kind(views.front(), inspect::Gap::Kind::parent_cycle) == 1);
  render_everything(views.front());
}

TEST_CASE("inspect: a run that is its own descendant renders with --step", "[inspect][bounded]") {
  // invoke_agent a (parent: 3) -> step 1 -> execute_tool b -> invoke_agent b (parent 2) -> step 1
  // and the managed agent's tool 5 is a's parent: a's run would be its own grandchild.
  std::vector<SpanData> spans{span(0, 5, "invoke_agent a"), span(1, 0, "step 1"), span(2, 1, "execute_tool b"),
                              span(3, 2, "invoke_agent b"), span(4, 3, "step 1"), span(5, 4, "execute_tool a")};
  const auto views = inspect::build_trace_views(spans);
  REQUIRE(views.size() == 1);
  const auto& v = views.front();
  CHECK(count_kind(v, inspect::Gap::Kind::parent_cycle) == 1);
  REQUIRE(v.runs.size() == 2);
  for (std::size_t i = 0; i < v.runs.size(); ++i) {
    if (v.runs[i].parent_run) CHECK(*v.runs[i].parent_run < i);
  }
  const auto step = inspect::render_iteration(v, 1, "a");
  REQUIRE(step);
  CHECK(step->find("child agent") != std::string::npos);
  render_everything(v);
}

TEST_CASE("inspect: loops and missing parents in one trace, every span kept", "[inspect][bounded]") {
  std::vector<SpanData> spans;
  // A healthy run, a loop of 50 steps beside it, and a step whose parent is missing.
  spans.push_back(span(0, root, "invoke_agent ok"));
  spans.push_back(span(1, 0, "step 1"));
  for (std::uint64_t i = 10; i < 60; ++i) spans.push_back(span(i, i == 10 ? 59 : i - 1, "step " + std::to_string(i)));
  spans.push_back(span(100, 99, "step 1"));
  inspect::BuildStats stats;
  const auto views = inspect::build_trace_views(spans, &stats);
  REQUIRE(views.size() == 1);
  CHECK(count_kind(views.front(), inspect::Gap::Kind::parent_cycle) == 1);
  CHECK(count_kind(views.front(), inspect::Gap::Kind::missing_parent) == 1);
  CHECK(views.front().totals.spans == spans.size());
  CHECK(stats.parent_steps <= 4 * spans.size());
  render_everything(views.front());
}

TEST_CASE("inspect: a chain of 3,000 nested agent runs builds and renders in linear steps", "[inspect][bounded]") {
  // invoke_agent -> step 1 -> execute_tool -> invoke_agent -> ...: legal, absurdly deep.
  constexpr std::uint64_t levels = 3000;
  std::vector<SpanData> spans;
  spans.reserve(3 * levels);
  for (std::uint64_t l = 0; l < levels; ++l) {
    const std::uint64_t base = 3 * l;
    spans.push_back(span(base, l == 0 ? root : base - 1, "invoke_agent a" + std::to_string(l)));
    spans.push_back(span(base + 1, base, "step 1"));
    spans.push_back(span(base + 2, base + 1, "execute_tool a" + std::to_string(l + 1)));
  }
  inspect::BuildStats stats;
  const auto views = inspect::build_trace_views(spans, &stats);
  REQUIRE(views.size() == 1);
  const auto& v = views.front();
  CHECK(v.complete());
  CHECK(v.runs.size() == levels);
  CHECK(stats.parent_steps <= 4 * spans.size());
  const std::string summary = inspect::render_summary(v);
  // Indentation stops growing at the drawn depth limit: the text stays linear in the runs.
  CHECK(summary.size() < 1000 * levels);
  CHECK(summary.find("a2999") != std::string::npos);
  const auto step = inspect::render_iteration(v, 1);
  REQUIRE(step);
  CHECK(step->size() < 1000 * levels);
  CHECK(inspect::to_json(v)["runs"].size() == levels);
}

TEST_CASE("inspect: many managed runs under one deep chain are located in linear steps", "[inspect][bounded]") {
  // One agent, a 5,000-span chain of its own spans under its step's tool, and 5,000 managed
  // agents at the bottom: each looks up the same chain for its parent run.
  std::vector<SpanData> spans{span(0, root, "invoke_agent top"), span(1, 0, "step 1"), span(2, 1, "execute_tool deep")};
  constexpr std::uint64_t chain = 5000;
  for (std::uint64_t i = 3; i < 3 + chain; ++i) spans.push_back(span(i, i - 1, "inner"));
  for (std::uint64_t i = 3 + chain; i < 3 + 2 * chain; ++i) spans.push_back(span(i, 2 + chain, "invoke_agent leaf"));
  inspect::BuildStats stats;
  const auto views = inspect::build_trace_views(spans, &stats);
  REQUIRE(views.size() == 1);
  CHECK(views.front().runs.size() == chain + 1);
  CHECK(stats.parent_steps <= 4 * spans.size());
  for (std::size_t i = 1; i < views.front().runs.size(); ++i) CHECK(views.front().runs[i].parent_run == 0u);
}

TEST_CASE("inspect: 20,000 orphan steps are grouped in linear steps", "[inspect][bounded]") {
  std::vector<SpanData> spans;
  for (std::uint64_t i = 0; i < 20000; ++i) spans.push_back(span(2 * i, 2 * i + 1, "step 1"));  // parents missing
  inspect::BuildStats stats;
  const auto views = inspect::build_trace_views(spans, &stats);
  REQUIRE(views.size() == 1);
  CHECK(views.front().runs.size() == 20000);
  CHECK(stats.orphan_lookups <= spans.size());
}

TEST_CASE("inspect: token counts near 2^63 saturate instead of overflowing", "[inspect][bounded]") {
  constexpr auto big = std::numeric_limits<std::int64_t>::max() - 1;
  std::vector<SpanData> spans{span(0, root, "invoke_agent a"), span(1, 0, "step 1"), span(2, 1, "chat m"),
                              span(3, 1, "chat m")};
  for (std::size_t i : {2u, 3u}) {
    spans[i].attributes.emplace_back(schema::attr::usage_input_tokens, std::int64_t{big});
    spans[i].attributes.emplace_back(schema::attr::usage_output_tokens, std::int64_t{big});
  }
  spans[1].attributes.emplace_back(schema::attr::step_number, std::int64_t{1});
  const auto views = inspect::build_trace_views(spans);
  REQUIRE(views.size() == 1);
  const auto& v = views.front();
  CHECK(v.totals.total.input == std::numeric_limits<std::int64_t>::max());
  CHECK(v.runs[0].own.output == std::numeric_limits<std::int64_t>::max());
  render_everything(v);
}
