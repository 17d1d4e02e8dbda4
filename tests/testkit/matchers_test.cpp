// The span matchers and the failure messages of every matcher: a failing test must say what the
// span or the tree held, in lines the console reporter does not wrap.
#include <catch2/catch.hpp>

#include <sstream>

#include "agentrace/testkit/catch2.hpp"

using namespace agentrace;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;
using testkit::HasAttribute;
using testkit::HasSpans;
using testkit::HasStatus;
using testkit::SpanTree;
using tracing::SpanData;
using tracing::SpanId;
using tracing::StatusCode;
using tracing::TraceId;

namespace {

const TraceId t1 = *TraceId::from_hex("11111111111111111111111111111111");
const TraceId t2 = *TraceId::from_hex("22222222222222222222222222222222");

SpanData span(std::string name, std::uint8_t id, std::uint8_t parent, std::uint64_t start, TraceId trace = t1) {
  SpanData s;
  s.trace_id = trace;
  s.span_id = SpanId(std::array<std::uint8_t, 8>{0, 0, 0, 0, 0, 0, 0, id});
  if (parent != 0) s.parent_span_id = SpanId(std::array<std::uint8_t, 8>{0, 0, 0, 0, 0, 0, 0, parent});
  s.name = std::move(name);
  s.start_unix_ns = start;
  s.end_unix_ns = start + 10;
  return s;
}

SpanData tool_span() {
  SpanData s = span("execute_tool add", 4, 3, 40);
  s.attributes.emplace_back("agentrace.tool.error_kind", "invalid_arguments");
  s.attributes.emplace_back("gen_ai.tool.call.id", "call_1");
  s.attributes.emplace_back("agentrace.step.number", 2);
  s.attributes.emplace_back("agentrace.usage.share", 0.5);
  s.attributes.emplace_back("agentrace.memory.hit", false);
  s.attributes.emplace_back("gen_ai.response.finish_reasons", std::vector<std::string>{"stop", "length"});
  s.status = {StatusCode::error, "missing required argument 'b'"};
  return s;
}

// A matcher's description after it matched `value`: what Catch prints beside the value.
template <typename Matcher, typename T>
std::string described(const Matcher& matcher, const T& value) {
  (void)matcher.match(value);
  return matcher.toString();
}

// What Catch's console reporter would print for the expansion: the value, then the description.
template <typename Matcher, typename T>
std::string expansion(const Matcher& matcher, const T& value) {
  return Catch::Detail::stringify(value) + " " + described(matcher, value);
}

void check_lines_fit(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    // The first line is prose (the value and what was expected); the rest is what was found.
    if (!first) CHECK(line.size() <= testkit::message_width);
    first = false;
  }
}

// A root with 3 steps; step 2 has 5 tool calls, 4 of them `execute_tool add`.
SpanTree agent_tree() {
  std::vector<SpanData> spans{span("invoke_agent worker", 1, 0, 0), span("step 1", 2, 1, 10), span("step 2", 3, 1, 20),
                              span("step 3", 9, 1, 90), span("chat scripted", 10, 3, 21)};
  for (std::uint8_t i = 0; i < 4; ++i) spans.push_back(span("execute_tool add", static_cast<std::uint8_t>(20 + i), 3, 30 + i));
  spans.push_back(span("execute_tool multiply", 30, 3, 50));
  spans[5].status = {StatusCode::error, std::string(300, 'x')};  // the first add, the one with a child
  spans.push_back(span("memory get", 31, 20, 31));
  return SpanTree(std::move(spans));
}

}  // namespace

