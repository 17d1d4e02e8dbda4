// Catch2's implementation without its main: the tests' support code that the soak shares (the
// loopback servers, TempDir) checks with Catch macros.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
