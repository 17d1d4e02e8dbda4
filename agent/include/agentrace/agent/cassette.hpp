// Cassette: a recording of every model call a run made (request, and reply or error), with the
// agents that made them, so the run can be reproduced offline (see replay.hpp).
//
// The Runner writes one per top-level run, `<dir>/<trace id>.cassette.json`, beside the trace
// file of the default tracing (RunnerOptions::cassettes). A cassette holds the full messages
// whatever the trace's content policy: with content capture off, none is written unless a
// directory is set explicitly.
//
// File format (JSON, version 1):
//   {"agentrace_cassette": 1, "trace_id": "...", "task": "...", "root_agent": "manager",
//    "status": "completed", "output": "...",
//    "agents": [{"name": "manager", "depth": 0, "model": "m", "tools": ["researcher", ...]}, ...],
//    "calls": [{"agent": "manager", "step": 1, "request": {ChatRequest}, "response": {ChatResponse}}
//              | {..., "error": {"kind": "rate_limited", "message": "...", "status": 429}}, ...]}
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agentrace/agent/agent.hpp"
#include "agentrace/llm/message.hpp"
#include "agentrace/llm/replay.hpp"

namespace agentrace::agent {

struct CassetteAgent {
  std::string name;
  int depth = 0;
  std::string model;
  std::vector<std::string> tools;  // the names offered to its model, managed agents included
  friend bool operator==(const CassetteAgent&, const CassetteAgent&) = default;
};

struct CassetteCall {
  std::string agent;
  int step = 0;
  llm::RecordedCall call;
};

struct Cassette {
  static constexpr int format_version = 1;
  // The largest cassette load() reads (256 MiB): a recording of a long run with full content is
  // tens of MB; anything larger is refused before it is read.
  static constexpr std::uintmax_t max_file_bytes = std::uintmax_t{256} << 20;

  std::string trace_id;
  std::string task;
  std::string root_agent;
  std::string status;  // the run's RunStatus
  std::string output;  // its final output
  std::vector<CassetteAgent> agents;  // the agent tree, depth first
  std::vector<CassetteCall> calls;    // in the order they were made

  // The agent tree of `agent` as a cassette lists it (names, depth, model, tool names).
  static std::vector<CassetteAgent> describe(const Agent& agent);

  [[nodiscard]] nlohmann::json to_json() const;
  // Throws std::invalid_argument naming the field that is missing or wrong.
  static Cassette from_json(const nlohmann::json& j);
  // Written to a temporary file, synced and renamed, so a reader never sees half a cassette.
  // Throws std::runtime_error with the system's reason ("... No space left on device"); no
  // temporary file is left behind.
  void save(const std::filesystem::path& path) const;
  // Throws std::system_error (I/O; a device, a directory or a file over max_file_bytes) or
  // std::invalid_argument (not a cassette; names the file).
  static Cassette load(const std::filesystem::path& path);
};

// `<trace id>.cassette.json` beside `<trace id>.jsonl`, and the other way round.
std::filesystem::path cassette_path_for_trace(const std::filesystem::path& trace_file);
std::filesystem::path trace_path_for_cassette(const std::filesystem::path& cassette_file);

}  // namespace agentrace::agent
