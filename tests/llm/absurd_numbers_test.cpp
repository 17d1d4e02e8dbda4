// Token counts a server should never send but a buggy or hostile one may: near 2^63, beyond it,
// negative, or as doubles (1e300). Sums saturate at the int64 limits, negatives read as 0, and
// nothing overflows (UBSan, with float-cast-overflow, checks the casts).
#include <catch2/catch.hpp>

#include <chrono>
#include <limits>
#include <string>

#include "agentrace/llm/anthropic.hpp"
#include "agentrace/llm/message.hpp"
#include "agentrace/llm/openai.hpp"
#include "client_test_support.hpp"

using namespace agentrace;
using namespace agentrace::llm;
using namespace std::chrono_literals;
using agentrace::testing::ask;
using agentrace::testing::FakeApi;
using agentrace::testing::FakeEntry;
using agentrace::testing::FakeLlmServer;

namespace {

constexpr auto max = std::numeric_limits<std::int64_t>::max();

FakeEntry json_reply(const std::string& body) { return FakeEntry::wrong_content_type(body, "application/json"); }

ChatResponse openai_reply(const std::string& usage) {
  FakeLlmServer fake(FakeApi::openai,
                     {json_reply(R"({"id":"c1","model":"m","choices":[{"index":0,"finish_reason":"stop",)"
                                 R"("message":{"role":"assistant","content":"hi"}}],"usage":)" + usage + "}")});
  OpenAiOptions o;
  o.base_url = fake.base_url();
  o.api_key = "k";
  o.model = "m";
  o.http.timeouts.total = 10s;
  OpenAiClient client(o);
  return client.complete_sync(ask("hi", "m"));
}

ChatResponse anthropic_reply(const std::string& usage) {
  FakeLlmServer fake(FakeApi::anthropic,
                     {json_reply(R"({"id":"msg_1","type":"message","role":"assistant","model":"m","stop_reason":"end_turn",)"
                                 R"("content":[{"type":"text","text":"hi"}],"usage":)" + usage + "}")});
  AnthropicOptions o;
  o.base_url = fake.base_url();
  o.api_key = "k";
  o.model = "m";
  o.http.timeouts.total = 10s;
  AnthropicClient client(o);
  return client.complete_sync(ask("hi", "m"));
}

}  // namespace

TEST_CASE("usage: sums saturate at the int64 limits", "[llm][bounded]") {
  Usage a{max - 1, max, max, 5};
  a += Usage{10, 1, 1, max};
  CHECK(a == Usage{max, max, max, max});
  CHECK((Usage{1, 2, 3, 0} + Usage{1, 2, 3, 0}) == Usage{2, 4, 6, 0});
  Usage low{std::numeric_limits<std::int64_t>::min() + 1, 0, 0, 0};
  low += Usage{-5, 0, 0, 0};
  CHECK(low.input_tokens == std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("usage: a recorded usage near 2^63 reads without overflow", "[llm][bounded]") {
  const auto u = Json::parse(R"({"input_tokens": 9223372036854775807, "output_tokens": 9223372036854775807})").get<Usage>();
  CHECK(u.total_tokens == max);
}

TEST_CASE("openai: token counts near or beyond 2^63, negative or doubles do not overflow", "[llm][openai][bounded]") {
  CHECK(openai_reply(R"({"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807})").usage ==
        Usage{max, max, max, 0});
  CHECK(openai_reply(R"({"prompt_tokens":18446744073709551615,"completion_tokens":1e300,"total_tokens":-4})").usage ==
        Usage{max, max, max, 0});
  CHECK(openai_reply(R"({"prompt_tokens":-7,"completion_tokens":12.0})").usage == Usage{0, 12, 12, 0});
}

TEST_CASE("anthropic: token counts near 2^63 or doubles do not overflow", "[llm][anthropic][bounded]") {
  CHECK(anthropic_reply(R"({"input_tokens":9223372036854775807,"cache_read_input_tokens":9223372036854775807,)"
                        R"("cache_creation_input_tokens":5,"output_tokens":9223372036854775807})")
            .usage == Usage{max, max, max, max});
  CHECK(anthropic_reply(R"({"input_tokens":1e300,"output_tokens":-1})").usage == Usage{max, 0, max, 0});
}
