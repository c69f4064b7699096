#include "sim/sweep/process_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "sim/base/error.h"

extern char** environ;

namespace tpusim::sweep {

ProcessPool::ProcessPool(size_t max_running) : max_running_(max_running) {
  TPUSIM_ASSERT(max_running > 0, "a pool runs at least one process");
}

ProcessPool::~ProcessPool() {
  for (const auto& c : running_) ::kill(c.pid, SIGKILL);
  for (const auto& c : running_) {
    int status = 0;
    while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void ProcessPool::start(const ProcessTask& task) {
  TPUSIM_ASSERT(!full(), "start() on a full pool");
  TPUSIM_ASSERT(!task.argv.empty(), "a task needs an executable");
  // Callers refuse longer timeouts (--timeout-s, the spec's timeout_s): 1e7 s keeps the deadline
  // far inside the steady clock's range, where 1e300 s would overflow it into the past.
  TPUSIM_ASSERT(task.timeout_s >= 0 && task.timeout_s <= 1e7, "a timeout in [0, 1e7] s");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, task.stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const auto& a : task.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The child dies with us (sim/cli/main.cpp reads the variable and sets PR_SET_PDEATHSIG), so
  // a sweep killed by SIGKILL leaves no run behind that writes into the directory it resumes.
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, kParentPidVar, std::strlen(kParentPidVar)) != 0 || (*e)[std::strlen(kParentPidVar)] != '=')
      env_text.emplace_back(*e);
  env_text.push_back(fmt::format("{}={}", kParentPidVar, ::getpid()));
  std::vector<char*> env;
  for (auto& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw InternalError(fmt::format("cannot start {}: {}", task.argv[0], std::strerror(rc)));
  const auto now = Clock::now();
  const auto deadline = task.timeout_s > 0
                            ? now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(task.timeout_s))
                            : Clock::time_point::max();
  running_.push_back(Child{pid, task.id, now, deadline, false});
}

std::optional<ProcessResult> ProcessPool::wait_one(const volatile std::sig_atomic_t* stop) {
  if (running_.empty()) return std::nullopt;
  for (;;) {
    if (stop && *stop) return std::nullopt;
    const auto now = Clock::now();
    for (size_t i = 0; i < running_.size(); ++i) {
      Child& c = running_[i];
      int status = 0;
      const pid_t r = ::waitpid(c.pid, &status, WNOHANG);
      if (r == c.pid) {
        ProcessResult out;
        out.id = c.id;
        out.timed_out = c.timed_out;
        out.wall_s = std::chrono::duration<double>(now - c.started).count();
        if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
        running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
        return out;
      }
      if (r < 0 && errno != EINTR)
        throw InternalError(fmt::format("waitpid({}) failed: {}", c.pid, std::strerror(errno)));
      if (!c.timed_out && now >= c.deadline) {
        ::kill(c.pid, SIGKILL);
        c.timed_out = true;
      }
    }
    // A run takes tens of ms at least; 2 ms of polling latency is noise and costs no CPU.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace tpusim::sweep
