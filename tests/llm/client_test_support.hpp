// What the HTTP model client tests share (openai_client_test.cpp, anthropic_client_test.cpp):
// request builders, the typed error a call throws, a collector of streamed text, a closed port.
#pragma once

#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/llm/client.hpp"
#include "support/error_of.hpp"
#include "support/fake_llm_server.hpp"

namespace agentrace::testing {

// One user message, and a model when given.
inline llm::ChatRequest ask(std::string text, std::string model = {}) {
  llm::ChatRequest r;
  r.model = std::move(model);
  r.messages = {llm::Message::user(std::move(text))};
  return r;
}

inline llm::Json add_schema() {
  return {{"type", "object"},
          {"properties", {{"a", {{"type", "integer"}}}, {"b", {{"type", "integer"}}}}},
          {"required", {"a", "b"}}};
}

inline llm::Json weather_schema() {
  return {{"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}, {"required", {"city"}}};
}

// The LlmError `f` throws; fails the test when it throws nothing or something else.
template <class F>
llm::LlmError llm_error_of(F&& f) {
  return error_of<llm::LlmError>(std::forward<F>(f), "an LlmError");
}

// Collects on_text pieces (called on the client's I/O thread).
struct TextSink {
  std::mutex mutex;
  std::vector<std::string> pieces;

  std::function<void(std::string_view)> callback() {
    return [this](std::string_view text) {
      std::lock_guard lock(mutex);
      if (!text.empty()) pieces.emplace_back(text);
    };
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mutex);
    return pieces;
  }
};

// A port nothing listens on: bound, then released.
inline std::uint16_t closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

inline FakeReply text_reply(std::string text) {
  FakeReply r;
  r.text = std::move(text);
  return r;
}

}  // namespace agentrace::testing