TEST_CASE("testkit: HasAttribute matches a key, or a key and a value of the same type", "[testkit]") {
  const SpanData s = tool_span();
  CHECK_THAT(s, HasAttribute("agentrace.tool.error_kind"));
  CHECK_THAT(s, HasAttribute("agentrace.tool.error_kind", "invalid_arguments"));
  CHECK_THAT(s, HasAttribute("agentrace.tool.error_kind", std::string("invalid_arguments")));
  CHECK_THAT(s, HasAttribute("agentrace.tool.error_kind", std::string_view("invalid_arguments")));
  CHECK_THAT(s, HasAttribute("agentrace.step.number", 2));  // any integer is an int64
  CHECK_THAT(s, HasAttribute("agentrace.step.number", std::uint8_t{2}));
  CHECK_THAT(s, HasAttribute("agentrace.usage.share", 0.5));
  CHECK_THAT(s, HasAttribute("agentrace.memory.hit", false));
  CHECK_THAT(s, HasAttribute("gen_ai.response.finish_reasons", std::vector<std::string>{"stop", "length"}));
  CHECK_THAT(s, !HasAttribute("agentrace.tool.error_kind", "execution"));
  CHECK_THAT(s, !HasAttribute("agentrace.step.number", 2.0));  // a double is not the integer 2
  CHECK_THAT(s, !HasAttribute("agentrace.step.number", "2"));
  CHECK_THAT(s, !HasAttribute("agentrace.memory.hit", 0));
  CHECK_THAT(s, !HasAttribute("agentrace.missing"));
  CHECK_THAT(s, HasAttribute("gen_ai.tool.call.id", "call_1") && HasStatus(StatusCode::error));
  // The schema's key constants work as keys.
  const tracing::AttributeKey key = "agentrace.tool.error_kind";
  CHECK_THAT(s, HasAttribute(key, "invalid_arguments"));
}

TEST_CASE("testkit: a failed HasAttribute shows the span's actual value or its keys", "[testkit]") {
  const SpanData s = tool_span();
  CHECK(expansion(HasAttribute("agentrace.tool.error_kind", "execution"), s) ==
        "span \"execute_tool add\" has attribute agentrace.tool.error_kind\n  expected: \"execution\"\n"
        "  actual: \"invalid_arguments\"");
  CHECK(described(HasAttribute("agentrace.step.number", 2.0), s) ==
        "has attribute agentrace.step.number\n  expected: 2.0\n  actual: 2");
  CHECK(described(HasAttribute("agentrace.step.number", "2"), s) ==
        "has attribute agentrace.step.number\n  expected: \"2\"\n  actual: 2");
  CHECK(described(HasAttribute("agentrace.memory.hit", true), s) == "has attribute agentrace.memory.hit\n  expected: true\n  actual: false");
  CHECK(described(HasAttribute("gen_ai.response.finish_reasons", std::vector<std::string>{"stop"}), s) ==
        "has attribute gen_ai.response.finish_reasons\n  expected: [\"stop\"]\n  actual: [\"stop\", \"length\"]");
  // Absent: the keys the span has, packed into lines that fit.
  const std::string absent = described(HasAttribute("agentrace.tool.error_type"), s);
  CHECK(absent ==
        "has attribute agentrace.tool.error_type\n"
        "  actual: absent; the span has:\n"
        "    agentrace.tool.error_kind gen_ai.tool.call.id agentrace.step.number\n"
        "    agentrace.usage.share agentrace.memory.hit\n"
        "    gen_ai.response.finish_reasons");
  check_lines_fit(absent);
  CHECK(described(HasAttribute("k"), span("bare", 1, 0, 0)) == "has attribute k\n  actual: absent; the span has no attributes");

  // A long value is cut, its line within the width; control characters are shown, not sent.
  SpanData chatty = span("chat m", 1, 0, 0);
  chatty.attributes.emplace_back("output.value", "line one\nline two " + std::string(200, 'z'));
  const std::string long_value = described(HasAttribute("output.value", "short"), chatty);
  CHECK_THAT(long_value, StartsWith("has attribute output.value\n  expected: \"short\"\n  actual: \"line one\\nline two zzz"));
  CHECK_THAT(long_value, EndsWith("zzz...\""));
  check_lines_fit(long_value);
  CHECK(long_value.substr(long_value.rfind('\n') + 1).size() == testkit::message_width);
  check_lines_fit(described(HasAttribute("output.value", std::string(300, 'q')), chatty));  // the expected value too

  // Many keys: the first lines of them, and a count of the rest.
  SpanData crowded = span("crowded", 1, 0, 0);
  for (int i = 0; i < 60; ++i) crowded.attributes.emplace_back("attribute.number." + std::to_string(i), i);
  const std::string many = described(HasAttribute("absent.key"), crowded);
  check_lines_fit(many);
  CHECK_THAT(many, Contains("attribute.number.0 ") && EndsWith(" more"));
  CHECK(std::count(many.begin(), many.end(), '\n') == 8);  // description, actual, 6 lines of keys, the count
}

