// A fake model server for tests of the HTTP model clients and of whole agent runs against them:
// a LoopbackHttpServer (real HTTP or HTTPS on 127.0.0.1) that speaks either the OpenAI chat
// completions API (POST /v1/chat/completions) or the Anthropic Messages API (POST /v1/messages),
// plain or streamed over Server-Sent Events (as the request's "stream": true asks), in each
// provider's documented wire format.
//
// The test scripts a queue of entries, one taken per request in arrival order:
//   - a reply: text (optionally split into stream deltas), tool calls (id, name and the raw
//     arguments string, possibly invalid JSON, optionally split into stream fragments), finish
//     reason, usage (cached input tokens included), model and id;
//   - a fault: an error status with the provider's error JSON (and Retry-After), a slow first
//     byte, a stream cut after N events (the connection closed, or the body ended early), an
//     error event in the middle of a stream, a 200 whose body is not JSON, a 200 with the wrong
//     content type, a dropped connection.
// When the queue is empty the server answers 500 with a provider-style error saying the fake's
// script ran out. Requests to any other path get a provider-style 404 and consume no entry.
//
//   FakeLlmServer fake(FakeApi::openai);
//   fake.push(FakeEntry::reply({.text = "Hello"}));
//   fake.push(FakeEntry::error(429, "slow down", "2"));
//   OpenAiOptions o; o.base_url = fake.base_url(); ...
//   fake.requests()[0].json.at("model") ...
//
// Usage is given as the agentrace llm::Usage counts it (input tokens include the cached ones);
// the fake writes each API's own fields: OpenAI prompt_tokens (all input) and
// prompt_tokens_details.cached_tokens; Anthropic input_tokens (the uncached part only, as that API
// counts) and cache_read_input_tokens.
//
// Threading: entries may be pushed and requests read from any thread while the server runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/loopback_http_server.hpp"

namespace agentrace::testing {

enum class FakeApi { openai, anthropic };

struct FakeToolCall {
  std::string id;
  std::string name;
  // Exactly as the model sends it: a JSON text, or anything at all (invalid JSON is allowed).
  // Anthropic's plain replies carry tool input as a JSON value: an invalid text is sent there as
  // a JSON string instead (streamed replies carry it verbatim as partial_json fragments), and an
  // empty text as {} (a tool without parameters, streamed as one empty partial_json).
  std::string arguments;
  // Streamed replies: the arguments in these fragments (their concatenation should equal
  // `arguments`). Empty: one fragment holding the whole of `arguments`.
  std::vector<std::string> fragments{};
};

struct FakeUsage {
  std::int64_t input_tokens = 0;  // all of the prompt, cached tokens included
  std::int64_t output_tokens = 0;
  std::int64_t cached_input_tokens = 0;
};

struct FakeReply {
  std::string text{};
  // Streamed replies: the text in these deltas (their concatenation should equal `text`).
  // Empty: one delta holding the whole text (none when the text is empty).
  std::vector<std::string> text_deltas{};
  std::vector<FakeToolCall> tool_calls{};
  // "" : the API's usual reason: OpenAI "stop" / "tool_calls", Anthropic "end_turn" / "tool_use".
  std::string finish_reason{};
  FakeUsage usage{12, 5, 0};
  std::string model{};  // "": the request's model
  std::string id{};     // "": chatcmpl-fake-<n> / msg_fake_<n>
  // OpenAI streams: send the tool calls' fragments round-robin (call 0, call 1, call 0, ...),
  // as servers streaming parallel calls may, instead of one call after the other.
  bool interleave_tool_calls = false;
  // Streamed replies: waited before each event after the first.
  std::chrono::milliseconds event_delay{0};
};

// One scripted answer. Build with the factories.
struct FakeEntry {
  enum class Kind {
    reply,               // the reply, plain or streamed
    error,               // `status` with the provider's error body
    cut_stream,          // streamed: the first `events` events of the reply, then the connection
                         // closes (no last chunk); plain: half the body, then closes
    short_stream,        // streamed: the first `events` events, then the body ends properly (the
                         // last chunk sent) without the stream's own end ([DONE], message_stop)
    stream_error,        // streamed: the first `events` events, then the provider's error event
                         // (short_stream and stream_error answer with a stream even when the
                         // request did not ask for one)
    invalid_json,        // 200 application/json whose body is `body`
    wrong_content_type,  // 200 with `content_type` and `body`
    drop,                // closes the connection without answering
  };

