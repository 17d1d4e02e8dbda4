#include "agentrace/tracing/context.hpp"

#include "agentrace/tracing/tracer.hpp"

namespace agentrace::tracing {
namespace {

thread_local Context t_current;  // NOLINT: the one thread-local of the design (see context.hpp)

}  // namespace

Context current_context() { return t_current; }

const SpanContext& current_span_context() noexcept { return t_current.span; }

Scope::Scope(const Span& span) : Scope(span.context()) {}

Scope::Scope(const SpanContext& span_context) : previous_(t_current) { t_current.span = span_context; }

Scope::Scope(Context context) noexcept : previous_(std::exchange(t_current, std::move(context))) {}

Scope::~Scope() { t_current = std::move(previous_); }

}  // namespace agentrace::tracing
