// How net includes Asio: <utility> first (GCC 12 with Boost 1.74 fails on std::exchange otherwise).
// The alias is the same one llm declares; net must not include llm, and redeclaring a namespace
// alias to the same namespace is legal. Boost 1.74 has no default completion token: every
// asynchronous call passes asio::use_awaitable explicitly.
#pragma once

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace agentrace {
namespace asio = boost::asio;
}  // namespace agentrace
