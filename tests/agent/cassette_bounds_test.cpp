// Cassettes from outside: numbers beyond their types, usage near 2^63, files too large to be a
// cassette and devices. Each is a clear error or a saturated count, never undefined behaviour
// or a read without end.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "agentrace/agent/cassette.hpp"
#include "support/test_support.hpp"

using namespace agentrace;
using agentrace::testing::TempDir;
using Catch::Matchers::Contains;

namespace {

nlohmann::json cassette_with(const nlohmann::json& call) {
  return {{"agentrace_cassette", 1}, {"trace_id", "t"},    {"task", "x"},
          {"root_agent", "a"},       {"status", "completed"}, {"output", "y"},
          {"agents", nlohmann::json::array()}, {"calls", nlohmann::json::array({call})}};
}

nlohmann::json reply_with_usage(const nlohmann::json& usage) {
  return {{"message", {{"role", "assistant"}, {"content", "hi"}}}, {"usage", usage}, {"finish_reason", "stop"},
          {"model", "m"}, {"id", "1"}};
}

}  // namespace

TEST_CASE("cassette: usage near 2^63 reads and sums without overflow", "[agent][cassette][bounded]") {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  const auto c = agent::Cassette::from_json(cassette_with(
      {{"agent", "a"}, {"step", 1}, {"request", {{"messages", nlohmann::json::array()}}},
       {"response", reply_with_usage({{"input_tokens", max}, {"output_tokens", max}})}}));
  REQUIRE(c.calls.size() == 1);
  llm::Usage sum = c.calls[0].call.response->usage;
  CHECK(sum.total_tokens == max);
  sum += c.calls[0].call.response->usage;
  CHECK(sum.input_tokens == max);
}

TEST_CASE("cassette: numbers beyond their field's type are refused by name", "[agent][cassette][bounded]") {
  const nlohmann::json request = {{"messages", nlohmann::json::array()}};
  CHECK_THROWS_WITH(agent::Cassette::from_json(cassette_with(
                        {{"agent", "a"}, {"step", 4294967297ULL}, {"request", request}, {"response", reply_with_usage({})}})),
                    Contains("calls[0]: 'step' is out of range: 4294967297"));
  CHECK_THROWS_WITH(agent::Cassette::from_json(cassette_with(
                        {{"agent", "a"}, {"step", 1}, {"request", request},
                         {"response", reply_with_usage({{"input_tokens", 18446744073709551615ULL}})}})),
                    Contains("input_tokens") && Contains("within int64"));
}

TEST_CASE("cassette: devices and files beyond the size cap are refused", "[agent][cassette][bounded]") {
  if (std::filesystem::exists("/dev/zero")) {
    CHECK_THROWS_WITH(agent::Cassette::load("/dev/zero"), Contains("/dev/zero") && Contains("not a regular file"));
  }
  TempDir dir;
  const auto big = dir.path() / "big.cassette.json";
  { std::ofstream(big) << "{}"; }
  std::filesystem::resize_file(big, agent::Cassette::max_file_bytes + 1);  // sparse: nothing written
  CHECK_THROWS_WITH(agent::Cassette::load(big), Contains("big.cassette.json") && Contains("larger than"));
}
