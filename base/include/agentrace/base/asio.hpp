// The one way the project includes Asio. <utility> comes first: GCC 12 with Boost 1.74 fails on
// std::exchange otherwise. Boost 1.74 has no default completion token, so every asynchronous
// call in the project passes asio::use_awaitable explicitly.
#pragma once

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

namespace agentrace {
namespace asio = boost::asio;
}  // namespace agentrace
