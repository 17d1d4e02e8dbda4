// The exception of type E that a call throws, for tests that go on to check its fields.
#pragma once

#include <catch2/catch.hpp>

#include <exception>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace agentrace::testing {

// Calls `f` and returns the E it throws; fails the test when it throws nothing or something
// else. `expected` names E in the failure message ("an LlmError").
template <class E, class F>
E error_of(F&& f, std::string_view expected) {
  try {
    std::forward<F>(f)();
  } catch (const E& e) {
    return e;
  } catch (const std::exception& e) {
    FAIL("expected " << expected << ", got: " << e.what());
  }
  FAIL("expected " << expected << ", nothing was thrown");
  throw std::logic_error("unreachable");  // FAIL throws; this keeps every path returning
}

}  // namespace agentrace::testing
