// Catch2's implementation without its main: the tests' support code (TempDir, used by the
// loopback server) checks with Catch macros, and otlp_export_bench reuses that server.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
