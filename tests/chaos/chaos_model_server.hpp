// ChaosModelServer: an OpenAI-compatible chat completions server on loopback that plays the
// models of the chaos soak's agents and, at random, misbehaves as real servers do: 429 with a
// Retry-After, 500, 503, a slow first byte (some beyond the run's deadline), a stream cut in the
// middle of an event, a stream that ends early or carries an error event, invalid JSON, an HTML
// page, a dropped connection.
//
// Each request is answered by what it asks, not by arrival order (FakeLlmServer's responder):
//   model "chaos-manager", a task holding "[run N]": first parallel tool calls (lookup twice and
//   the managed agent "researcher"), then, once it has tool results, a final answer;
//   model "chaos-researcher": one lookup call, then a final answer.
// A few runs get a model mistake as well (arguments that are not JSON, a lookup that throws).
// Which fault a request meets is drawn from the seed, the run, the agent, the conversation's
// length and the attempt, so a seed replays each run's faults.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "support/fake_llm_server.hpp"

namespace agentrace::chaos {

enum class ModelFault {
  none,
  rate_limited,       // 429, Retry-After: 0
  rate_limited_long,  // 429, Retry-After: 1
  server_error,       // 500
  unavailable,        // 503, Retry-After: 0
  slow,               // the reply, its first byte 20 to 200 ms late
  too_slow,           // the reply, its first byte later than the run's deadline
  cut_mid_event,      // streamed: cut inside the third event; plain: half the body, then closed
  short_stream,       // a stream whose body ends before [DONE]
  stream_error,       // an error event inside the stream
  invalid_json,       // 200 application/json that is not JSON
  html,               // 200 text/html (a proxy's error page)
  drop,               // the connection closed without an answer
};
std::string_view to_string(ModelFault fault) noexcept;

inline constexpr std::string_view manager_model = "chaos-manager";
inline constexpr std::string_view researcher_model = "chaos-researcher";
inline constexpr std::string_view broken_topic = "broken";  // the lookup tool throws on it

// "[run N]", the marker the server finds a run by.
std::string run_marker(std::uint64_t run);

class ChaosModelServer {
 public:
  // `too_slow`: the first-byte delay of a too_slow fault.
  ChaosModelServer(std::uint64_t seed, std::chrono::milliseconds too_slow);
  ChaosModelServer(const ChaosModelServer&) = delete;
  ChaosModelServer& operator=(const ChaosModelServer&) = delete;

  [[nodiscard]] std::string base_url() const { return fake_.base_url(); }
  [[nodiscard]] std::size_t open_connections() { return fake_.http().open_connections(); }
  // Forgets the attempts counted so far (between rounds, whose runs reuse the same numbers).
  void reset_attempts();
  // Requests answered with each fault (none: a proper reply), since construction.
  [[nodiscard]] std::map<ModelFault, std::size_t> faults() const;

 private:
  testing::FakeEntry answer(const testing::FakeRequest& request);

  std::uint64_t seed_;
  std::chrono::milliseconds too_slow_;
  mutable std::mutex mutex_;
  std::map<std::string, std::uint32_t> attempts_;  // per run, agent and conversation length
  std::map<ModelFault, std::size_t> faults_;
  testing::FakeLlmServer fake_;  // last: stopped first
};

}  // namespace agentrace::chaos
