// Writing out the spans that have ended when the process is told to stop: SIGINT (Ctrl-C) and
// SIGTERM (kill, a service manager, a container stopping).
//
// Nothing an exporter does is async-signal-safe (it locks, allocates, writes files, talks HTTP),
// so a signal handler must not flush. Here the handler only writes the signal's number into a
// pipe; a thread of this object reads it, calls the flush functions registered with add() (each
// given what is left of the deadline), and ends the process with exit status 128 + the signal's
// number, as a shell reports a process that a signal ended. A second signal while flushing ends
// the process at once.
//
//   int main() {
//     agentrace::tracing::FlushOnSignals on_signals;   // before the work starts
//     agentrace::agent::Runner runner;
//     auto flushed = on_signals.add([&runner](std::chrono::milliseconds t) { return runner.flush(t); });
//     ...
//
// A program that handles these signals itself (asio::signal_set, its own signal thread) calls
// runner.flush(timeout) or provider->force_flush(timeout) from there instead: both are
// thread-safe and bounded by their timeout.
#pragma once

#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <vector>

namespace agentrace::tracing {

class FlushOnSignals {
 public:
  using Flush = std::function<bool(std::chrono::milliseconds timeout)>;

  struct Options {
    std::chrono::milliseconds deadline{2000};  // for all the flush functions together
    std::vector<int> signals{SIGINT, SIGTERM};
    // Called on the watching thread after the flush, just before the exit (e.g. a line on
    // stderr): the signal, and whether every flush function completed in time.
    std::function<void(int signal, bool flushed)> before_exit{};
  };

  // Removes its flush function when destroyed, waiting for a flush in progress to end, so that
  // what the function uses may be destroyed right after it.
  class Registration {
   public:
    Registration() = default;
    ~Registration();
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

    struct Slot;

   private:
    friend class FlushOnSignals;
    explicit Registration(std::shared_ptr<Slot> slot) : slot_(std::move(slot)) {}
    std::shared_ptr<Slot> slot_;
  };

  // Installs the handlers and starts the thread. One object at a time per process: a second one
  // throws std::logic_error; a pipe or thread that cannot be made, std::system_error.
  FlushOnSignals() : FlushOnSignals(Options{}) {}
  explicit FlushOnSignals(Options options);
  // Puts the previous handlers back and stops the thread.
  ~FlushOnSignals();
  FlushOnSignals(const FlushOnSignals&) = delete;
  FlushOnSignals& operator=(const FlushOnSignals&) = delete;

  // Called, in the order added, when a signal arrives.
  [[nodiscard]] Registration add(Flush flush);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace agentrace::tracing
