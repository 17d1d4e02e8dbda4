#include "agentrace/tracing/flush_on_signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace agentrace::tracing {

namespace {

// What the handler may touch: lock-free atomics and write(2), nothing else.
std::atomic<int> signal_pipe{-1};
std::atomic<bool> signal_seen{false};
std::atomic<bool> installed{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

void on_stop_signal(int signal) {
  if (signal_seen.exchange(true)) ::_exit(128 + signal);  // a second signal: no more waiting
  const int saved = errno;
  const auto byte = static_cast<unsigned char>(signal);
  const int fd = signal_pipe.load();
  if (fd >= 0) (void)!::write(fd, &byte, 1);
  errno = saved;
}

}  // namespace

struct FlushOnSignals::Registration::Slot {
  std::weak_ptr<FlushOnSignals::State> owner;
  Flush flush;
};

struct FlushOnSignals::State {
  Options options;
  int read_fd = -1;
  int write_fd = -1;
  std::vector<std::pair<int, struct sigaction>> previous;
  std::mutex mutex;  // guards slots; held while flushing, so a Registration outlives its flush
  std::vector<std::shared_ptr<Registration::Slot>> slots;
  std::thread watcher;

  void watch() noexcept {
    for (;;) {
      unsigned char byte = 0;
      const ::ssize_t n = ::read(read_fd, &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || byte == 0) return;  // the destructor's byte 0, or the pipe is gone
      const int signal = byte;
      const auto deadline = std::chrono::steady_clock::now() + options.deadline;
      bool flushed = true;
      {
        std::lock_guard lock(mutex);
        for (const auto& slot : slots) {
          const auto left = std::max(std::chrono::milliseconds{0}, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                       deadline - std::chrono::steady_clock::now()));
          try {
            flushed = slot->flush(left) && flushed;
          } catch (...) {
            flushed = false;
          }
        }
        try {
          if (options.before_exit) options.before_exit(signal, flushed);
        } catch (...) {
        }
        ::_exit(128 + signal);  // with the lock held: nothing is unregistered under our feet
      }
    }
  }
};

FlushOnSignals::Registration::~Registration() {
  if (!slot_) return;
  if (auto owner = slot_->owner.lock()) {
    std::lock_guard lock(owner->mutex);
    std::erase(owner->slots, slot_);
  }
}

FlushOnSignals::Registration::Registration(Registration&& other) noexcept : slot_(std::move(other.slot_)) {}

FlushOnSignals::Registration& FlushOnSignals::Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    Registration gone(std::move(*this));
    slot_ = std::move(other.slot_);
  }
  return *this;
}

FlushOnSignals::FlushOnSignals(Options options) : state_(std::make_shared<State>()) {
  if (installed.exchange(true)) throw std::logic_error("agentrace: only one FlushOnSignals may exist at a time");
  State& s = *state_;
  s.options = std::move(options);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    installed = false;
    throw std::system_error(errno, std::generic_category(), "agentrace: cannot make the signal pipe");
  }
  s.read_fd = fds[0];
  s.write_fd = fds[1];
  signal_seen = false;
  signal_pipe = s.write_fd;
  try {
    s.watcher = std::thread([state = state_] { state->watch(); });
  } catch (const std::system_error&) {
    signal_pipe = -1;
    ::close(s.read_fd);
    ::close(s.write_fd);
    installed = false;
    throw;
  }
  for (int signal : s.options.signals) {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    struct sigaction old {};
    if (::sigaction(signal, &action, &old) == 0) s.previous.emplace_back(signal, old);
  }
}

FlushOnSignals::~FlushOnSignals() {
  State& s = *state_;
  for (auto& [signal, old] : s.previous) ::sigaction(signal, &old, nullptr);
  const unsigned char stop = 0;
  (void)!::write(s.write_fd, &stop, 1);
  if (s.watcher.joinable()) s.watcher.join();
  signal_pipe = -1;
  ::close(s.read_fd);
  ::close(s.write_fd);
  installed = false;
}

FlushOnSignals::Registration FlushOnSignals::add(Flush flush) {
  auto slot = std::make_shared<Registration::Slot>();
  slot->owner = state_;
  slot->flush = std::move(flush);
  std::lock_guard lock(state_->mutex);
  state_->slots.push_back(slot);
  return Registration(std::move(slot));
}

}  // namespace agentrace::tracing
