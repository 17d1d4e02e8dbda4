#include <catch2/catch.hpp>

#include "llm/exception_matchers.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "agentrace/memory/store.hpp"
#include "support/test_support.hpp"

using namespace agentrace::memory;
using Catch::Matchers::Contains;
using agentrace::testing::WhatContains;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

using agentrace::testing::TempDir;

// Each store kind the same cases run against.
struct InMemoryKind {
  std::unique_ptr<MemoryStore> make() { return std::make_unique<InMemoryStore>(); }
};

struct SqliteKind {
  TempDir dir;
  // A missing parent directory is created by the store.
  std::unique_ptr<MemoryStore> make() { return std::make_unique<SqliteStore>(dir.path() / "nested" / "memory.db"); }
};

std::vector<std::string> keys_of(const std::vector<MemoryEntry>& entries) {
  std::vector<std::string> keys;
  for (const auto& e : entries) keys.push_back(e.key);
  return keys;
}

std::vector<std::string> keys_of(const std::vector<SearchHit>& hits) {
  std::vector<std::string> keys;
  for (const auto& h : hits) keys.push_back(h.entry.key);
  return keys;
}

}  // namespace

TEST_CASE("tokenize lowercases and splits on non-alphanumeric ASCII", "[memory]") {
  CHECK(tokenize("Hello, WORLD! C++20 naïve_x") == std::vector<std::string>{"hello", "world", "c", "20", "naïve", "x"});
  CHECK(tokenize("  ,;  ").empty());
  CHECK(tokenize("Ünïcode Straße") == std::vector<std::string>{"Ünïcode", "straße"});
}

TEST_CASE("bm25 follows the formula on small corpora", "[memory]") {
  // One document containing the one query word: idf = ln(1 + 0.5/1.5), and with dl = avgdl the
  // term factor is (k1 + 1) / (1 + k1) = 1.
  const auto one = bm25_scores("a", {"a"});
  REQUIRE(one.size() == 1);
  CHECK(one[0] == Approx(std::log(4.0 / 3.0)));

  // Two documents, one matching: idf = ln(1 + 1.5/1.5) = ln 2.
  const auto two = bm25_scores("x", {"x", "y"});
  CHECK(two[0] == Approx(std::log(2.0)));
  CHECK(two[1] == 0.0);

  // A longer document with the same count of the word scores lower.
  const auto lengths = bm25_scores("x", {"x y", "x y z w v u"});
  CHECK(lengths[0] > lengths[1]);
  CHECK(bm25_scores("", {"a"}) == std::vector<double>{0.0});
  CHECK(bm25_scores("a", {}).empty());
}

TEMPLATE_TEST_CASE("store: put, get, remove, list", "[memory]", InMemoryKind, SqliteKind) {
  TestType kind;
  auto store = kind.make();
  store->put("b", "second", {{"source", "test"}, {"n", 2}});
  store->put("a", "first");
  store->put("c", "third", {{"tags", {"x", "y"}}});

  const auto a = store->get("a");
  REQUIRE(a);
  CHECK(a->key == "a");
  CHECK(a->text == "first");
  CHECK(a->metadata == Json::object());
  CHECK(a->created_unix_ns > 0);
  CHECK(a->updated_unix_ns == a->created_unix_ns);
  CHECK(store->get("b")->metadata == Json{{"source", "test"}, {"n", 2}});
  CHECK_FALSE(store->get("missing"));

  CHECK(keys_of(store->list()) == std::vector<std::string>{"a", "b", "c"});
  CHECK(keys_of(store->list(2)) == std::vector<std::string>{"a", "b"});
  CHECK(keys_of(store->list(10)) == std::vector<std::string>{"a", "b", "c"});

  CHECK(store->remove("b"));
  CHECK_FALSE(store->remove("b"));
  CHECK_FALSE(store->get("b"));
  CHECK(keys_of(store->list()) == std::vector<std::string>{"a", "c"});
}

