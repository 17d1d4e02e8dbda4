// Recording: a top-level run's model calls, in order, kept for its cassette (cassette.hpp) and
// written beside its trace when the run ends. Internal to the Runner; the loop only adds calls.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "agentrace/agent/cassette.hpp"
#include "agentrace/agent/runner.hpp"

namespace agentrace::agent::detail {

class Recording {
 public:
  // Thread-safe: parallel managed agents add their calls from their own coroutines.
  void add(const Agent& agent, int step, const llm::ChatRequest& request, const llm::ChatResponse& response);
  void add(const Agent& agent, int step, const llm::ChatRequest& request, const llm::LlmError& error);

  // Writes `<dir>/<trace id>.cassette.json` (untraced-<conversation id> without a trace) and sets
  // result.cassette; a failure is logged, never thrown. Takes the calls: call once, at the end.
  void write(const std::filesystem::path& dir, const Agent& root, const std::string& task,
             const std::string& conversation_id, RunResult& result);

 private:
  void add(CassetteCall call);

  std::mutex mutex_;
  std::vector<CassetteCall> calls_;
};

}  // namespace agentrace::agent::detail