TEST_CASE("testkit: HasStatus matches the code and shows the actual status", "[testkit]") {
  SpanData s = tool_span();
  CHECK_THAT(s, HasStatus(StatusCode::error));
  CHECK_THAT(s, !HasStatus(StatusCode::ok) && !HasStatus(StatusCode::unset));
  const std::string error = expansion(HasStatus(StatusCode::ok), s);
  CHECK(error ==
        "span \"execute_tool add\" has status ok\n"
        "  actual: error \"missing required argument 'b'\"");
  s.status.description = std::string(500, 'd');
  const std::string long_error = described(HasStatus(StatusCode::unset), s);
  CHECK_THAT(long_error, StartsWith("has status unset\n  actual: error \"ddd") && EndsWith("ddd...\""));
  check_lines_fit(long_error);
  s.status = {};
  CHECK(described(HasStatus(StatusCode::error), s) == "has status error\n  actual: unset");
  s.status.code = StatusCode::ok;
  CHECK(described(HasStatus(StatusCode::error), s) == "has status error\n  actual: ok");
}

TEST_CASE("testkit: a failed HasSpans says how many it found and shows only their branch", "[testkit]") {
  const SpanTree tree = agent_tree();
  // The error status of the first add is cut with its line at the width: 36 bytes before it.
  const std::string cut_x(testkit::message_width - 36 - 3, 'x');
  CHECK_THAT(tree, HasSpans("invoke_agent worker/step 2/execute_tool add", 4));

  // Too few expected: the found spans marked among their siblings, under their ancestors; step
  // 1, step 3 and the tools' children are left out (and counted where a list is partial).
  const std::string wrong_count = expansion(HasSpans("invoke_agent worker/step 2/execute_tool add", 2), tree);
  CHECK(wrong_count ==
        "a tree of 11 spans has 2 spans at\n'invoke_agent worker/step 2/execute_tool add'\n"
        "found 4 (marked >):\n"
        "  invoke_agent worker\n"
        "  |-- step 2\n"
        "  |   |-- chat scripted\n"
        "> |   |-- execute_tool add  [error \"" + cut_x + "...\n"
        "> |   |-- execute_tool add\n"
        "> |   |-- execute_tool add\n"
        "> |   |-- execute_tool add\n"
        "  |   `-- execute_tool multiply\n"
        "  `-- ... 2 more");
  check_lines_fit(wrong_count);

  // The path stops matching: the deepest spans it reached, marked, with the children it looked among.
  const std::string stopped = described(HasSpans("invoke_agent worker/step 2/execute_tool divide", 1), tree);
  CHECK(stopped ==
        "has 1 span at\n'invoke_agent worker/step 2/execute_tool divide'\n"
        "found 0: 'invoke_agent worker/step 2' finds 1 span (marked >),\n"
        "none with a child named 'execute_tool divide':\n"
        "  invoke_agent worker\n"
        "> |-- step 2\n"
        "  |   |-- chat scripted\n"
        "  |   |-- execute_tool add  [error \"" + cut_x + "...\n"
        "  |   |-- execute_tool add\n"
        "  |   |-- execute_tool add\n"
        "  |   |-- execute_tool add\n"
        "  |   `-- execute_tool multiply\n"
        "  `-- ... 2 more");

  // Nothing matches the first name: the roots and their children, and a hint when the name
  // exists below a root.
  const std::string unrooted = described(HasSpans("step 2/execute_tool add", 4), tree);
  CHECK(unrooted ==
        "has 4 spans at\n'step 2/execute_tool add'\n"
        "found 0: no root is named 'step 2'\n"
        "(a path starts at a root; **/ starts it at any depth); the roots:\n"
        "  invoke_agent worker\n"
        "  |-- step 1\n"
        "  |-- step 2\n"
        "  `-- step 3");
  CHECK(described(HasSpans("**/execute_tool divide", 1), tree) ==
        "has 1 span at\n'**/execute_tool divide'\n"
        "found 0: no span is named 'execute_tool divide'; the roots:\n"
        "  invoke_agent worker\n"
        "  |-- step 1\n"
        "  |-- step 2\n"
        "  `-- step 3");

  // At any depth: the found spans wherever they are, each under its own ancestors.
  const std::string anywhere = described(HasSpans("**/memory get", 2), tree);
  CHECK(anywhere ==
        "has 2 spans at\n'**/memory get'\n"
        "found 1 (marked >):\n"
        "  invoke_agent worker\n"
        "  |-- step 2\n"
        "  |   |-- execute_tool add  [error \"" + cut_x + "...\n"
        "> |   |   `-- memory get\n"
        "  |   `-- ... 5 more\n"
        "  `-- ... 2 more");
}

