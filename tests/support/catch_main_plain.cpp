// Catch2's main for the pure unit tests (tests/unit), which link no SystemC.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
