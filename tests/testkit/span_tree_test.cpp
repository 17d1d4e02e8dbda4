// The test kit must fail on bad trees as surely as it passes on good ones.
#include <catch2/catch.hpp>

#include <array>
#include <string_view>
#include <vector>

#include "agentrace/testkit/catch2.hpp"
#include "agentrace/tracing/render.hpp"

using namespace agentrace;
using testkit::SpanTree;
using tracing::SpanData;
using tracing::SpanId;
using tracing::TraceId;

namespace {

SpanData span(const char* name, TraceId trace, std::uint8_t id, std::uint8_t parent, std::uint64_t start, bool ended = true) {
  SpanData s;
  s.trace_id = trace;
  s.span_id = SpanId(std::array<std::uint8_t, 8>{0, 0, 0, 0, 0, 0, 0, id});
  if (parent != 0) s.parent_span_id = SpanId(std::array<std::uint8_t, 8>{0, 0, 0, 0, 0, 0, 0, parent});
  s.name = name;
  s.start_unix_ns = start;
  s.end_unix_ns = ended ? start + 10 : 0;
  return s;
}

const TraceId t1 = *TraceId::from_hex("11111111111111111111111111111111");
const TraceId t2 = *TraceId::from_hex("22222222222222222222222222222222");

}  // namespace

TEST_CASE("span tree: paths, children and descendants", "[testkit]") {
  const SpanTree tree({span("invoke_agent a", t1, 1, 0, 100), span("step 1", t1, 2, 1, 110), span("step 2", t1, 3, 1, 150),
                       span("execute_tool x", t1, 4, 3, 160), span("execute_tool x", t1, 5, 3, 155),
                       span("execute_tool x", t1, 6, 2, 120)});
  CHECK_THAT(tree, testkit::AllSpansEnded() && testkit::NoOrphans() && testkit::SingleTrace());
  CHECK_THAT(tree, testkit::HasSpans("invoke_agent a/step 2/execute_tool x", 2));
  CHECK_THAT(tree, !testkit::HasSpans("invoke_agent a/step 2/execute_tool x", 3));
  CHECK_THAT(tree, testkit::HasSpans("**/execute_tool x", 3));
  CHECK_THAT(tree, testkit::HasSpans("step 2", 0));  // a path starts at a root unless it says **/
  const auto two = tree.at("invoke_agent a/step 2/execute_tool x");
  CHECK(two[0]->start_unix_ns == 155);  // by start time
  CHECK(tree.descendants(tree.one("invoke_agent a")).size() == 5);
  CHECK(tree.parent(*two[0])->name == "step 2");
  CHECK_THROWS_WITH(tree.one("**/execute_tool x"), Catch::Contains("found 3"));
}

TEST_CASE("span tree: orphans, unended spans and several traces are caught", "[testkit]") {
  const SpanTree orphaned({span("root", t1, 1, 0, 0), span("lost", t1, 2, 9, 5)});
  CHECK_THAT(orphaned, !testkit::NoOrphans());
  CHECK(orphaned.orphans().size() == 1);
  const SpanTree open({span("root", t1, 1, 0, 0), span("open", t1, 2, 1, 5, false)});
  CHECK_THAT(open, !testkit::AllSpansEnded());
  const SpanTree two_traces({span("a", t1, 1, 0, 0), span("b", t2, 1, 0, 0)});
  CHECK_THAT(two_traces, !testkit::SingleTrace());
  CHECK(two_traces.trace_count() == 2);
  SpanData remote_child = span("server", t1, 2, 7, 0);
  remote_child.parent_remote = true;  // a parent in another process is not an orphan
  CHECK_THAT(SpanTree({remote_child}), testkit::NoOrphans());
}

TEST_CASE("span tree: render() draws with the options the tree was given", "[testkit]") {
  SpanData root = span("job", t1, 1, 0, 0);
  root.attributes = {{"kind", "batch"}, {"items", 3}, {"outcome", "done"}};
  CHECK(SpanTree({root}).render() == tracing::render_tree(std::vector<SpanData>{root}));
  CHECK_THAT(SpanTree({root}).render(), Catch::Contains("job  10 ns  kind=batch items=3 outcome=done\n"));

  static constexpr std::array<std::string_view, 1> first = {"outcome"};
  static constexpr std::array<std::string_view, 1> hidden = {"kind"};
  tracing::RenderOptions options;
  options.first_keys = first;
  options.hidden_keys = hidden;
  const SpanTree tree({root}, options);
  CHECK_THAT(tree.render(), Catch::Contains("job  10 ns  outcome=done items=3\n"));
  // Failure messages explain the path instead (the count and the branch that matters).
  CHECK_THROWS_WITH(tree.one("missing"), Catch::Contains("found 0") && Catch::Contains("the roots:") && Catch::Contains("job"));
}
