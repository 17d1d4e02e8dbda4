#include "chaos/chaos_model_server.hpp"

#include <array>
#include <utility>
#include <vector>

#include "chaos/chaos_random.hpp"

namespace agentrace::chaos {

using testing::FakeEntry;
using testing::FakeReply;
using testing::FakeToolCall;
using Json = nlohmann::json;

std::string_view to_string(ModelFault fault) noexcept {
  switch (fault) {
    case ModelFault::none: return "none";
    case ModelFault::rate_limited: return "429 Retry-After 0";
    case ModelFault::rate_limited_long: return "429 Retry-After 1";
    case ModelFault::server_error: return "500";
    case ModelFault::unavailable: return "503 Retry-After 0";
    case ModelFault::slow: return "slow";
    case ModelFault::too_slow: return "slower than the deadline";
    case ModelFault::cut_mid_event: return "stream cut mid-event";
    case ModelFault::short_stream: return "stream ended early";
    case ModelFault::stream_error: return "error event in stream";
    case ModelFault::invalid_json: return "invalid JSON";
    case ModelFault::html: return "HTML page";
    case ModelFault::drop: return "connection closed";
  }
  return "?";
}

std::string run_marker(std::uint64_t run) { return "[run " + std::to_string(run) + "]"; }

namespace {

// The share of requests each fault gets; the rest are answered properly. About one request in
// three misbehaves: most runs still complete after retries, and every status shows up.
constexpr std::array<std::pair<ModelFault, double>, 12> fault_shares{{
    {ModelFault::rate_limited, 0.05},
    {ModelFault::rate_limited_long, 0.01},
    {ModelFault::server_error, 0.05},
    {ModelFault::unavailable, 0.05},
    {ModelFault::slow, 0.05},
    {ModelFault::too_slow, 0.01},
    {ModelFault::cut_mid_event, 0.02},
    {ModelFault::short_stream, 0.01},
    {ModelFault::stream_error, 0.01},
    {ModelFault::invalid_json, 0.01},
    {ModelFault::html, 0.01},
    {ModelFault::drop, 0.04},
}};

ModelFault pick(double u) {
  for (const auto& [fault, share] : fault_shares) {
    if (u < share) return fault;
    u -= share;
  }
  return ModelFault::none;
}

// The run a conversation belongs to: the number after "[run " in its first user message.
std::uint64_t run_of(const Json& messages) {
  for (const auto& m : messages) {
    if (!m.is_object() || m.value("role", "") != "user" || !m.contains("content") || !m["content"].is_string()) continue;
    const std::string& text = m["content"].get_ref<const std::string&>();
    const auto at = text.find("[run ");
    if (at == std::string::npos) return 0;
    std::uint64_t run = 0;
    for (std::size_t i = at + 5; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      run = run * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    return run;
  }
  return 0;
}

// Text in a few deltas, as a streaming server sends it.
std::vector<std::string> deltas(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); i += 7) out.push_back(text.substr(i, 7));
  return out;
}

FakeToolCall call(std::string id, std::string name, std::string arguments) {
  FakeToolCall c{std::move(id), std::move(name), std::move(arguments)};
  const std::size_t half = c.arguments.size() / 2;
  c.fragments = {c.arguments.substr(0, half), c.arguments.substr(half)};
  return c;
}

}  // namespace

ChaosModelServer::ChaosModelServer(std::uint64_t seed, std::chrono::milliseconds too_slow)
    : seed_(seed), too_slow_(too_slow), fake_(testing::FakeApi::openai, {}, [] {
        testing::ServerOptions o;
        o.keep_requests = false;  // thousands of requests a round: memory must stay flat
        return o;
      }()) {
  fake_.set_responder([this](const testing::FakeRequest& r) { return answer(r); });
}

void ChaosModelServer::reset_attempts() {
  std::lock_guard lock(mutex_);
  attempts_.clear();
}

std::map<ModelFault, std::size_t> ChaosModelServer::faults() const {
  std::lock_guard lock(mutex_);
  return faults_;
}

FakeEntry ChaosModelServer::answer(const testing::FakeRequest& request) {
  const Json& body = request.json;
  if (!body.is_object() || !body.contains("messages") || !body["messages"].is_array() || body["messages"].empty()) {
    return FakeEntry::error(400, "chaos model server: a request without messages");
  }
  const Json& messages = body["messages"];
  const std::string model = body.value("model", "");
  const std::uint64_t run = run_of(messages);
  const std::string last_role = messages.back().is_object() ? messages.back().value("role", "") : "";
  const std::string conversation = model + "/" + std::to_string(run) + "/" + std::to_string(messages.size());

  ModelFault fault = ModelFault::none;
  {
    std::lock_guard lock(mutex_);
    const std::uint32_t attempt = ++attempts_[conversation];
    fault = pick(unit(draw(seed_, hash(conversation), attempt)));
    ++faults_[fault];
  }

  // The reply a well-behaved model would give.
  const std::string marker = run_marker(run);
  const std::string prefix = "call_" + std::to_string(run) + "_" + std::to_string(messages.size()) + "_";
  FakeReply reply;
  reply.usage = {40, 8, 0};
  if (last_role == "tool") {
    reply.text = (model == manager_model ? "The report is ready " : "The figures are found ") + marker;
    reply.text_deltas = deltas(reply.text);
  } else if (model == manager_model) {
    // Model mistakes in a few runs: a lookup that throws, arguments that are not JSON.
    const double mistake = unit(draw(seed_, run, 0x6d697374616b65ULL));
    const std::string second = mistake < 0.05 ? std::string(broken_topic) : "beta";
    const std::string third_arguments = mistake > 0.97 ? R"({"topic": )" : R"({"topic": "gamma"})";
    reply.tool_calls = {call(prefix + "1", "lookup", R"({"topic": "alpha"})"),
                        call(prefix + "2", "lookup", R"({"topic": ")" + second + R"("})"),
                        call(prefix + "3", "lookup", third_arguments),
                        call(prefix + "4", "researcher", Json{{"task", "Find the figures " + marker}}.dump())};
    reply.interleave_tool_calls = true;
  } else {
    reply.tool_calls = {call(prefix + "1", "lookup", R"({"topic": "delta"})")};
  }

  switch (fault) {
    case ModelFault::none: return FakeEntry::make_reply(reply);
    case ModelFault::rate_limited: return FakeEntry::error(429, "Rate limit reached, retry shortly", "0");
    case ModelFault::rate_limited_long: return FakeEntry::error(429, "Rate limit reached, retry in 1 s", "1");
    case ModelFault::server_error: return FakeEntry::error(500, "The server had an error while processing your request");
    case ModelFault::unavailable: return FakeEntry::error(503, "The engine is currently overloaded", "0");
    case ModelFault::slow: {
      const auto delay = std::chrono::milliseconds(20 + static_cast<std::int64_t>(unit(draw(seed_, hash(conversation), 0x510u)) * 180));
      return FakeEntry::slow(reply, delay);
    }
    case ModelFault::too_slow: return FakeEntry::slow(reply, too_slow_);
    case ModelFault::cut_mid_event: return FakeEntry::cut_mid_event(reply, 2);
    case ModelFault::short_stream: return FakeEntry::short_stream(reply, 2);
    case ModelFault::stream_error: return FakeEntry::stream_error(reply, 1, "The server had an error while streaming", "server_error");
    case ModelFault::invalid_json: return FakeEntry::invalid_json();
    case ModelFault::html: return FakeEntry::wrong_content_type();
    case ModelFault::drop: return FakeEntry::drop();
  }
  return FakeEntry::make_reply(reply);
}

}  // namespace agentrace::chaos
