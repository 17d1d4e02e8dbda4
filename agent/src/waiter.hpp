// Waiter: lets a run's coroutine wait, with a deadline, for things that finish elsewhere (a tool
// on the pool, a managed agent's run, a model call, a stop request). Internal to the Runner.
//
// Every run's coroutine executes on a strand. notify() may be called from any thread: it posts to
// that strand, so the timer and the `fired_` flag are only ever touched on the strand, and a
// notification that arrives before the coroutine starts waiting is not lost.
//
// Ownership: only the waiting coroutine owns a Waiter. Threads that notify hold a weak_ptr, and
// the handler notify() posts holds one too, so the Waiter (its timer, its executor) is always
// destroyed by its coroutine while the io_context lives; a tool abandoned at its deadline that
// returns later, after the context is gone, touches nothing of it. Callers from outside the
// strand must also know the context is alive when they notify (the Runner checks a flag under
// the call's mutex, which the coroutine sets before it stops waiting).
#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/redirect_error.hpp>

#include "agentrace/base/asio.hpp"
#include "deadline.hpp"

namespace agentrace::agent::detail {

class Waiter : public std::enable_shared_from_this<Waiter> {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Waiter(const asio::any_io_executor& strand) : timer_(strand) {}

  void notify() {
    asio::post(timer_.get_executor(), [weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        self->fired_ = true;
        self->timer_.cancel();
      }
    });
  }

  // Returns when notified (or notified since the last wait returned), or at `deadline`.
  asio::awaitable<void> wait_until(const Deadline& deadline) {
    if (!fired_) {
      // Asio saturates its arithmetic at time_point::max(): a wait that only a notification ends.
      timer_.expires_at(deadline.when().value_or(Clock::time_point::max()));
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    fired_ = false;
  }

 private:
  asio::steady_timer timer_;
  bool fired_ = false;
};

}  // namespace agentrace::agent::detail
