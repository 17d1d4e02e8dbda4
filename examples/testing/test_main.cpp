// Catch2's main, alone in its file: the slowest file to compile, and it never changes.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
