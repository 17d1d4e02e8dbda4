// Helpers shared by the net tests: running a coroutine to completion, catching an HttpError,
// timing.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include "agentrace/net/http_client.hpp"
#include "support/error_of.hpp"

namespace agentrace::testing {

using Clock = std::chrono::steady_clock;

// Runs `task` on `io` (in this thread) until the context runs out of work.
template <class T>
T run_on(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr error;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result = std::move(value);
  });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

// The HttpError `f` throws; fails the test when it throws nothing or something else.
template <class F>
net::HttpError http_error_of(F&& f) {
  return error_of<net::HttpError>(std::forward<F>(f), "an HttpError");
}

inline long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

}  // namespace agentrace::testing
