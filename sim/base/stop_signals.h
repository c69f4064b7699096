#pragma once
/// What tpusim does on SIGINT, SIGTERM and SIGHUP (sim/base/README.md, "Signals").
///
/// Two behaviours, one list of signals:
/// - a one-shot command (`run`, `import`, `export`, ...) dies of the signal at once, after removing
///   every temporary file and directory its uncommitted OutputFiles sets hold, with one stderr
///   line (`remove_staged_outputs_on_stop_signals`, installed by main());
/// - a loop that must finish something first (the sweep kills its children and writes the table
///   of what finished) only records the signal while a StopSignals object lives, then reraise()s.
#include <csignal>
#include <string>

namespace tpusim {

/// SIGINT (Ctrl-C), SIGTERM (kill, a batch system's time limit), SIGHUP (the terminal closed).
inline constexpr int kStopSignals[3] = {SIGINT, SIGTERM, SIGHUP};

/// "SIGINT", "SIGTERM", "SIGHUP", else "signal N".
std::string stop_signal_name(int sig);

/// While alive, a stop signal only sets flag(); the handlers it replaced come back when it dies.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  /// The signal caught since construction, or 0 (polled by loops; ProcessPool::wait_one takes it).
  static volatile std::sig_atomic_t* flag();
  /// Dies of the signal that was caught (default action restored), if any.
  void reraise();

 private:
  struct sigaction old_[3];
};

/// Blocks the stop signals while alive (they are delivered when it dies): OutputFiles renames a
/// set under it, so a signal never lands between two renames of one set.
class BlockStopSignals {
 public:
  BlockStopSignals();
  ~BlockStopSignals();
  BlockStopSignals(const BlockStopSignals&) = delete;
  BlockStopSignals& operator=(const BlockStopSignals&) = delete;

 private:
  sigset_t old_;
};

/// Installs, for the whole process, the one-shot behaviour: on a stop signal, unlink every staged
/// temporary file, rmdir every directory a set created (when empty), write
/// "tpusim: interrupted by SIGINT; no output written" (or "...; its output was already complete"
/// when a set had been committed and none is pending) and die of the signal. Only the process that
/// installed it does so; a forked child (sim/llm's block runs) just dies of the signal.
void remove_staged_outputs_on_stop_signals();

/// The registry of staged paths the handler removes (OutputFiles feeds it). Each entry is copied
/// into storage the handler reads without allocating, with the stop signals blocked.
namespace staged_paths {
/// Registers `path` (a temporary file, or a directory created for it); the slot, or -1 when all
/// kMaxSlots are in use (then a signal leaves that path behind, as SIGKILL would).
int add(const std::string& path, bool is_dir);
/// Forgets a slot (its file was renamed into place or removed); -1 is ignored.
void remove(int slot);
/// Called after a set's renames: the handler's line then says the output was complete.
void note_committed();
inline constexpr int kMaxSlots = 64;
}  // namespace staged_paths

}  // namespace tpusim