TEST_CASE("testkit: a failed HasSpans over many spans shows a bounded number of lines", "[testkit]") {
  std::vector<SpanData> spans{span("invoke_agent wide", 1, 0, 0)};
  for (std::uint8_t i = 0; i < 60; ++i) spans.push_back(span("execute_tool ping", static_cast<std::uint8_t>(10 + i), 1, 1 + i));
  const SpanTree tree(std::move(spans));
  const std::string text = described(HasSpans("**/execute_tool ping", 1), tree);
  CHECK_THAT(text, StartsWith("has 1 span at\n'**/execute_tool ping'\nfound 60 (marked >):\n  invoke_agent wide\n"));
  CHECK_THAT(text, EndsWith("\n> |-- execute_tool ping\n... 21 more lines"));  // 40 lines, then a count
  CHECK(std::count(text.begin(), text.end(), '\n') == 3 + 40);
}

TEST_CASE("testkit: the tree matchers' failures name the spans at fault", "[testkit]") {
  std::vector<SpanData> spans{span("invoke_agent a", 1, 0, 0), span("step 1", 2, 1, 5), span("lost", 3, 9, 6)};
  spans[1].end_unix_ns = 0;
  const SpanTree tree(std::move(spans));
  CHECK(expansion(testkit::AllSpansEnded(), tree) == "a tree of 3 spans has every span ended\n  unended: invoke_agent a/step 1");
  CHECK(described(testkit::NoOrphans(), tree) == "has no orphan span\n  orphan: lost");
  CHECK(described(testkit::SingleTrace(), tree) == "is one trace\n  actual: 1 trace");
  const SpanTree two({span("a", 1, 0, 0), span("b", 1, 0, 5, t2)});
  CHECK(described(testkit::SingleTrace(), two) == "is one trace\n  actual: 2 traces, with the roots\n  a\n  b");
  CHECK(expansion(testkit::NoOrphans(), SpanTree({span("x", 1, 0, 0)})) == "a tree of 1 span has no orphan span");
  // A reused matcher describes the value it matched last.
  const auto ended = testkit::AllSpansEnded();
  CHECK_FALSE(ended.match(tree));
  CHECK_THAT(ended.toString(), Contains("unended"));
  CHECK(ended.match(two));
  CHECK(ended.toString() == "has every span ended");
}

TEST_CASE("testkit: SpanTree::path and SpanTree::one's error explain themselves", "[testkit]") {
  const SpanTree tree = agent_tree();
  CHECK(tree.path(tree.one("**/memory get")) == "invoke_agent worker/step 2/execute_tool add/memory get");
  CHECK(tree.path(tree.one("invoke_agent worker")) == "invoke_agent worker");
  CHECK_THROWS_WITH(tree.one("**/execute_tool add"),
                    StartsWith("expected exactly one span at '**/execute_tool add'; found 4 (marked >):\n") &&
                        Contains("> |   |-- execute_tool add\n") && !Contains("step 1"));
  CHECK(tree.explain("") == "found 0: the path is empty");
  CHECK(SpanTree({}).explain("a") == "found 0: the tree has no spans");
}
