// The current context of a thread, and the tools that carry a context to other threads.
//
// Rule of the project: code that starts work hands that work its parent explicitly (a Span or a
// Context). The thread-local current context exists so that user code (a tool body) can open child
// spans without plumbing; a Scope installs it and restores the previous one, and bind_context()
// carries it into a callable posted to a pool or an Asio executor. Work posted without binding
// sees whatever context its worker thread has (normally none), so its spans become roots.
#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "agentrace/tracing/ids.hpp"

namespace agentrace::tracing {

class Baggage;
class Span;

struct Context {
  SpanContext span;                        // invalid when there is no active span
  std::shared_ptr<const Baggage> baggage;  // null when there is no baggage
};

// A copy of this thread's current context.
Context current_context();
// This thread's current span context (invalid when none). Cheap: no copy of baggage.
const SpanContext& current_span_context() noexcept;

// Makes a span (or a whole context) current on this thread for the lifetime of the Scope and
// restores the previous context on destruction. Scopes nest LIFO, as blocks do.
class Scope {
 public:
  explicit Scope(const Span& span);
  explicit Scope(const SpanContext& span_context);
  explicit Scope(Context context) noexcept;
  ~Scope();

  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  Scope(Scope&&) = delete;
  Scope& operator=(Scope&&) = delete;

 private:
  Context previous_;
};

// Wraps `fn` so that, wherever and on whichever thread it runs, `context` is current while it
// runs. Use it for tasks posted to thread pools and Asio executors.
template <typename F>
auto bind_context(Context context, F&& fn) {
  return [context = std::move(context), fn = std::forward<F>(fn)](auto&&... args) mutable -> decltype(auto) {
    Scope scope(context);
    return std::invoke(fn, std::forward<decltype(args)>(args)...);
  };
}

// The same with the caller's current context.
template <typename F>
auto bind_context(F&& fn) {
  return bind_context(current_context(), std::forward<F>(fn));
}

}  // namespace agentrace::tracing
