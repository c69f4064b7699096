# Instrumented builds (tests/fuzz/README.md, tests/sanitizers/README.md). Both are off by default;
# each goes into a build directory of its own (scripts/fuzz.sh: build-fuzz/, scripts/sanitize.sh:
# build-asan/), never into build/, whose Release binary the reference numbers come from.
#
# -DTPUSIM_SANITIZE=ON: every target compiled and linked with AddressSanitizer and
#   UndefinedBehaviorSanitizer (LeakSanitizer comes with ASan on Linux); any UB report aborts
#   (-fno-sanitize-recover), so a test that triggers one fails. GCC or Clang.
# -DTPUSIM_FUZZ=ON: the libFuzzer harnesses of tests/fuzz. Clang only: every target is compiled
#   with -fsanitize=fuzzer-no-link (coverage counters) plus ASan and UBSan; only the harness
#   executables link libFuzzer's main (-fsanitize=fuzzer).
option(TPUSIM_SANITIZE "build everything with ASan + UBSan (+ LSan)" OFF)
option(TPUSIM_FUZZ "build the libFuzzer harnesses of tests/fuzz (clang; implies ASan + UBSan)" OFF)

set(tpusim_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
if(TPUSIM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TPUSIM_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++ "
      "(scripts/fuzz.sh does), got ${CMAKE_CXX_COMPILER_ID}")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link ${tpusim_sanitizers} -g)
  add_link_options(${tpusim_sanitizers})
elseif(TPUSIM_SANITIZE)
  # -O1 -g1 (after the build type's flags, so they win): ASan's recommended level, and line tables
  # enough for its stack traces. Against -O2 -g this roughly halves the compile time of the
  # template-heavy test executables, which is what keeps the sanitized stage inside CI's budget
  # (tests/sanitizers/README.md, measured). _GLIBCXX_ASSERTIONS adds libstdc++'s bounds checks on
  # operator[], front(), back() of the containers, which ASan misses inside a vector's capacity.
  add_compile_options(${tpusim_sanitizers} -O1 -g1 -D_GLIBCXX_ASSERTIONS)
  add_link_options(${tpusim_sanitizers})
endif()

# Under the sanitizers tpusim runs several times slower (ASan's shadow-memory checks on every
# access; golden_regression took over its 300 s on this 2-core machine at load 10, against about
# 60 s in the plain build): tpusim_scale_test_timeouts(), called at the end of each tests folder's
# CMakeLists.txt, multiplies the TIMEOUT of every test defined there by TPUSIM_TIMEOUT_SCALE
# (5 with TPUSIM_SANITIZE, else 1). Tests without a TIMEOUT keep ctest's default (1500 s).
if(TPUSIM_SANITIZE)
  set(TPUSIM_TIMEOUT_SCALE 5 CACHE STRING "factor on every test's TIMEOUT (sanitized builds)")
else()
  set(TPUSIM_TIMEOUT_SCALE 1 CACHE STRING "factor on every test's TIMEOUT (sanitized builds)")
endif()
function(tpusim_scale_test_timeouts)
  if(TPUSIM_TIMEOUT_SCALE EQUAL 1)
    return()
  endif()
  get_property(tests DIRECTORY PROPERTY TESTS)
  foreach(t IN LISTS tests)
    get_test_property(${t} TIMEOUT limit)
    if(limit)
      math(EXPR limit "${limit} * ${TPUSIM_TIMEOUT_SCALE}")
      set_tests_properties(${t} PROPERTIES TIMEOUT ${limit})
    endif()
  endforeach()
endfunction()
