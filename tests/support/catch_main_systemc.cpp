// Catch2 owns main(); SystemC's library still wants an sc_main symbol to link, and the test
// cases that elaborate a model call sc_start themselves (one model per process).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <systemc>

int sc_main(int, char*[]) { return 0; }

int main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
