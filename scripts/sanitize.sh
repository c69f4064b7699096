#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer: configures
# build-asan/ with -DTPUSIM_SANITIZE=ON (cmake/instrument.cmake), builds everything and runs ctest
# there. Any sanitizer report fails the test it happens in: UBSan aborts on the first report,
# ASan on the first error, LSan makes a process that leaked exit non-zero. SystemC's own leaks
# are suppressed by tests/sanitizers/lsan.supp, each entry with its reason.
#
#   scripts/sanitize.sh                 build, then the whole suite (tests/sanitizers/README.md)
#   scripts/sanitize.sh -R cli_errors   extra arguments go to ctest (a subset, e.g. for .ci/run)
#
# Not run under the sanitizers (TPUSIM_SANITIZE_EXCLUDE, a ctest -E regex), four tests by name:
# python_api, readme_commands:sim/python/README.md and readme_commands:README.md (its ```python
# blocks) load tpusim's Python module into /usr/bin/python3: an ASan-instrumented shared object in
# an uninstrumented interpreter needs the ASan runtime preloaded into python, whose own allocations
# LSan then reports; install_relocatable builds a consumer against the installed, instrumented
# library without the sanitizer flags and runs the Python package. They run in the plain suite; the
# code they call is what the C++ tests run here. JOBS=N sets the build's and ctest's parallelism
# (default 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${1:-}" in -h | --help) sed -n '2,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;; esac
jobs="${JOBS:-2}"
ba="$root/build-asan"
cmake -S "$root" -B "$ba" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTPUSIM_SANITIZE=ON \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" >/dev/null
cmake --build "$ba" -j "$jobs"
# detect_stack_use_after_return stays off: SystemC switches coroutine stacks, which that mode's
# fake stacks do not follow. abort_on_error gives a core-dump-like exit the test reports.
# log_path: every sanitizer report goes to a file of its own (NAME.PID) under build-asan/sanitizer-logs,
# not to the process's stderr, which the tests count lines of and fill small disks with. After
# ctest the logs are read: any file with anything but ASan's "ignoring requested
# __asan_handle_no_return" warning (an exception on a coroutine stack SystemC did not announce
# to ASan; none since arch/simulate.h) fails the stage and is printed, even from a process whose
# exit code a test does not check; files with that warning alone are counted.
logs="$ba/sanitizer-logs"
rm -rf "$logs"; mkdir -p "$logs"
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=0:abort_on_error=1:log_path=$logs/asan:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan:${UBSAN_OPTIONS:-}"
default_exclude="^(python_api|install_relocatable|readme_commands:README\\.md|readme_commands:sim/python/README\\.md)$"
rc=0
ctest --test-dir "$ba" -j "$jobs" --output-on-failure -E "${TPUSIM_SANITIZE_EXCLUDE:-$default_exclude}" "$@" || rc=$?
# A report is any file with a line that is not the coroutine-stack warning's: an ERROR (ASan,
# LSan), a runtime error (UBSan), and also what is neither, such as LeakSanitizer's own fatal
# error ("Tracer caught signal 11"), which aborted processes with empty stderr while this script
# counted no report (tests/sanitizers/README.md).
# LeakSanitizer's "Unable to get registers from thread N." is no report either: its check then
# takes that thread's whole stack as reachable and goes on (a leak it finds is an ERROR line). It
# is logged when a process dies or is stopped while its exit check runs, as the tests that
# SIGKILL and SIGINT runs and sweeps do.
warning='^(==[0-9]+==)?WARNING: ASan is ignoring requested __asan_handle_no_return: |^False positive error reports may follow$|^For details see https://github.com/google/sanitizers/issues/189$'
registers='^==[0-9]+==Unable to get registers from thread [0-9]+\.$'
reports=()
warned=0
unregistered=0
for f in "$logs"/*; do
  [ -f "$f" ] || continue
  if grep -q -v -E "$warning|$registers" "$f"; then reports+=("$f"); continue; fi
  grep -q -E "$warning" "$f" && warned=$((warned + 1))
  grep -q -E "$registers" "$f" && unregistered=$((unregistered + 1))
done
for f in "${reports[@]}"; do
  echo "sanitize.sh: report in $f:"
  head -n 80 "$f"
done
echo "sanitize.sh: ${#reports[@]} sanitizer report(s); $warned process(es) with the coroutine-stack warning," \
  "$unregistered with LSan's unreadable-registers notice, and nothing else; logs in $logs"
[ ${#reports[@]} -eq 0 ] || rc=1
exit "$rc"
