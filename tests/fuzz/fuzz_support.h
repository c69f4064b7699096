#pragma once
// What every harness shares: the contract under test and a scratch file for file-based loaders.
//
// The contract (tests/fuzz/README.md): a loader given any bytes either succeeds or throws
// tpusim::InputError, whose message is one line (the CLI prints it as one stderr line). Anything
// else is a finding and aborts, so that libFuzzer saves the input: another exception (nlohmann's
// out_of_range, std::bad_alloc, tpusim::InternalError from a violated invariant), a message with
// a newline in it, or a crash/sanitizer report (those abort on their own).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <unistd.h>

#include "sim/base/error.h"

namespace tpusim::fuzz {

/// The input as text (loaders take std::string; embedded NULs stay in).
inline std::string text_of(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

[[noreturn]] inline void finding(const char* kind, const std::string& what) {
  std::fprintf(stderr, "tpusim fuzz finding: %s: %s\n", kind, what.c_str());
  std::abort();
}

/// Runs `load`; InputError with a one-line message is the accepted failure, success too.
template <class F>
void expect_ok_or_input_error(F&& load) {
  try {
    load();
  } catch (const InputError& e) {
    const std::string msg = e.what();
    if (msg.find('\n') != std::string::npos || msg.find('\r') != std::string::npos)
      finding("InputError message spans lines", msg);
    if (msg.empty()) finding("InputError with an empty message", msg);
  } catch (const InternalError& e) {
    finding("InternalError (exit 3)", e.what());
  } catch (const std::exception& e) {
    finding("exception other than InputError (exit 3)", e.what());
  } catch (...) {
    finding("non-std exception", "?");
  }
}

/// A scratch file of this process, named `name` (the extension picks the format for loaders that
/// dispatch on it), rewritten with the input for every run. It lives under $TMPDIR (or /tmp).
inline std::string scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    const char* t = std::getenv("TMPDIR");
    std::string d = std::string(t && *t ? t : "/tmp") + "/tpusim-fuzz-" + std::to_string(getpid());
    std::string cmd = "mkdir -p '" + d + "'";
    if (std::system(cmd.c_str()) != 0) finding("setup", "cannot create " + d);
    return d;
  }();
  const std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) finding("setup", "cannot write " + path);
  return path;
}

}  // namespace tpusim::fuzz
