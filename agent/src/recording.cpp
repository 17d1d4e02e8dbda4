#include "recording.hpp"

#include "agentrace/tracing/log.hpp"

namespace agentrace::agent::detail {

namespace {

CassetteCall call_of(const Agent& agent, int step, const llm::ChatRequest& request) {
  CassetteCall c;
  c.agent = agent.name;
  c.step = step;
  c.call.request = request;
  return c;
}

}  // namespace

void Recording::add(const Agent& agent, int step, const llm::ChatRequest& request, const llm::ChatResponse& response) {
  CassetteCall c = call_of(agent, step, request);
  c.call.response = response;
  add(std::move(c));
}

void Recording::add(const Agent& agent, int step, const llm::ChatRequest& request, const llm::LlmError& error) {
  CassetteCall c = call_of(agent, step, request);
  c.call.error = error;
  add(std::move(c));
}

void Recording::add(CassetteCall call) {
  std::lock_guard lock(mutex_);
  calls_.push_back(std::move(call));
}

void Recording::write(const std::filesystem::path& dir, const Agent& root, const std::string& task,
                      const std::string& conversation_id, RunResult& result) {
  Cassette cassette;
  cassette.trace_id = result.trace_id;
  cassette.task = task;
  cassette.root_agent = root.name;
  cassette.status = std::string(to_string(result.status));
  cassette.output = result.output;
  cassette.agents = Cassette::describe(root);
  {
    std::lock_guard lock(mutex_);
    cassette.calls = std::move(calls_);
  }
  const std::string stem = result.trace_id.empty() ? "untraced-" + conversation_id : result.trace_id;
  const auto path = dir / (stem + ".cassette.json");
  try {
    cassette.save(path);
    result.cassette = path;
  } catch (const std::exception& e) {
    tracing::logger()->warn("agentrace: cannot write the run's cassette: {}", e.what());
  }
}

}  // namespace agentrace::agent::detail
