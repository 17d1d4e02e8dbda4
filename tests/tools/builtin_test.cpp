#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <regex>
#include <string>

#include "agentrace/memory/store.hpp"
#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/registry.hpp"

using namespace agentrace::tools;
using agentrace::memory::InMemoryStore;
using Catch::Matchers::Contains;

TEST_CASE("final_answer returns the answer text", "[tools]") {
  auto tool = make_final_answer_tool();
  CHECK(tool->name() == final_answer_name);
  CHECK(tool->parameters().at("required") == Json{"answer"});
  ToolRegistry registry;
  registry.add(tool);
  ToolContext context;
  const auto result = registry.invoke("final_answer", {{"answer", "42, because 6 * 7"}}, context);
  CHECK_FALSE(result.is_error);
  CHECK(result.content == "42, because 6 * 7");
  CHECK(registry.invoke("final_answer", {{"answer", 42}}, context).error_kind == ToolErrorKind::invalid_arguments);
}

TEST_CASE("current_time returns ISO 8601 UTC and Unix seconds that agree with the clock", "[tools]") {
  auto tool = make_current_time_tool();
  CHECK(tool->parameters().at("properties").empty());
  ToolContext context;
  const auto before = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto result = tool->invoke(Json::object(), context);
  const auto after = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  REQUIRE_FALSE(result.is_error);

  const std::int64_t unix_seconds = result.content.at("unix").get<std::int64_t>();
  CHECK(unix_seconds >= before);
  CHECK(unix_seconds <= after);

  const std::string utc = result.content.at("utc").get<std::string>();
  std::smatch m;
  REQUIRE(std::regex_match(utc, m, std::regex(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z)")));
  // The two fields describe the same instant.
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  CHECK(static_cast<std::int64_t>(timegm(&tm)) == unix_seconds);
}

TEST_CASE("remember and recall work over the context's memory store", "[tools]") {
  InMemoryStore store;
  ToolRegistry registry;
  registry.add(make_remember_tool());
  registry.add(make_recall_tool());
  ToolContext context;
  context.memory = &store;

  const auto stored = registry.invoke("remember", {{"key", "tz"}, {"text", "The user lives in Lisbon, timezone WET"}}, context);
  CHECK_FALSE(stored.is_error);
  CHECK(stored.content == "remembered 'tz'");
  REQUIRE(store.get("tz").has_value());
  CHECK(store.get("tz")->text == "The user lives in Lisbon, timezone WET");

  registry.invoke("remember", {{"key", "pet"}, {"text", "The user has a cat named Lisbon"}}, context);
  registry.invoke("remember", {{"key", "food"}, {"text", "Prefers green tea in the morning"}}, context);
  // Replacing keeps one entry per key.
  registry.invoke("remember", {{"key", "food"}, {"text", "Prefers black coffee in the morning"}}, context);
  CHECK(store.list().size() == 3);

  const auto hits = registry.invoke("recall", {{"query", "timezone"}}, context);
  REQUIRE_FALSE(hits.is_error);
  REQUIRE(hits.content.is_array());
  REQUIRE(hits.content.size() == 1);
  CHECK(hits.content[0].at("key") == "tz");
  CHECK(hits.content[0].at("text") == "The user lives in Lisbon, timezone WET");
  CHECK(hits.content[0].at("score").get<double>() > 0);

  const auto both = registry.invoke("recall", {{"query", "Lisbon"}}, context);
  CHECK(both.content.size() == 2);
  const auto one = registry.invoke("recall", {{"query", "Lisbon"}, {"limit", 1}}, context);
  REQUIRE(one.content.size() == 1);
  CHECK(one.content[0].at("score") == both.content[0].at("score"));

  CHECK(registry.invoke("recall", {{"query", "coffee"}}, context).content[0].at("key") == "food");
  CHECK(registry.invoke("recall", {{"query", "zebra"}}, context).content == Json::array());

  const auto bad_limit = registry.invoke("recall", {{"query", "x"}, {"limit", 0}}, context);
  CHECK(bad_limit.error_kind == ToolErrorKind::invalid_arguments);
  CHECK_THAT(bad_limit.to_text(), Contains("argument 'limit' must be between 1 and 50, got 0"));
  const auto empty_key = registry.invoke("remember", {{"key", ""}, {"text", "t"}}, context);
  CHECK(empty_key.error_kind == ToolErrorKind::invalid_arguments);
  CHECK_THAT(empty_key.to_text(), Contains("argument 'key' must not be empty"));
}

TEST_CASE("remember and recall report an agent without a memory store", "[tools]") {
  ToolRegistry registry;
  registry.add(make_remember_tool());
  registry.add(make_recall_tool());
  ToolContext context;  // memory is null
  for (const auto& result : {registry.invoke("remember", {{"key", "k"}, {"text", "t"}}, context),
                             registry.invoke("recall", {{"query", "k"}}, context)}) {
    CHECK(result.is_error);
    CHECK(result.error_kind == ToolErrorKind::execution);
    CHECK(result.to_text() == "this agent has no memory store");
  }
}
