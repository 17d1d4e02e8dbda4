#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/tracing/render.hpp"
#include "sample_spans.hpp"

using namespace agentrace::tracing;

namespace {

constexpr std::uint64_t base_ns = 1'700'000'000'000'000'000ULL;
constexpr std::uint64_t ms = 1'000'000;

using agentrace::testing::numbered_span;


// Ids are bytes repeated (0x1a -> "1a1a..."), times are milliseconds after a fixed epoch;
// parent 0 means a root.
SpanData make_span(std::uint8_t trace, std::uint8_t id, std::uint8_t parent, std::string name, std::uint64_t start_ms,
                   std::uint64_t end_ms) {
  return numbered_span(trace, id, parent, std::move(name), start_ms, end_ms);
}

Status error(std::string description) { return Status{StatusCode::error, std::move(description)}; }
const Status ok{StatusCode::ok, {}};

// One run of a weather agent, in the order a batch processor would export it (children first).
std::vector<SpanData> agent_run() {
  SpanData root = make_span(0x4b, 0x01, 0, "invoke_agent weather", 0, 1500);
  root.status = ok;
  root.attributes = {{"gen_ai.agent.name", "weather"}, {"gen_ai.operation.name", "invoke_agent"}};
  SpanData step1 = make_span(0x4b, 0x02, 0x01, "step 1", 0, 800);
  step1.attributes = {{"agentrace.step.number", 1}};
  SpanData chat1 = make_span(0x4b, 0x03, 0x02, "chat gpt-4o", 10, 600);
  chat1.status = ok;
  chat1.attributes = {{"gen_ai.usage.output_tokens", 30},
                      {"gen_ai.usage.input_tokens", 120},
                      {"gen_ai.request.model", "gpt-4o"},
                      {"gen_ai.operation.name", "chat"}};
  SpanData tool = make_span(0x4b, 0x04, 0x02, "execute_tool get_weather", 610, 790);
  tool.status = error("timeout");
  tool.attributes = {{"gen_ai.tool.name", "get_weather"}};
  tool.events.push_back(Event{"exception",
                              base_ns + 790 * ms,
                              {{"exception.type", "TimeoutError"}, {"exception.message", "no answer after 180 ms"}},
                              0});
  SpanData step2 = make_span(0x4b, 0x05, 0x01, "step 2", 800, 1500);
  step2.attributes = {{"agentrace.step.number", 2}};
  SpanData chat2 = make_span(0x4b, 0x06, 0x05, "chat gpt-4o", 810, 1490);
  chat2.status = ok;
  return {chat1, tool, step1, chat2, step2, root};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

std::string strip_ansi(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {
      i = text.find('m', i);
      if (i == std::string::npos) break;
      continue;
    }
    out += text[i];
  }
  return out;
}

}  // namespace

