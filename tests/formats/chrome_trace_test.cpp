// Chrome trace (Perfetto) JSON: units, metadata, and the track layout that keeps concurrent
// spans from mis-nesting.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agentrace/formats/chrome_trace.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "tracing/sample_spans.hpp"

using namespace agentrace::formats;
using namespace agentrace::tracing;
using agentrace::testing::plain_span;
using agentrace::testing::t0;
using Json = nlohmann::json;

namespace {

Json render(const std::vector<SpanData>& spans) { return Json::parse(to_chrome_trace_json(spans)); }

const Json& event_named(const Json& doc, const std::string& name, const std::string& phase = "X") {
  for (const Json& e : doc.at("traceEvents")) {
    if (e.at("name") == name && e.at("ph") == phase) return e;
  }
  FAIL("no " << phase << " event " << name);
  return doc;
}

std::string thread_name(const Json& doc, std::uint64_t pid, std::uint64_t tid) {
  for (const Json& e : doc.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name" && e.at("pid") == pid && e.at("tid") == tid) {
      return e.at("args").at("name");
    }
  }
  return {};
}

std::uint64_t tid_of(const Json& doc, const std::string& name) { return event_named(doc, name).at("tid"); }

// What a viewer does with one thread's complete events: sort by start and nest by time. Every
// event must lie within the one open around it or start after it ended; the end is computed as
// the viewer computes it, ts + dur in double.
void check_well_nested(const Json& doc) {
  struct Slice {
    double ts;
    double end;
    std::string name;
  };
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::vector<Slice>> tracks;
  for (const Json& e : doc.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    const double ts = e.at("ts");
    const double dur = e.at("dur");
    REQUIRE(dur >= 0);
    tracks[{e.at("pid"), e.at("tid")}].push_back(Slice{ts, ts + dur, e.at("name")});
  }
  for (auto& [track, slices] : tracks) {
    std::stable_sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.end > b.end;
    });
    std::vector<Slice> open;
    for (const Slice& s : slices) {
      while (!open.empty() && s.ts >= open.back().end && !(s.ts == open.back().ts)) open.pop_back();
      if (!open.empty()) {
        INFO("track " << track.first << "/" << track.second << ": '" << s.name << "' [" << s.ts << ", " << s.end
                      << "] inside '" << open.back().name << "' [" << open.back().ts << ", " << open.back().end << "]");
        CHECK(s.end <= open.back().end);
      }
      open.push_back(s);
    }
  }
}

}  // namespace

TEST_CASE("Chrome trace: parallel siblings get their own track, sequential children share the parent's",
          "[formats][chrome]") {
  const std::vector<SpanData> spans{
      plain_span("invoke_agent manager", "0000000000000001", nullptr, 0, 100),
      plain_span("step 1", "0000000000000002", "0000000000000001", 0, 60),
      plain_span("chat m", "0000000000000003", "0000000000000002", 1, 10),
      plain_span("execute_tool a", "0000000000000004", "0000000000000002", 10, 50),
      plain_span("execute_tool b", "0000000000000005", "0000000000000002", 12, 55),
      plain_span("invoke_agent a", "0000000000000006", "0000000000000004", 11, 49),
      plain_span("invoke_agent b", "0000000000000007", "0000000000000005", 13, 54),
      plain_span("step 2", "0000000000000008", "0000000000000001", 60, 100),
      plain_span("chat m 2", "0000000000000009", "0000000000000008", 61, 99),
  };
  const Json doc = render(spans);
  const std::uint64_t main = tid_of(doc, "invoke_agent manager");
  for (const char* name : {"step 1", "chat m", "execute_tool a", "invoke_agent a", "step 2", "chat m 2"}) {
    INFO(name);
    CHECK(tid_of(doc, name) == main);
  }
  const std::uint64_t b = tid_of(doc, "execute_tool b");
  CHECK(b != main);
  CHECK(tid_of(doc, "invoke_agent b") == b);
  CHECK(thread_name(doc, 1, main) == "invoke_agent manager");
  CHECK(thread_name(doc, 1, b) == "execute_tool b");
  check_well_nested(doc);

  CHECK(doc.at("displayTimeUnit") == "ms");
  CHECK(doc.at("otherData").at("agentrace.origin_unix_ns") == std::to_string(t0));
  const Json& process = event_named(doc, "process_name", "M");
  CHECK(process.at("pid") == 1);
  CHECK(process.at("args").at("name") == "invoke_agent manager (weather-bot)");
}