  Kind kind = Kind::reply;
  FakeReply reply{};
  // error / stream_error: the status, the provider's message and error type ("" : the usual type
  // for the status). "{api_key}" in the message is replaced by the key the request carried, as
  // servers that echo a rejected key do (to check that clients keep it out of their errors).
  unsigned status = 200;
  std::string message{};
  std::string error_type{};
  std::optional<std::string> retry_after{};  // the Retry-After header, verbatim
  std::size_t events = 0;                    // cut_stream / short_stream / stream_error
  bool mid_event = false;                    // cut_stream: also half of the next event's bytes
  std::string body{};                        // invalid_json / wrong_content_type ("{api_key}" too)
  std::string content_type{};                // wrong_content_type
  std::chrono::milliseconds header_delay{0};  // any kind: waited before the first byte

  static FakeEntry make_reply(FakeReply reply);
  static FakeEntry error(unsigned status, std::string message, std::optional<std::string> retry_after = std::nullopt,
                         std::string error_type = {});
  // The reply, its first byte `delay` late.
  static FakeEntry slow(FakeReply reply, std::chrono::milliseconds delay);
  static FakeEntry cut_stream(FakeReply reply, std::size_t events);
  // Streamed: the first `events` events, then the next one cut in its middle, then the close.
  static FakeEntry cut_mid_event(FakeReply reply, std::size_t events);
  static FakeEntry short_stream(FakeReply reply, std::size_t events);
  static FakeEntry stream_error(FakeReply reply, std::size_t events, std::string message, std::string error_type = {});
  static FakeEntry invalid_json(std::string body = R"({"id": "chatcmpl-1", "choices": [{"message": )");
  static FakeEntry wrong_content_type(std::string body = "<html><body>502 Bad Gateway</body></html>",
                                      std::string content_type = "text/html");
  static FakeEntry drop();
};

// A request as the fake received it, with its body parsed.
struct FakeRequest : ServerRequest {
  nlohmann::json json;  // the body as JSON; null when it is not JSON
  [[nodiscard]] bool stream() const;  // "stream": true in the body
};

class FakeLlmServer {
 public:
  explicit FakeLlmServer(FakeApi api, std::vector<FakeEntry> script = {}, ServerOptions options = {});
  ~FakeLlmServer();
  FakeLlmServer(const FakeLlmServer&) = delete;
  FakeLlmServer& operator=(const FakeLlmServer&) = delete;

  void push(FakeEntry entry);
  // Instead of the script: each request's entry is what `responder` returns for it (called on the
  // server's thread, one request at a time; it must not block). For servers whose answers depend
  // on the request rather than on arrival order, e.g. many agents talking to one fake at once.
  // An empty function goes back to the script.
  void set_responder(std::function<FakeEntry(const FakeRequest&)> responder);
  void push(FakeReply reply) { push(FakeEntry::make_reply(std::move(reply))); }
  [[nodiscard]] std::size_t remaining() const;

  // OpenAI: "http://127.0.0.1:<port>/v1"; Anthropic: "http://127.0.0.1:<port>" (https with TLS),
  // as the clients' base_url options take them.
  [[nodiscard]] std::string base_url() const;
  [[nodiscard]] std::uint16_t port() const noexcept { return http_->port(); }
  [[nodiscard]] FakeApi api() const noexcept { return api_; }
  // TLS: the file a client must trust (ClientOptions::ca_file).
  [[nodiscard]] const std::filesystem::path& ca_file() const noexcept { return http_->ca_file(); }
  [[nodiscard]] LoopbackHttpServer& http() noexcept { return *http_; }

  // Every request received so far, in order (those to unknown paths included; none when the
  // server options turn keep_requests off).
  [[nodiscard]] std::vector<FakeRequest> requests() const;
  [[nodiscard]] std::size_t request_count() const { return http_->requests_received(); }

  // The provider's error body for `status` (exposed for tests that script a LoopbackHttpServer).
  [[nodiscard]] static std::string error_body(FakeApi api, unsigned status, std::string_view message,
                                              std::string_view error_type = {});

 private:
  ServerResponse answer(const ServerRequest& request);

  FakeApi api_;
  mutable std::mutex mutex_;
  std::vector<FakeEntry> script_;
  std::size_t next_ = 0;
  std::size_t served_ = 0;  // replies generated: numbers the default ids
  std::function<FakeEntry(const FakeRequest&)> responder_;
  std::unique_ptr<LoopbackHttpServer> http_;
};

}  // namespace agentrace::testing
