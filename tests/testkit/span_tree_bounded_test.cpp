// SpanTree on trees no Runner makes but a test may be handed: parent loops and a chain 100,000
// spans deep. Every question finishes, and failure messages stay short.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "agentrace/testkit/span_tree.hpp"

using namespace agentrace;
using tracing::SpanData;

namespace {

tracing::SpanId id(std::uint32_t n) {
  return tracing::SpanId(std::array<std::uint8_t, 8>{1, 0, 0, 0, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                                                     static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
}

SpanData span(std::uint32_t n, std::uint32_t parent, std::string name, bool root = false) {
  SpanData s;
  s.trace_id = tracing::TraceId(std::array<std::uint8_t, 16>{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7});
  s.span_id = id(n);
  if (!root) s.parent_span_id = id(parent);
  s.name = std::move(name);
  s.start_unix_ns = 1'000'000 + n;
  s.end_unix_ns = 2'000'000'000 - n;
  return s;
}

}  // namespace

TEST_CASE("testkit: a parent loop answers every question and renders once", "[testkit][bounded]") {
  const testkit::SpanTree tree({span(1, 0, "root", true), span(2, 3, "a"), span(3, 4, "b"), span(4, 2, "c")});
  CHECK(tree.roots().size() == 1);
  CHECK(tree.orphans().empty());
  CHECK(tree.descendants(tree.spans()[1]).size() == 2);  // b and c, once each, however the loop runs
  CHECK_FALSE(tree.path(tree.spans()[1]).empty());
  CHECK(tree.at("**/a").size() == 1);
  CHECK(tree.explain("**/a/b").find("found") != std::string::npos);
  CHECK(tree.render().find("(parent cycle)") != std::string::npos);
}

TEST_CASE("testkit: a chain 20,000 spans deep explains itself in short lines", "[testkit][bounded]") {
  constexpr std::uint32_t depth = 20000;
  std::vector<SpanData> spans;
  spans.reserve(depth);
  for (std::uint32_t i = 0; i < depth; ++i) spans.push_back(span(i, i - 1, i + 1 == depth ? "leaf" : "link", i == 0));
  const testkit::SpanTree tree(std::move(spans));
  const std::string why = tree.explain("**/leaf/nothing", 100);
  CHECK(why.find("... ") != std::string::npos);  // lines left out are counted
  std::size_t widest = 0;
  for (std::size_t at = 0, end = 0; at < why.size(); at = end + 1) {
    end = why.find('\n', at);
    if (end == std::string::npos) end = why.size();
    widest = std::max(widest, end - at);
  }
  CHECK(widest <= 100 + 8);
  CHECK(tree.path(tree.spans().back()).size() == 5 * (depth - 1) + 4);
}