TEST_CASE("Chrome trace: microseconds from the first start, fractional to the nanosecond", "[formats][chrome]") {
  SpanData root = plain_span("root", "0000000000000001", nullptr, 0, 2);
  SpanData quick = plain_span("quick", "0000000000000002", "0000000000000001", 1, 1);
  quick.end_unix_ns = quick.start_unix_ns + 1234;  // 1.234 us
  quick.kind = SpanKind::client;
  quick.attributes = {{"n", std::int64_t{3}}, {"ok", true}, {"list", std::vector<std::string>{"a", "b"}}};
  quick.status = Status{StatusCode::error, "bad"};
  quick.events = {Event{"retry", quick.start_unix_ns + 500, {{"attempt", std::int64_t{2}}}, 0}};
  const Json doc = render({root, quick});

  const Json& r = event_named(doc, "root");
  CHECK(r.at("ts") == 0);
  CHECK(r.at("dur") == 2000);  // 2 ms
  const Json& q = event_named(doc, "quick");
  CHECK(q.at("ts") == 1000);
  CHECK(q.at("dur").get<double>() == Approx(1.234).epsilon(1e-12));
  CHECK(q.at("cat") == "client");
  CHECK(q.at("args") == Json::parse(R"({"n":3,"ok":true,"list":["a","b"],"span.kind":"client",
      "otel.status_code":"ERROR","otel.status_description":"bad","agentrace.span_id":"0000000000000002"})"));

  const Json& i = event_named(doc, "retry", "i");
  CHECK(i.at("s") == "t");
  CHECK(i.at("ts").get<double>() == Approx(1000.5).epsilon(1e-12));
  CHECK(i.at("tid") == q.at("tid"));
  CHECK(i.at("args") == Json{{"attempt", 2}});
}

