#pragma once
/// The sweep's progress line on a terminal: rows done of total, failures, rows per second and
/// the estimated time left, redrawn in place at most ten times a second.
#include <chrono>
#include <cstdint>
#include <string>

namespace tpusim::sweep {

class Progress {
 public:
  /// `enabled` false: prints nothing. `done_at_start` rows (reused results) do not count
  /// towards the rate.
  Progress(bool enabled, uint64_t total_rows, uint64_t done_at_start);
  void update(uint64_t done_rows, uint64_t failed_rows);
  /// Draws the last state and ends the line.
  void finish();

  /// "1m15s", "42s", "2h03m".
  static std::string format_duration(double seconds);

 private:
  void draw();
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  uint64_t total_, start_done_, done_, failed_ = 0;
  Clock::time_point started_, last_draw_;
  bool drawn_ = false;
};

}  // namespace tpusim::sweep
