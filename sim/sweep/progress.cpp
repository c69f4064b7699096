#include "sim/sweep/progress.h"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace tpusim::sweep {

Progress::Progress(bool enabled, uint64_t total_rows, uint64_t done_at_start)
    : enabled_(enabled), total_(total_rows), start_done_(done_at_start), done_(done_at_start),
      started_(Clock::now()), last_draw_(started_) {}

std::string Progress::format_duration(double seconds) {
  const auto s = static_cast<uint64_t>(std::llround(std::max(0.0, seconds)));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

void Progress::update(uint64_t done_rows, uint64_t failed_rows) {
  done_ = done_rows;
  failed_ = failed_rows;
  const auto now = Clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_) return;
  last_draw_ = now;
  draw();
}

void Progress::draw() {
  if (!enabled_) return;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  const double rate = elapsed > 0 ? double(done_ - start_done_) / elapsed : 0;
  const std::string eta = rate > 0 ? format_duration(double(total_ - done_) / rate) : "?";
  std::string line = fmt::format("sweep: {}/{} rows", done_, total_);
  if (failed_) line += fmt::format(", {} failed", failed_);
  line += fmt::format(", {:.2f} rows/s, ETA {}", rate, eta);
  // \r and a clear-to-end-of-line so a shorter line leaves no tail of the previous one.
  std::fprintf(stdout, "\r%s\x1b[K", line.c_str());
  std::fflush(stdout);
}

void Progress::finish() {
  if (!enabled_) return;
  draw();
  std::fprintf(stdout, "\n");
  std::fflush(stdout);
}

}  // namespace tpusim::sweep
