// Small value types of the runner: status names, default tracing and cassette settings.
#include <ostream>
#include <string>

#include "agentrace/agent/runner.hpp"
#include "agentrace/tracing/env.hpp"

namespace agentrace::agent {

std::string_view to_string(RunStatus status) noexcept {
  switch (status) {
    case RunStatus::completed: return "completed";
    case RunStatus::max_steps: return "max_steps";
    case RunStatus::cancelled: return "cancelled";
    case RunStatus::timed_out: return "timed_out";
    case RunStatus::failed: return "failed";
  }
  return "failed";
}

std::ostream& operator<<(std::ostream& out, RunStatus status) { return out << to_string(status); }

namespace {

// An on/off variable: on|true|1 or off|false|0; anything else warns once and counts as unset.
std::optional<bool> env_switch(const char* name, std::string_view what) {
  auto v = tracing::env_string(name);
  if (!v) return std::nullopt;
  if (*v == "off" || *v == "false" || *v == "0") return false;
  if (*v == "on" || *v == "true" || *v == "1") return true;
  tracing::warn_once(std::string(name) + "='" + *v + "' is not on or off; " + std::string(what));
  return std::nullopt;
}

}  // namespace

DefaultTracing DefaultTracing::from_env() {
  DefaultTracing d;
  if (auto on = env_switch("AGENTRACE_TRACES", "tracing stays on")) d.enabled = *on;
  if (auto dir = tracing::env_string("AGENTRACE_TRACE_DIR")) d.trace_dir = *dir;
  return d;
}

CassetteOptions CassetteOptions::from_env() {
  CassetteOptions c;
  if (auto on = env_switch("AGENTRACE_CASSETTES", "cassettes follow the content policy")) c.enabled = *on;
  if (auto dir = tracing::env_string("AGENTRACE_CASSETTE_DIR")) c.dir = *dir;
  return c;
}

}  // namespace agentrace::agent
