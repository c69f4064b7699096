// Harnesses that link layers above the SystemC model (energy, sweep) link libsystemc, whose
// main() calls sc_main; libFuzzer brings its own main(), so this sc_main is never called.
// SystemC declares it extern "C" (sysc/kernel/sc_externs.h): a C++ definition would not link.
extern "C" int sc_main(int, char**) { return 0; }
