#pragma once
/// Reading input files whole, and writing output files all or nothing.
///
/// Every loader reads through read_file, so a path that is no readable file gets the same clear
/// message whatever format was expected (not "malformed JSON"). Every command writes through
/// write_file_atomic or an OutputFiles set, so a full disk, an unwritable directory, a directory
/// where a file should go or a name too long for the file system is exit 2 with one line naming
/// the path, and leaves no partial file behind (sim/base/README.md, "Output files").
#include <cstdint>
#include <string>
#include <vector>

namespace tpusim {

/// The largest input file read by default: 512 MiB for the text formats (JSON, JSON lines,
/// CSV, YAML, cfg: far beyond any written by hand or by tpusim), and for an ONNX model (binary,
/// weights included) 2 GiB - 1, the most protobuf parses.
inline constexpr uint64_t kDefaultMaxInputBytes = uint64_t{512} << 20;
inline constexpr uint64_t kDefaultMaxModelBytes = (uint64_t{1} << 31) - 1;

/// Refuses text that is not valid UTF-8: "file:line:column: not valid UTF-8 text (byte 0xHH)".
/// The text formats that are not JSON (CSV, cfg, YAML) are read as UTF-8; their names reach
/// report.json, whose JSON cannot hold other bytes (a SCALE-Sim layer named "ab\xff" was exit 3).
void check_utf8(const std::string& text, const std::string& file);

/// The limit on an input file's size: the environment's TPUSIM_MAX_INPUT_BYTES when set (an
/// integer from 1 to 2^62, for every kind of input; InputError naming the variable otherwise),
/// else `fallback`.
uint64_t max_input_bytes(uint64_t fallback = kDefaultMaxInputBytes);

/// The bytes of the file at `path`. InputError "path: cannot open file (missing or unreadable)",
/// "path: is a directory, expected a file", "path: cannot read file" on an I/O error, or, for a
/// file longer than max_input_bytes(default_limit), "path: longer than N bytes ...". A pipe, a
/// FIFO or a device (/dev/stdin) is read as it streams, up to the limit: /dev/zero is refused
/// once the limit is read (holding no more than the limit in memory), not read until memory
/// runs out.
std::string read_file(const std::string& path, uint64_t default_limit = kDefaultMaxInputBytes);

/// Checks, before any work, that `dir` can be an output directory: it is one, or the nearest
/// existing ancestor is a writable directory and every missing component's name fits the file
/// system. Creates nothing. InputError "OPTION DIR: ..." otherwise.
void check_output_dir(const std::string& option, const std::string& dir);

/// The same for an output file: not a directory, its directory can be written or created, its
/// name fits the file system.
void check_output_file(const std::string& option, const std::string& path);

/// The files one command writes, committed together or not at all. Each file is written under a
/// temporary name in its own directory (".tpusim-tmp-<pid>-<n><ext>", so the final rename is
/// atomic and the temporary name is no longer than a short final one); commit() flushes each to
/// disk (fsync) and renames them into place in the order they were staged. Stage the file that
/// readers check last (report.json): its presence says the set is complete. Without commit()
/// the destructor removes every temporary file and every directory the set created.
/// A target that exists and is neither a regular file nor a directory (a FIFO, /dev/stdout, a
/// terminal) is written directly, since a rename would replace the device, not write to it.
/// Every temporary file and created directory is also registered with the stop-signal handler
/// (sim/base/stop_signals.h): a `run` interrupted by SIGINT or SIGTERM removes them before it dies,
/// and the renames of commit() run with those signals blocked, so a set is never half renamed.
class OutputFiles {
 public:
  OutputFiles() = default;
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;
  ~OutputFiles();

  /// The path a streaming writer writes `final_path`'s content to (creating missing parent
  /// directories). `option` names the option in errors ("--timeline"); "" for none.
  std::string stage(const std::string& option, const std::string& final_path);
  /// Stages `final_path` with `content`, written now (a full disk fails here).
  void put(const std::string& option, const std::string& final_path, const std::string& content);
  /// fsyncs and renames every staged file into place, in staging order.
  void commit();

 private:
  struct Staged {
    std::string option, final_path, tmp_path;
    bool direct = false;  ///< written in place (not a regular file: a FIFO, a device)
  };
  std::vector<Staged> files_;
  std::vector<std::string> created_dirs_;  ///< deepest last; removed when empty on failure
  std::vector<int> signal_slots_;  ///< the staged paths a stop signal removes (stop_signals.h)
  uint64_t counter_ = 0;
  bool committed_ = false;
  void cleanup() noexcept;
  void forget_signal_slots() noexcept;
};

/// Writes `content` to `path` as a one-file OutputFiles set: complete or absent.
void write_file_atomic(const std::string& path, const std::string& content);

/// The line an output error carries: "[OPTION ]PATH: cannot write (REASON)". The sweep reads
/// the marker ": cannot write" in a child's error to run the point again (the disk, not the
/// config, was at fault).
std::string output_error(const std::string& option, const std::string& path, const std::string& reason);

}  // namespace tpusim