TEMPLATE_TEST_CASE("store: replacing keeps the creation time", "[memory]", InMemoryKind, SqliteKind) {
  TestType kind;
  auto store = kind.make();
  store->put("k", "old", {{"v", 1}});
  const auto before = store->get("k");
  REQUIRE(before);
  std::this_thread::sleep_for(2ms);
  store->put("k", "new", {{"v", 2}});
  const auto after = store->get("k");
  REQUIRE(after);
  CHECK(after->text == "new");
  CHECK(after->metadata == Json{{"v", 2}});
  CHECK(after->created_unix_ns == before->created_unix_ns);
  CHECK(after->updated_unix_ns > before->updated_unix_ns);
  CHECK(store->list().size() == 1);
}

TEMPLATE_TEST_CASE("store: search ranks by BM25", "[memory]", InMemoryKind, SqliteKind) {
  TestType kind;
  auto store = kind.make();
  store->put("alpha", "The quick brown fox jumps over the lazy dog");
  store->put("beta", "SQLite WAL journal: sqlite busy timeout, sqlite locking");
  store->put("gamma", "the journal of the fox");
  store->put("delta", "nothing relevant here at all");

  SECTION("more and rarer query words rank first; no match is left out") {
    const auto hits = store->search("sqlite journal");
    CHECK(keys_of(hits) == std::vector<std::string>{"beta", "gamma"});
    REQUIRE(hits.size() == 2);
    CHECK(hits[0].score > hits[1].score);
    CHECK(hits[1].score > 0);
    CHECK(hits[0].entry.text == "SQLite WAL journal: sqlite busy timeout, sqlite locking");
  }
  SECTION("a rare word outweighs a common one repeated") {
    store->put("epsilon", "the the the the the fox");
    store->put("zeta", "the zebra");
    const auto hits = store->search("the zebra");
    REQUIRE_FALSE(hits.empty());
    CHECK(hits[0].entry.key == "zeta");
    CHECK(keys_of(hits).size() == 4);  // alpha, epsilon, gamma and zeta mention "the"
  }
  SECTION("case does not matter") {
    CHECK(keys_of(store->search("FOX")) == keys_of(store->search("fox")));
    CHECK(keys_of(store->search("FOX")).size() == 2);
  }
  SECTION("equal scores are ordered by key, and limit cuts") {
    store->put("m2", "identical twin text");
    store->put("m1", "identical twin text");
    const auto hits = store->search("twin");
    CHECK(keys_of(hits) == std::vector<std::string>{"m1", "m2"});
    CHECK(hits[0].score == hits[1].score);
    CHECK(keys_of(store->search("twin", 1)) == std::vector<std::string>{"m1"});
  }
  SECTION("limit 0 returns every match") {
    for (int i = 0; i < 8; ++i) store->put("fox" + std::to_string(i), "a fox story number " + std::to_string(i));
    CHECK(store->search("fox").size() == 5);
    CHECK(store->search("fox", 0).size() == 10);
  }
  SECTION("a query without words matches nothing") {
    CHECK(store->search("").empty());
    CHECK(store->search("?!").empty());
    CHECK(store->search("unicorn").empty());
  }
}

TEMPLATE_TEST_CASE("store: keys and texts are stored verbatim", "[memory]", InMemoryKind, SqliteKind) {
  TestType kind;
  auto store = kind.make();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"'; DROP TABLE memory; --", "Robert'); DROP TABLE memory;--"},
      {"key \"with\" quotes", "text with ? and ?1 and :name and @p and $x"},
      {"%_*[]\\", "LIKE wildcards % _ and a backslash \\"},
      {"ünïcødé 🔑", "emoji 😀 and CJK 漢字"},
      {std::string("nul\0inside", 10), std::string("text\0with nul", 13)},
      {"", "empty key"},
      {"multi\nline", "line one\nline two\r\n\ttabbed"},
  };
  for (const auto& [key, text] : cases) store->put(key, text, {{"k", key.size()}});
  for (const auto& [key, text] : cases) {
    const auto entry = store->get(key);
    REQUIRE(entry);
    CHECK(entry->key == key);
    CHECK(entry->text == text);
    CHECK(entry->metadata == Json{{"k", key.size()}});
  }
  CHECK(store->list().size() == cases.size());
  CHECK(store->remove("'; DROP TABLE memory; --"));
  CHECK(store->list().size() == cases.size() - 1);
  CHECK(keys_of(store->search("DROP TABLE")).empty());
  CHECK(keys_of(store->search("漢字")) == std::vector<std::string>{"ünïcødé 🔑"});
}

