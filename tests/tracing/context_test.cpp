// The parent of work handed to other threads: explicit binding keeps it, no binding makes roots.
#include <catch2/catch.hpp>

#include <utility>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <thread>

#include "agentrace/tracing/tracer.hpp"
#include "support/test_support.hpp"

using namespace agentrace::tracing;
using agentrace::testing::children_of;
using agentrace::testing::InMemoryTracing;
using agentrace::testing::only_span;
using agentrace::testing::spans_named;

namespace asio = boost::asio;

namespace {

constexpr int tasks = 64;

void check_bound_and_unbound(const std::vector<SpanData>& spans) {
  const auto& parent = only_span(spans, "parent");
  const auto bound = spans_named(spans, "bound");
  const auto unbound = spans_named(spans, "unbound");
  REQUIRE(bound.size() == tasks);
  REQUIRE(unbound.size() == tasks);
  for (const auto& s : bound) {
    CHECK(s.trace_id == parent.trace_id);
    CHECK(s.parent_span_id == parent.span_id);
  }
  for (const auto& s : unbound) CHECK(s.is_root());  // documented: no binding, no parent
  // Each bound task's own child nests under that task, not under whatever ran before on the thread.
  for (const auto& s : bound) {
    const auto kids = children_of(spans, s);
    REQUIRE(kids.size() == 1);
    CHECK(kids[0].name == "nested");
  }
}

}  // namespace

TEST_CASE("bound tasks on a 4-thread pool keep their parent", "[tracing][context]") {
  InMemoryTracing t;
  {
    asio::thread_pool pool(4);
    {
      Span parent = t.tracer.start_span("parent");
      Scope scope(parent);
      for (int i = 0; i < tasks; ++i) {
        asio::post(pool, bind_context([&t] {
          Span s = t.tracer.start_span("bound");
          Scope inner(s);
          Span nested = t.tracer.start_span("nested");
        }));
        asio::post(pool, [&t] { Span s = t.tracer.start_span("unbound"); });
      }
      pool.wait();
    }
    pool.join();
  }
  check_bound_and_unbound(t.spans());
}

TEST_CASE("bound handlers on an io_context run by 2 threads keep their parent", "[tracing][context]") {
  InMemoryTracing t;
  asio::io_context io;
  {
    Span parent = t.tracer.start_span("parent");
    Scope scope(parent);
    for (int i = 0; i < tasks; ++i) {
      asio::post(io, bind_context([&t] {
        Span s = t.tracer.start_span("bound");
        Scope inner(s);
        Span nested = t.tracer.start_span("nested");
      }));
      asio::post(io, [&t] { Span s = t.tracer.start_span("unbound"); });
    }
  }
  std::thread a([&] { io.run(); });
  std::thread b([&] { io.run(); });
  a.join();
  b.join();
  check_bound_and_unbound(t.spans());
}

TEST_CASE("an explicit context needs no thread-local at all", "[tracing][context]") {
  InMemoryTracing t;
  Span parent = t.tracer.start_span("parent");
  const SpanContext ctx = parent.context();
  std::thread worker([&] { Span s = t.tracer.start_span("child", {.parent = ctx}); });
  worker.join();
  parent.end();
  const auto spans = t.spans();
  CHECK(only_span(spans, "child").parent_span_id == only_span(spans, "parent").span_id);
}

TEST_CASE("scopes nest and restore, also with an inert span", "[tracing][context]") {
  InMemoryTracing t;
  CHECK_FALSE(current_span_context().valid());
  Span a = t.tracer.start_span("a");
  {
    Scope sa(a);
    CHECK(current_span_context() == a.context());
    Span b = t.tracer.start_span("b");
    {
      Scope sb(b);
      CHECK(current_span_context() == b.context());
      Span inert;
      {
        Scope si(inert);
        CHECK_FALSE(current_span_context().valid());
      }
      CHECK(current_span_context() == b.context());
    }
    CHECK(current_span_context() == a.context());
  }
  CHECK_FALSE(current_span_context().valid());
}

TEST_CASE("bind_context passes arguments and results through", "[tracing][context]") {
  auto add = bind_context([](int x, int y) { return x + y; });
  CHECK(add(2, 3) == 5);
  std::atomic<int> calls{0};
  auto counted = bind_context(Context{}, [&calls] { ++calls; });
  counted();
  counted();
  CHECK(calls == 2);
}