TEST_CASE("Chrome trace: unended spans run to the last known time and are marked", "[formats][chrome]") {
  SpanData root = plain_span("root", "0000000000000001", nullptr, 0, -1);
  SpanData child = plain_span("child", "0000000000000002", "0000000000000001", 5, -1);
  SpanData done = plain_span("done", "0000000000000003", "0000000000000001", 1, 20);
  done.events = {Event{"late", t0 + 30'000'000, {}, 0}};
  const Json doc = render({root, child, done});
  CHECK(event_named(doc, "root").at("dur") == 30'000);
  CHECK(event_named(doc, "root").at("args").at("agentrace.unended") == true);
  CHECK(event_named(doc, "child").at("dur") == 25'000);
  CHECK_FALSE(event_named(doc, "done").at("args").contains("agentrace.unended"));
  check_well_nested(doc);
}

TEST_CASE("Chrome trace: a child outside its parent, orphans, several traces, cycles", "[formats][chrome]") {
  const char* other = "0af7651916cd43dd8448eb211c80319c";
  const std::vector<SpanData> spans{
      plain_span("root", "0000000000000001", nullptr, 0, 10),
      plain_span("outlives parent", "0000000000000002", "0000000000000001", 5, 15),
      plain_span("orphan", "0000000000000003", "00000000000000ff", 20, 30),
      plain_span("orphan overlapping", "0000000000000004", "00000000000000fe", 25, 35),
      plain_span("second trace", "0000000000000001", nullptr, 1, 2, other),
      plain_span("cycle a", "00000000000000a1", "00000000000000a2", 40, 41),
      plain_span("cycle b", "00000000000000a2", "00000000000000a1", 40, 41),
  };
  const Json doc = render(spans);
  const std::uint64_t main = tid_of(doc, "root");
  CHECK(tid_of(doc, "outlives parent") != main);
  CHECK(tid_of(doc, "orphan") == main);              // a root-level span that fits the first track
  CHECK(tid_of(doc, "orphan overlapping") != main);  // overlaps the orphan
  CHECK(event_named(doc, "second trace").at("pid") == 2);
  CHECK(event_named(doc, "root").at("pid") == 1);
  CHECK(event_named(doc, "cycle a").at("pid") == 1);
  CHECK(event_named(doc, "cycle b").at("pid") == 1);
  // tids are unique in the file.
  std::map<std::uint64_t, std::set<std::uint64_t>> pids_of_tid;
  for (const Json& e : doc.at("traceEvents")) pids_of_tid[e.at("tid")].insert(e.at("pid").get<std::uint64_t>());
  for (const auto& [tid, pids] : pids_of_tid) CHECK(pids.size() == 1);
  check_well_nested(doc);
  CHECK(Json::parse(to_chrome_trace_json({})).at("traceEvents").empty());
}

TEST_CASE("Chrome trace: children that end with their parent stay inside it", "[formats][chrome]") {
  // Ends that coincide, at offsets whose microsecond values are not exact in binary: a viewer
  // adding ts + dur must not put the child a rounding error past the parent.
  std::vector<SpanData> spans;
  const char* ids[] = {"0000000000000001", "0000000000000002", "0000000000000003", "0000000000000004"};
  std::uint64_t end = t0 + 987'654'321'123;
  for (int i = 0; i < 4; ++i) {
    SpanData s = plain_span("level " + std::to_string(i), ids[i], i == 0 ? nullptr : ids[i - 1], 0, 1);
    s.start_unix_ns = t0 + static_cast<std::uint64_t>(i) * 333'333'333 + 7;
    s.end_unix_ns = end;
    spans.push_back(s);
  }
  const Json doc = render(spans);
  const std::uint64_t origin = spans.front().start_unix_ns;
  CHECK(doc.at("otherData").at("agentrace.origin_unix_ns") == std::to_string(origin));
  for (int i = 1; i < 4; ++i) CHECK(tid_of(doc, "level " + std::to_string(i)) == tid_of(doc, "level 0"));
  for (int i = 0; i < 4; ++i) {
    const Json& e = event_named(doc, "level " + std::to_string(i));
    CHECK(e.at("ts").get<double>() + e.at("dur").get<double>() == static_cast<double>(end - origin) / 1000.0);
  }
  check_well_nested(doc);
}

TEST_CASE("Chrome trace of a real run with managed agents working in parallel", "[formats][chrome]") {
  const char* root = std::getenv("AGENTRACE_SOURCE_DIR");
  const std::filesystem::path dir = root != nullptr && *root != '\0'
                                        ? std::filesystem::path(root) / "tests" / "formats" / "data"
                                        : std::filesystem::path(__FILE__).parent_path() / "data";
  const JsonlReadResult trace = read_jsonl_file(dir / "managed_agents.jsonl");
  REQUIRE(trace.errors.empty());
  REQUIRE(trace.spans.size() == 25);
  const Json doc = Json::parse(to_chrome_trace_json(trace.spans));
  check_well_nested(doc);

  const std::uint64_t researcher = tid_of(doc, "execute_tool researcher");
  const std::uint64_t analyst = tid_of(doc, "execute_tool analyst");
  CHECK(researcher != analyst);
  CHECK(tid_of(doc, "invoke_agent researcher") == researcher);
  CHECK(tid_of(doc, "invoke_agent analyst") == analyst);
  CHECK(tid_of(doc, "execute_tool lookup") == researcher);
  CHECK(tid_of(doc, "execute_tool calculator") == analyst);
  CHECK(tid_of(doc, "invoke_agent manager") == researcher);  // the first of the two fits its parent's track
  std::size_t x_events = 0;
  for (const Json& e : doc.at("traceEvents")) x_events += e.at("ph") == "X" ? 1 : 0;
  CHECK(x_events == 25);
}