TEMPLATE_TEST_CASE("store: concurrent readers and writers on one object", "[memory]", InMemoryKind, SqliteKind) {
  TestType kind;
  auto store = kind.make();
  constexpr int threads = 4;
  constexpr int per_thread = 50;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        store->put("t" + std::to_string(t) + "-" + std::to_string(i), "shared words thread" + std::to_string(t));
        (void)store->search("shared");
        (void)store->get("t0-0");
      }
    });
  }
  for (auto& w : workers) w.join();
  CHECK(store->list().size() == threads * per_thread);
  CHECK(store->search("shared", 0).size() == threads * per_thread);
}

TEST_CASE("sqlite store persists across reopening", "[memory]") {
  TempDir dir;
  const auto path = dir.path() / "memory.db";
  MemoryEntry written;
  {
    SqliteStore store(path);
    CHECK(store.kind() == "sqlite");
    CHECK(store.path() == path);
    store.put("fact", "the sky is blue", {{"source", "observation"}, {"confidence", 0.9}});
    store.put("gone", "removed before closing");
    CHECK(store.remove("gone"));
    written = *store.get("fact");
  }
  SqliteStore reopened(path);
  const auto read = reopened.get("fact");
  REQUIRE(read);
  CHECK(*read == written);
  CHECK_FALSE(reopened.get("gone"));
  CHECK(reopened.list().size() == 1);
  CHECK(keys_of(reopened.search("sky")) == std::vector<std::string>{"fact"});
}

TEST_CASE("sqlite store: writers on separate connections to one file all land", "[memory]") {
  TempDir dir;
  const auto path = dir.path() / "shared.db";
  constexpr int threads = 4;
  constexpr int per_thread = 200;
  std::vector<std::thread> workers;
  std::vector<std::string> failures(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        // Each thread opens its own connection, as separate processes would.
        SqliteStore store(path);
        for (int i = 0; i < per_thread; ++i) {
          store.put("w" + std::to_string(t) + "-" + std::to_string(i), "entry " + std::to_string(i), {{"thread", t}});
        }
      } catch (const std::exception& e) {
        failures[t] = e.what();
      }
    });
  }
  for (auto& w : workers) w.join();
  for (const auto& f : failures) CHECK(f.empty());

  SqliteStore check(path);
  const auto entries = check.list();
  REQUIRE(entries.size() == threads * per_thread);
  std::set<std::string> keys;
  for (const auto& e : entries) keys.insert(e.key);
  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < per_thread; ++i) CHECK(keys.count("w" + std::to_string(t) + "-" + std::to_string(i)) == 1);
  }
}

TEST_CASE("sqlite store: an unopenable path throws with the path", "[memory]") {
  TempDir dir;
  SECTION("a directory") {
    const auto path = dir.path() / "a-directory";
    std::filesystem::create_directories(path);
    CHECK_THROWS_MATCHES(SqliteStore(path), std::runtime_error, WhatContains({path.string()}));
  }
  SECTION("a parent that is a file") {
    const auto file = dir.path() / "plain-file";
    std::ofstream(file) << "not a directory";
    const auto path = file / "memory.db";
    CHECK_THROWS_MATCHES(SqliteStore(path), std::runtime_error, WhatContains({path.string()}));
  }
  SECTION("a file that is not a database") {
    const auto path = dir.path() / "garbage.db";
    std::ofstream(path) << std::string(4096, 'x');
    CHECK_THROWS_MATCHES(SqliteStore(path), std::runtime_error,
                         WhatContains({path.string(), "not a database"}));
  }
}
