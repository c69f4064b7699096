#pragma once
/// Runs child processes, at most N at once, each with a wall-clock timeout. Children are
/// started with posix_spawn; stdout goes to /dev/null and stderr to a file of the caller's
/// choosing. Polls (a few ms) rather than handling SIGCHLD so it stays signal-free.
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tpusim::sweep {

/// The environment variable a child finds its parent's pid in: tpusim's main() then asks the
/// kernel to kill it when the parent dies (PR_SET_PDEATHSIG), so no orphan outlives a sweep.
inline constexpr const char* kParentPidVar = "TPUSIM_PARENT_PID";

/// A command to run: argv[0] is the executable path.
struct ProcessTask {
  uint64_t id = 0;                 ///< the caller's tag, echoed in the result
  std::vector<std::string> argv;
  std::string stderr_path;         ///< the child's stderr (created or truncated)
  double timeout_s = 0;            ///< killed (SIGKILL) after this many seconds; 0 = never
};

struct ProcessResult {
  uint64_t id = 0;
  int exit_code = -1;      ///< the exit status, or -1 when killed by a signal
  int signal = 0;          ///< the signal that ended it, or 0
  bool timed_out = false;  ///< we killed it at its timeout
  double wall_s = 0;
};

class ProcessPool {
 public:
  explicit ProcessPool(size_t max_running);
  /// Kills (SIGKILL) and reaps every child still running.
  ~ProcessPool();
  ProcessPool(const ProcessPool&) = delete;
  ProcessPool& operator=(const ProcessPool&) = delete;

  size_t max_running() const { return max_running_; }
  size_t running() const { return running_.size(); }
  bool full() const { return running_.size() >= max_running_; }

  /// Starts a task; requires !full(). InternalError if the process cannot be created.
  void start(const ProcessTask& task);
  /// Waits until a child ends and returns it; nullopt when none is running, or as soon as
  /// `*stop` is non-zero (a signal handler's flag).
  std::optional<ProcessResult> wait_one(const volatile std::sig_atomic_t* stop = nullptr);

 private:
  using Clock = std::chrono::steady_clock;
  struct Child {
    pid_t pid;
    uint64_t id;
    Clock::time_point started;
    Clock::time_point deadline;  ///< max() when there is no timeout
    bool timed_out;
  };
  size_t max_running_;
  std::vector<Child> running_;
};

}  // namespace tpusim::sweep