TEST_CASE("format_duration keeps three significant digits in the largest fitting unit", "[tracing][render]") {
  CHECK(format_duration(0) == "0 ns");
  CHECK(format_duration(850) == "850 ns");
  CHECK(format_duration(999) == "999 ns");
  CHECK(format_duration(1'000) == "1.00 us");
  CHECK(format_duration(9'994) == "9.99 us");
  CHECK(format_duration(9'995) == "10.0 us");  // rounding moves to the next precision, never "10.00"
  CHECK(format_duration(12'300) == "12.3 us");
  CHECK(format_duration(850'000) == "850 us");
  CHECK(format_duration(999'499) == "999 us");
  CHECK(format_duration(999'500) == "1.00 ms");  // never "1000 us"
  CHECK(format_duration(1'234'567) == "1.23 ms");
  CHECK(format_duration(2'500'000'000) == "2.50 s");
  CHECK(format_duration(999'500'000'000) == "1000 s");
  CHECK(format_duration(3'600'000'000'000) == "3600 s");
  CHECK(format_duration(std::numeric_limits<std::uint64_t>::max()) == "18446744074 s");
}

TEST_CASE("render_tree draws a run with statuses, key attributes and exceptions", "[tracing][render]") {
  // Without hints from a span schema the attributes come in recording order and none is hidden by
  // its key; texts that only repeat the name (the model, the tool, the operation) are left out.
  // (tests/schema/render_hints_test.cpp draws the same run as an agent's trace.)
  const std::string expected =
      "trace 4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b\n"
      "invoke_agent weather  1.50 s  [ok]\n"
      "|-- step 1  800 ms  agentrace.step.number=1\n"
      "|   |-- chat gpt-4o  590 ms  [ok]  gen_ai.usage.output_tokens=30 gen_ai.usage.input_tokens=120\n"
      "|   `-- execute_tool get_weather  180 ms  [error: timeout]\n"
      "|           ! exception: TimeoutError: no answer after 180 ms\n"
      "`-- step 2  700 ms  agentrace.step.number=2\n"
      "    `-- chat gpt-4o  680 ms  [ok]\n";
  CHECK(render_tree(agent_run()) == expected);
}

TEST_CASE("render_timeline places every span on one time axis", "[tracing][render]") {
  RenderOptions options;
  options.width = 80;
  const std::string expected =
      "trace 4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b  total 1.50 s\n"
      "invoke_agent weather             |##################################|     1.50 s\n"
      "  step 1                         |###################...............|     800 ms\n"
      "    chat gpt-4o                  |##############....................|     590 ms\n"
      "    execute_tool get_weather     |.............#####................|     180 ms\n"
      "  step 2                         |..................################|     700 ms\n"
      "    chat gpt-4o                  |..................################|     680 ms\n";
  CHECK(render_timeline(agent_run(), options) == expected);
}

TEST_CASE("rendering does not depend on the input order", "[tracing][render]") {
  auto spans = agent_run();
  const std::string tree = render_tree(spans);
  const std::string timeline = render_timeline(spans);
  std::reverse(spans.begin(), spans.end());
  CHECK(render_tree(spans) == tree);
  CHECK(render_timeline(spans) == timeline);
  std::rotate(spans.begin(), spans.begin() + 2, spans.end());
  CHECK(render_tree(spans) == tree);
}

TEST_CASE("siblings starting together are ordered by name, then span id", "[tracing][render]") {
  std::vector<SpanData> spans = {make_span(1, 0x01, 0, "root", 0, 10), make_span(1, 0x05, 0x01, "b", 1, 2),
                                 make_span(1, 0x04, 0x01, "a", 1, 3), make_span(1, 0x03, 0x01, "b", 1, 4),
                                 make_span(1, 0x02, 0x01, "early", 0, 5)};
  RenderOptions options;
  options.show_attributes = false;
  // The two "b" spans differ only by id: 0x03 (4 ms) sorts before 0x05 (1 ms).
  CHECK(render_tree(spans, options) ==
        "trace 01010101010101010101010101010101\n"
        "root  10.0 ms\n"
        "|-- early  5.00 ms\n"
        "|-- a  2.00 ms\n"
        "|-- b  3.00 ms\n"
        "`-- b  1.00 ms\n");
}

TEST_CASE("orphans are grouped under a marker naming the missing parent", "[tracing][render]") {
  std::vector<SpanData> spans = {make_span(7, 0x10, 0, "root", 0, 100), make_span(7, 0x21, 0x99, "lost a", 20, 30),
                                 make_span(7, 0x22, 0x99, "lost b", 10, 40),
                                 make_span(7, 0x23, 0x22, "under b", 11, 12)};
  SpanData remote = make_span(7, 0x30, 0x88, "served", 50, 60);
  remote.parent_remote = true;
  spans.push_back(remote);

  CHECK(render_tree(spans) ==
        "trace 07070707070707070707070707070707\n"
        "root  100 ms\n"
        "(missing parent 9999999999999999)\n"
        "|-- lost b  30.0 ms\n"
        "|   `-- under b  1.00 ms\n"
        "`-- lost a  10.0 ms\n"
        "(remote parent 8888888888888888)\n"
        "`-- served  10.0 ms\n");

  RenderOptions options;
  options.width = 60;
  CHECK(render_timeline(spans, options) ==
        "trace 07070707070707070707070707070707  total 100 ms\n"
        "root                     |######################|     100 ms\n"
        "(missing parent 9999999999999999)\n"
        "  lost b                 |..#######.............|    30.0 ms\n"
        "    under b              |..#...................|    1.00 ms\n"
        "  lost a                 |....###...............|    10.0 ms\n"
        "(remote parent 8888888888888888)\n"
        "  served                 |...........###........|    10.0 ms\n");
}

TEST_CASE("unfinished spans are marked and drawn to the end of the trace", "[tracing][render]") {
  SpanData root = make_span(2, 0x01, 0, "root", 0, 0);
  root.end_unix_ns = 0;
  SpanData child = make_span(2, 0x02, 0x01, "child", 0, 40);
  SpanData hanging = make_span(2, 0x03, 0x01, "hanging", 50, 0);
  hanging.end_unix_ns = 0;
  const std::vector<SpanData> spans = {root, child, hanging};

  CHECK(render_tree(spans) ==
        "trace 02020202020202020202020202020202\n"
        "root  (unfinished)\n"
        "|-- child  40.0 ms\n"
        "`-- hanging  (unfinished)\n");

  RenderOptions options;
  options.width = 60;
  // The trace ends at the latest thing known: the unfinished span's start (50 ms).
  CHECK(render_timeline(spans, options) ==
        "trace 02020202020202020202020202020202  total 50.0 ms\n"
        "root                     |######################| unfinished\n"
        "  child                  |##################....|    40.0 ms\n"
        "  hanging                |.....................#| unfinished\n");
}

TEST_CASE("several traces are rendered in order of their first span, several roots in order of start",
          "[tracing][render]") {
  const std::vector<SpanData> spans = {make_span(0xbb, 0x01, 0, "late trace", 500, 600),
                                       make_span(0xaa, 0x03, 0, "second root", 30, 40),
                                       make_span(0xaa, 0x02, 0, "first root", 0, 20)};
  const std::string tree = render_tree(spans);
  CHECK(tree ==
        "trace aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
        "first root  20.0 ms\n"
        "second root  10.0 ms\n"
        "\n"
        "trace bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"
        "late trace  100 ms\n");

  RenderOptions options;
  options.width = 50;
  CHECK(render_timeline(spans, options) ==
        "trace aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  total 40.0 ms\n"
        "first root           |########........|    20.0 ms\n"
        "second root          |............####|    10.0 ms\n"
        "\n"
        "trace bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb  total 100 ms\n"
        "late trace           |################|     100 ms\n");
}

TEST_CASE("empty input renders nothing", "[tracing][render]") {
  const std::vector<SpanData> none;
  CHECK(render_tree(none).empty());
  CHECK(render_timeline(none).empty());
}

TEST_CASE("zero-duration traces draw one cell per span without dividing by zero", "[tracing][render]") {
  const std::vector<SpanData> spans = {make_span(3, 0x01, 0, "instant", 5, 5), make_span(3, 0x02, 0x01, "also", 5, 5)};
  CHECK(render_tree(spans) ==
        "trace 03030303030303030303030303030303\n"
        "instant  0 ns\n"
        "`-- also  0 ns\n");
  RenderOptions options;
  options.width = 40;
  CHECK(render_timeline(spans, options) ==
        "trace 03030303030303030303030303030303  total 0 ns\n"
        "instant          |#.........|       0 ns\n"
        "  also           |#.........|       0 ns\n");
}

TEST_CASE("parent loops and duplicated ids never recurse forever or render a span twice", "[tracing][render]") {
  RenderOptions options;
  options.show_attributes = false;

  SECTION("two spans that are each other's parent") {
    const std::vector<SpanData> spans = {make_span(4, 0x01, 0x02, "a", 0, 10), make_span(4, 0x02, 0x01, "b", 1, 5)};
    CHECK(render_tree(spans, options) ==
          "trace 04040404040404040404040404040404\n"
          "(parent cycle)\n"
          "`-- a  10.0 ms\n"
          "    `-- b  4.00 ms\n");
    CHECK(lines_of(render_timeline(spans, options)).size() == 4);
  }
  SECTION("a span that is its own parent, below a real root") {
    const std::vector<SpanData> spans = {make_span(4, 0x01, 0, "root", 0, 10), make_span(4, 0x02, 0x02, "self", 1, 2),
                                         make_span(4, 0x03, 0x02, "below self", 1, 2)};
    const std::string tree = render_tree(spans, options);
    CHECK(count_of(tree, "self") == 2);  // "self" and "below self", once each
    CHECK(count_of(tree, "(parent cycle)") == 1);
    CHECK(tree.find("    `-- below self") != std::string::npos);
  }
  SECTION("duplicated span ids") {
    // Two spans claim id 0x01; the child is drawn once, under the first of them.
    std::vector<SpanData> spans = {make_span(4, 0x01, 0, "first", 0, 10), make_span(4, 0x01, 0, "second", 1, 10),
                                   make_span(4, 0x02, 0x01, "child", 2, 3),
                                   make_span(4, 0x01, 0x02, "loop back", 3, 4)};
    const std::string tree = render_tree(spans, options);
    CHECK(tree ==
          "trace 04040404040404040404040404040404\n"
          "first  10.0 ms\n"
          "`-- child  1.00 ms\n"
          "    `-- loop back  1.00 ms\n"
          "second  9.00 ms\n");
    CHECK(lines_of(render_timeline(spans, options)).size() == 5);
  }
}

TEST_CASE("a deep chain renders every level", "[tracing][render]") {
  std::vector<SpanData> spans;
  constexpr int depth = 1000;
  for (int i = 0; i < depth; ++i) {
    SpanData s = make_span(5, 0, 0, "level " + std::to_string(i), static_cast<std::uint64_t>(i),
                           static_cast<std::uint64_t>(2 * depth - i));
    s.span_id = SpanId(std::array<std::uint8_t, 8>{1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(i >> 8),
                                                   static_cast<std::uint8_t>(i & 0xFF)});
    if (i > 0) s.parent_span_id = spans.back().span_id;
    spans.push_back(std::move(s));
  }
  const auto tree = lines_of(render_tree(spans));
  REQUIRE(tree.size() == depth + 1);
  // Indentation stops at max_drawn_depth; deeper lines say their level.
  CHECK(tree[max_drawn_depth + 1] == std::string(4 * (max_drawn_depth - 1), ' ') + "`-- level 100  1.80 s");
  CHECK(tree.back() == std::string(4 * (max_drawn_depth - 1), ' ') + "`-- [level 999] level 999  2.00 ms");
  RenderOptions options;
  options.width = 60;
  const auto timeline = lines_of(render_timeline(spans, options));
  REQUIRE(timeline.size() == depth + 1);
  for (std::size_t i = 1; i < timeline.size(); ++i) CHECK(timeline[i].size() == 60);
}

TEST_CASE("a chain 20,000 spans deep renders in lines of bounded width", "[tracing][render][bounded]") {
  // Drawn in full, each line's indentation would grow with its depth: 800 MB of tree for this.
  constexpr std::uint32_t depth = 20000;
  std::vector<SpanData> spans;
  spans.reserve(depth);
  for (std::uint32_t i = 0; i < depth; ++i) {
    SpanData s = make_span(5, 0, 0, "s", i, 2 * depth - i);
    s.span_id = SpanId(std::array<std::uint8_t, 8>{1, 0, 0, 0, static_cast<std::uint8_t>(i >> 24), static_cast<std::uint8_t>(i >> 16),
                                                   static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)});
    if (i > 0) s.parent_span_id = spans.back().span_id;
    spans.push_back(std::move(s));
  }
  for (const std::string& text : {render_tree(spans), render_timeline(spans)}) {
    const auto lines = lines_of(text);
    REQUIRE(lines.size() == depth + 1);
    std::size_t widest = 0;
    for (const auto& line : lines) widest = std::max(widest, line.size());
    CHECK(widest <= 4 * max_drawn_depth + 40);
  }
}

TEST_CASE("timeline lines fill the requested width", "[tracing][render]") {
  auto spans = agent_run();
  spans[0].name = "a span name far too long to fit into the name column of any timeline at all";
  for (std::size_t width : {36, 50, 80, 100, 160, 300}) {
    RenderOptions options;
    options.width = width;
    const auto lines = lines_of(render_timeline(spans, options));
    REQUIRE(lines.size() == 7);
    for (std::size_t i = 1; i < lines.size(); ++i) {
      INFO("width " << width << ": " << lines[i]);
      CHECK(lines[i].size() == width);
    }
  }
  SECTION("long names are cut with an ellipsis") {
    RenderOptions options;
    options.width = 60;
    CHECK(render_timeline(spans, options).find("    a span name far t... |") != std::string::npos);
  }
  SECTION("tiny and absurd widths keep a minimal layout") {
    RenderOptions options;
    options.width = 0;
    const auto tiny = lines_of(render_timeline(spans, options));
    CHECK(tiny.at(1).size() == 12 + 2 + 10 + 2 + 10);
    options.width = std::numeric_limits<std::size_t>::max();
    const auto huge = lines_of(render_timeline(spans, options));
    CHECK(huge.at(1).size() == 4096);
  }
}

TEST_CASE("names with multi-byte characters are padded by code points", "[tracing][render]") {
  const std::vector<SpanData> spans = {make_span(6, 0x01, 0, "caf\xC3\xA9 \xE2\x86\x92 r\xC3\xA9sum\xC3\xA9", 0, 10)};
  RenderOptions options;
  options.width = 40;
  CHECK(render_timeline(spans, options) ==
        "trace 06060606060606060606060606060606  total 10.0 ms\n"
        "caf\xC3\xA9 \xE2\x86\x92 r\xC3\xA9sum\xC3\xA9    |##########|    10.0 ms\n");
  options.width = 36;
  SpanData long_name = spans[0];
  long_name.name =
      "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";
  const auto lines = lines_of(render_timeline(std::vector<SpanData>{long_name}, options));
  // Nine characters and "...", never half of a two-byte character.
  CHECK(lines.at(1).substr(0, 21) == "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9...");
}

TEST_CASE("without hints a span's attributes show in recording order and none is hidden", "[tracing][render]") {
  // No key is special to the renderer itself: not even names an agent trace hides or puts first.
  SpanData s = make_span(8, 0x01, 0, "lookup", 0, 1);
  s.attributes = {{"db.rows", 12},
                  {"gen_ai.operation.name", "chat"},
                  {"agentrace.step.number", 3},
                  {"db.system", "postgres"}};
  CHECK(lines_of(render_tree(std::vector<SpanData>{s})).at(1) ==
        "lookup  1.00 ms  db.rows=12 gen_ai.operation.name=chat agentrace.step.number=3 db.system=postgres");
  // Past four, the rest are counted.
  s.attributes.push_back({"agentrace.run.status", "completed"});
  CHECK(lines_of(render_tree(std::vector<SpanData>{s})).at(1) ==
        "lookup  1.00 ms  db.rows=12 gen_ai.operation.name=chat agentrace.step.number=3 db.system=postgres (+1 more)");
}

TEST_CASE("first_keys come first in their order and hidden_keys are never shown", "[tracing][render]") {
  constexpr std::array<std::string_view, 4> first = {"outcome", "tokens.in", "absent", "outcome"};
  constexpr std::array<std::string_view, 3> hidden = {"kind", "conversation", "tokens.in"};
  SpanData s = make_span(8, 0x01, 0, "ask", 0, 1);
  s.attributes = {{"note", "n"},
                  {"kind", "LLM"},
                  {"tokens.in", 7},
                  {"conversation", std::string(200, 'x')},
                  {"outcome", "done"},
                  {"elapsed", 2}};
  RenderOptions options;
  options.first_keys = first;
  options.hidden_keys = hidden;
  // outcome first (listed twice, shown once); a key both first and hidden stays hidden; a listed
  // key the span lacks is skipped; the rest in recording order.
  CHECK(lines_of(render_tree(std::vector<SpanData>{s}, options)).at(1) == "ask  1.00 ms  outcome=done note=n elapsed=2");

  // A text equal to a hidden one repeats it (the same conversation under another convention's
  // key); equal numbers are different facts and stay.
  s.attributes.push_back({"input.value", std::string(200, 'x')});
  s.attributes.push_back({"retries", 7});
  CHECK(lines_of(render_tree(std::vector<SpanData>{s}, options)).at(1) ==
        "ask  1.00 ms  outcome=done note=n elapsed=2 retries=7");

  // The same span without the hints: everything, in recording order.
  CHECK(lines_of(render_tree(std::vector<SpanData>{s})).at(1) ==
        "ask  1.00 ms  note=n kind=LLM tokens.in=7 conversation=" + std::string(57, 'x') + "... (+3 more)");
}

TEST_CASE("key attributes skip repeated texts, are truncated and can be hidden", "[tracing][render]") {
  constexpr std::array<std::string_view, 1> first = {"tokens"};
  SpanData s = make_span(8, 0x01, 0, "chat", 0, 1);
  s.attributes = {{"custom.first", true},
                  {"tokens", 12},
                  {"model", "gpt-4o"},
                  {"temperature", 0.5},
                  {"operation", "chat"}};
  RenderOptions options;
  options.first_keys = first;
  options.max_attribute_chars = 10;
  // operation=chat repeats the name.
  CHECK(lines_of(render_tree(std::vector<SpanData>{s}, options)).at(1) ==
        "chat  1.00 ms  tokens=12 custom.first=true model=gpt-4o temperature=0.5");
  s.attributes.push_back({"response.model", "gpt-4o"});  // repeats a text already shown
  s.attributes.push_back({"output", "yes"});
  CHECK(lines_of(render_tree(std::vector<SpanData>{s}, options)).at(1) ==
        "chat  1.00 ms  tokens=12 custom.first=true model=gpt-4o temperature=0.5 (+1 more)");

  s.attributes = {{"note", "line one\nline two \x1b[2J and a long tail"}, {"ids", std::vector<int>{1, 2}}};
  CHECK(lines_of(render_tree(std::vector<SpanData>{s}, options)).at(1) == "chat  1.00 ms  note=line on... ids=[1, 2]");

  options.show_attributes = false;
  CHECK(lines_of(render_tree(std::vector<SpanData>{s}, options)).at(1) == "chat  1.00 ms");
}

TEST_CASE("key attributes are left out by whole words of the name and never for an equal number",
          "[tracing][render]") {
  // Equal numbers are different facts; a number is not part of the name; only whole words of the
  // name count as repeating it.
  SpanData s = make_span(8, 0x01, 0, "chat gpt-4o", 0, 1);
  s.attributes = {{"tokens.in", 4},         {"tokens.out", 4},          {"model", "gpt-4o"},
                  {"model.name", "gpt-4o"}, {"custom.family", "gpt"}};
  CHECK(lines_of(render_tree(std::vector<SpanData>{s})).at(1) ==
        "chat gpt-4o  1.00 ms  tokens.in=4 tokens.out=4 custom.family=gpt");

  SpanData step = make_span(8, 0x02, 0, "step 24", 0, 1);
  step.attributes = {{"number", 24}, {"total", 24}};
  CHECK(lines_of(render_tree(std::vector<SpanData>{step})).at(1) == "step 24  1.00 ms  number=24 total=24");
}

TEST_CASE("status marks: ok, error with and without description, nothing when unset", "[tracing][render]") {
  SpanData a = make_span(9, 0x01, 0, "a", 0, 1);
  a.status = ok;
  SpanData b = make_span(9, 0x02, 0x01, "b", 0, 1);
  b.status = error("");
  SpanData c = make_span(9, 0x03, 0x01, "c", 0, 1);
  c.status = error("multi\nline");
  SpanData d = make_span(9, 0x04, 0x01, "d", 0, 1);
  d.events.push_back(Event{"exception", base_ns, {{"exception.message", "only a message"}}, 0});
  d.events.push_back(Event{"retry", base_ns, {}, 0});
  CHECK(render_tree(std::vector<SpanData>{a, b, c, d}) ==
        "trace 09090909090909090909090909090909\n"
        "a  1.00 ms  [ok]\n"
        "|-- b  1.00 ms  [error]\n"
        "|-- c  1.00 ms  [error: multi\\nline]\n"
        "`-- d  1.00 ms\n"
        "        ! exception: only a message\n");
}

TEST_CASE("colour marks errors red and ok green, only when asked", "[tracing][render]") {
  const auto spans = agent_run();
  RenderOptions plain;
  CHECK(render_tree(spans, plain).find('\x1b') == std::string::npos);
  CHECK(render_timeline(spans, plain).find('\x1b') == std::string::npos);

  RenderOptions color;
  color.color = true;
  const std::string tree = render_tree(spans, color);
  CHECK(tree.find("\x1b[32m[ok]\x1b[0m") != std::string::npos);
  CHECK(tree.find("\x1b[31m[error: timeout]\x1b[0m") != std::string::npos);
  const std::string timeline = render_timeline(spans, color);
  CHECK(timeline.find("|..................\x1b[31m#######\x1b[0m") != std::string::npos);
  CHECK(timeline.find("|\x1b[32m#") != std::string::npos);
  // Colour is added around the text, never instead of it.
  CHECK(strip_ansi(tree) == render_tree(spans, plain));
  CHECK(strip_ansi(timeline) == render_timeline(spans, plain));
}

TEST_CASE("random forests with loops, duplicates and orphans render every span exactly once", "[tracing][render]") {
  std::uint32_t state = 12345;  // a fixed LCG: the same cases on every run and platform
  auto next = [&state](std::uint32_t bound) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % bound;
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<SpanData> spans;
    const std::uint32_t count = 1 + next(40);
    for (std::uint32_t i = 0; i < count; ++i) {
      // Few distinct ids so that duplicates, self-parents and loops are common.
      const auto id = static_cast<std::uint8_t>(1 + next(30));
      const auto parent = static_cast<std::uint8_t>(next(4) == 0 ? 0 : next(35));
      const std::uint64_t start = next(1000);
      SpanData s = make_span(static_cast<std::uint8_t>(1 + next(3)), id, parent, "s" + std::to_string(i) + "#", start,
                             start + next(3) * next(500));
      if (next(10) == 0) s.end_unix_ns = 0;
      spans.push_back(std::move(s));
    }
    RenderOptions options;
    options.width = 20 + next(150);
    const std::string tree = render_tree(spans, options);
    const std::string timeline = render_timeline(spans, options);
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::string name = "s" + std::to_string(i) + "#";
      INFO("round " << round << ", span " << name << "\n" << tree);
      REQUIRE(count_of(tree, " " + name + " ") + (tree.find("\n" + name + " ") != std::string::npos ? 1 : 0) == 1);
    }
    CHECK(lines_of(timeline).size() == lines_of(tree).size());
  }
}

TEST_CASE("render_tree fits its lines to the width when asked, cutting attributes only", "[tracing][render]") {
  SpanData root = make_span(1, 1, 0, "invoke_agent a-rather-long-agent-name", 0, 100);
  root.attributes = {{"app.first", std::string(80, 'x')}, {"app.second", std::string(80, 'y')}};
  SpanData child = make_span(1, 2, 1, "execute_tool search", 10, 20);
  child.attributes = {{"app.query", std::string(200, 'q')}};
  SpanData bare = make_span(1, 3, 1, "a span whose name alone is wider than the width asked for, which is never cut", 30, 40);
  bare.attributes = {{"app.k", "v"}};
  const std::vector<SpanData> spans{root, child, bare};

  RenderOptions whole;
  whole.width = 80;
  whole.max_attribute_chars = 100;
  const std::string unfitted = render_tree(spans, whole);
  CHECK(unfitted.find(std::string(80, 'x')) != std::string::npos);  // off: lines as long as they are

  RenderOptions fit = whole;
  fit.fit_tree_to_width = true;
  for (const bool color : {false, true}) {
    fit.color = color;
    const std::string text = render_tree(spans, fit);
    INFO(text);
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      std::string visible;  // without colour sequences
      for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\x1b') {
          i = line.find('m', i);
          continue;
        }
        visible += line[i];
      }
      if (visible.find("never cut") != std::string::npos) {
        CHECK(visible.find("app.k") == std::string::npos);  // no room left: the attributes go
        continue;
      }
      CHECK(visible.size() <= 80);
    }
    CHECK_THAT(text, Catch::Contains("invoke_agent a-rather-long-agent-name"));
    CHECK_THAT(text, Catch::Contains(" app.first=xxx"));  // too long alone: cut, not dropped
    CHECK_THAT(text, Catch::Contains("... (+1 more)"));   // the second did not fit: counted
    CHECK(text.find("app.second") == std::string::npos);
  }
}
