// The library's logger: named, on stderr, levelled by AGENTRACE_LOG_LEVEL, replaceable.
#include <catch2/catch.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>

#include "agentrace/tracing/env.hpp"
#include "agentrace/tracing/log.hpp"
#include "support/test_support.hpp"

using agentrace::testing::LogCapture;
using agentrace::testing::ScopedEnv;
namespace tr = agentrace::tracing;

TEST_CASE("the library logs through one logger named agentrace, to stderr", "[tracing][log]") {
  tr::set_logger(nullptr);
  const auto logger = tr::logger();
  REQUIRE(logger != nullptr);
  CHECK(logger->name() == "agentrace");
  REQUIRE(logger->sinks().size() == 1);
  CHECK(std::dynamic_pointer_cast<spdlog::sinks::stderr_color_sink_mt>(logger->sinks().front()) != nullptr);
  CHECK(std::dynamic_pointer_cast<spdlog::sinks::stdout_color_sink_mt>(logger->sinks().front()) == nullptr);
}

TEST_CASE("AGENTRACE_LOG_LEVEL sets the default logger's level", "[tracing][log]") {
  struct Case {
    const char* value;
    spdlog::level::level_enum level;
  };
  const Case cases[] = {{"off", spdlog::level::off},   {"ERROR", spdlog::level::err},  {"warn", spdlog::level::warn},
                        {"warning", spdlog::level::warn}, {"debug", spdlog::level::debug}, {"", spdlog::level::info},
                        {"loud", spdlog::level::info}};  // unknown: the default, with a warning
  for (const auto& c : cases) {
    INFO("AGENTRACE_LOG_LEVEL=" << c.value);
    ScopedEnv env("AGENTRACE_LOG_LEVEL", c.value);
    tr::set_logger(nullptr);  // made again, reading the variable
    CHECK(tr::logger()->level() == c.level);
  }
  tr::set_logger(nullptr);
}

TEST_CASE("a replaced logger receives every module's messages, and null restores the default", "[tracing][log]") {
  {
    LogCapture log;
    tr::warn_once("a message only this test logs (log_test)");
    tr::warn_once("a message only this test logs (log_test)");  // once
    const std::string text = log.text();
    CHECK(text.find("agentrace: a message only this test logs (log_test)") != std::string::npos);
    CHECK(text.find("log_test") == text.rfind("log_test"));
  }
  CHECK(tr::logger()->name() == "agentrace");
  CHECK(std::dynamic_pointer_cast<spdlog::sinks::stderr_color_sink_mt>(tr::logger()->sinks().front()) != nullptr);
}

TEST_CASE("the logger can be silenced", "[tracing][log]") {
  LogCapture log;
  tr::logger()->set_level(spdlog::level::off);
  tr::warn_once("a message nobody should see (log_test)");
  CHECK(log.text().empty());
}
