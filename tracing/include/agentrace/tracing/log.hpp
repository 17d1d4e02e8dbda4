// The library's own messages (a trace file written, an export that failed, a bad OTEL_* value):
// one spdlog logger named "agentrace", writing to stderr, never to the application's stdout.
//
// Level: AGENTRACE_LOG_LEVEL (trace, debug, info, warn, error, critical, off; default info), or
// `agentrace::tracing::logger()->set_level(...)`. Into the application's own sinks:
//   agentrace::tracing::set_logger(std::make_shared<spdlog::logger>("agentrace", my_sinks...));
// or change the sinks of the one there is (`logger()->sinks()`). Silence: set_level(off).
// Every module of agentrace logs through this logger, and only through it.
#pragma once

#include <spdlog/logger.h>

#include <memory>

namespace agentrace::tracing {

// The logger in use (never null). Made on first use: stderr, level from AGENTRACE_LOG_LEVEL.
[[nodiscard]] std::shared_ptr<spdlog::logger> logger();
// Replaces it for every later message, from any thread; null restores the default (stderr).
void set_logger(std::shared_ptr<spdlog::logger> replacement);

}  // namespace agentrace::tracing
