// FlushOnSignals in a forked child process (the signal ends the process it is sent to): the
// registered flushes run on the watching thread, then the process exits with 128 + the signal.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "agentrace/tracing/flush_on_signals.hpp"
#include "support/test_support.hpp"

using agentrace::testing::TempDir;
using agentrace::tracing::FlushOnSignals;
using namespace std::chrono_literals;

namespace {

// Runs `body` in a forked child and returns its wait status; the child exits 99 if `body` returns.
template <typename F>
int in_child(F body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    body();
    ::_exit(99);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

}  // namespace

TEST_CASE("a stop signal runs the registered flushes, then exits with 128 + the signal", "[tracing][signals]") {
  TempDir dir;
  const auto marker = dir.path() / "flushed";
  const int status = in_child([&] {
    FlushOnSignals::Options options;
    options.deadline = 2000ms;
    options.before_exit = [&](int signal, bool flushed) {
      std::ofstream(marker, std::ios::app) << "before_exit " << signal << (flushed ? " flushed" : " late") << "\n";
    };
    FlushOnSignals on_signals(std::move(options));
    auto registration = on_signals.add([&](std::chrono::milliseconds timeout) {
      std::ofstream(marker, std::ios::app) << "flush within " << (timeout <= 2000ms && timeout > 0ms) << "\n";
      return true;
    });
    FlushOnSignals::Registration removed = on_signals.add([&](std::chrono::milliseconds) {
      std::ofstream(marker, std::ios::app) << "removed flush ran\n";
      return true;
    });
    removed = FlushOnSignals::Registration();  // unregistered: must not run
    ::kill(::getpid(), SIGTERM);
    std::this_thread::sleep_for(10s);  // the watching thread ends the process long before
  });
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + SIGTERM);
  std::ifstream in(marker);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  CHECK(text == "flush within 1\nbefore_exit " + std::to_string(SIGTERM) + " flushed\n");
}

TEST_CASE("a flush that fails or throws is reported as not flushed, and the others still run", "[tracing][signals]") {
  TempDir dir;
  const auto marker = dir.path() / "flushed";
  const int status = in_child([&] {
    FlushOnSignals::Options options;
    options.before_exit = [&](int, bool flushed) { std::ofstream(marker, std::ios::app) << (flushed ? "flushed" : "late") << "\n"; };
    FlushOnSignals on_signals(std::move(options));
    auto a = on_signals.add([](std::chrono::milliseconds) -> bool { throw std::runtime_error("broken exporter"); });
    auto b = on_signals.add([&](std::chrono::milliseconds) {
      std::ofstream(marker, std::ios::app) << "second ran\n";
      return true;
    });
    ::kill(::getpid(), SIGINT);
    std::this_thread::sleep_for(10s);
  });
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + SIGINT);
  std::ifstream in(marker);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  CHECK(text == "second ran\nlate\n");
}

TEST_CASE("one FlushOnSignals at a time, and the previous handlers come back", "[tracing][signals]") {
  struct sigaction before {};
  REQUIRE(::sigaction(SIGTERM, nullptr, &before) == 0);
  {
    FlushOnSignals on_signals;
    CHECK_THROWS_AS(FlushOnSignals(), std::logic_error);
    struct sigaction during {};
    REQUIRE(::sigaction(SIGTERM, nullptr, &during) == 0);
    CHECK(during.sa_handler != before.sa_handler);
  }
  struct sigaction after {};
  REQUIRE(::sigaction(SIGTERM, nullptr, &after) == 0);
  CHECK(after.sa_handler == before.sa_handler);
  FlushOnSignals again;  // the first one is gone
}
