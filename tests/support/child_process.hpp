// A program run as a child process, as a user or a service manager runs it, for tests of what
// happens when it is interrupted or killed: its stdout and stderr go to files, which the test
// reads while it runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace agentrace::testing {

class ChildProcess {
 public:
  // Starts `argv` (argv[0] a path) with the test's environment plus `env` (NAME=value entries),
  // stdout and stderr written to files in `output_dir`. Fails the test when it cannot start.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output_dir,
               const std::vector<std::string>& env = {});
  ~ChildProcess();  // kills it (SIGKILL) if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] std::string out() const;
  [[nodiscard]] std::string err() const;

  // Waits until stdout holds `text`; false when the process ended or `timeout` passed first.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout) const;
  void signal(int signal) const;
  // Waits for the process to end: its status as waitpid reports it, or nullopt after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::filesystem::path out_;
  std::filesystem::path err_;
};

// Polls `condition` (every 5 ms) until it holds or `timeout` passes; whether it held.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace agentrace::testing
