// LlmClient::complete awaited the way a user first writes it: GCC 12 destroys a by-value argument
// of a call inside a co_await expression twice, which crashed `co_await client.complete(request,
// options)` while complete() was the coroutine itself (tests/agent/run_async_test.cpp has the
// Runner's forms).
#include <catch2/catch.hpp>

#include "agentrace/llm/scripted.hpp"

using namespace agentrace;

TEST_CASE("co_await LlmClient::complete works with options as an lvalue, a temporary or omitted", "[llm]") {
  llm::ScriptedLlmClient model({llm::ScriptedLlmClient::text("one"), llm::ScriptedLlmClient::text("two"),
                                llm::ScriptedLlmClient::text("three")});
  llm::ChatRequest request;
  request.messages.push_back(llm::Message::user("Say one, two, three. " + std::string(64, 'x')));
  std::vector<std::string> replies;
  std::vector<std::string> streamed;

  asio::io_context io;
  std::exception_ptr failure;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        llm::CallOptions options;
        options.on_text = [&streamed, padding = std::string(64, 'p')](std::string_view text) {
          streamed.emplace_back(text);
        };
        replies.push_back((co_await model.complete(request, options)).message.content);
        replies.push_back((co_await model.complete(request, llm::CallOptions())).message.content);
        replies.push_back((co_await model.complete(request)).message.content);
      },
      [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);

  CHECK(replies == std::vector<std::string>{"one", "two", "three"});
  CHECK(streamed == std::vector<std::string>{"one"});  // only the first call had on_text
}
