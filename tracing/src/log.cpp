#include "agentrace/tracing/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "env.hpp"

namespace agentrace::tracing {
namespace {

// The level AGENTRACE_LOG_LEVEL names, or info. An unknown name is reported once made.
spdlog::level::level_enum level_from_env(bool& unknown) {
  unknown = false;
  const auto text = env_string("AGENTRACE_LOG_LEVEL");
  if (!text) return spdlog::level::info;
  const std::string name = detail::to_lower(*text);
  if (name == "warning") return spdlog::level::warn;
  const auto level = spdlog::level::from_str(name);  // unknown names come back as off
  if (level == spdlog::level::off && name != "off") {
    unknown = true;
    return spdlog::level::info;
  }
  return level;
}

std::shared_ptr<spdlog::logger> make_default() {
  auto made = std::make_shared<spdlog::logger>("agentrace", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  bool unknown = false;
  made->set_level(level_from_env(unknown));
  made->flush_on(spdlog::level::warn);
  if (unknown) {
    made->warn("agentrace: AGENTRACE_LOG_LEVEL is not one of trace, debug, info, warn, error, critical, off; using info");
  }
  return made;
}

std::atomic<std::shared_ptr<spdlog::logger>>& current() {
  static std::atomic<std::shared_ptr<spdlog::logger>> in_use{make_default()};
  return in_use;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger() { return current().load(std::memory_order_acquire); }

void set_logger(std::shared_ptr<spdlog::logger> replacement) {
  current().store(replacement ? std::move(replacement) : make_default(), std::memory_order_release);
}

}  // namespace agentrace::tracing
