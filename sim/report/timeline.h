#pragma once
/// A Chrome trace-event JSON of the model's activity (DMA loads and stores, matrix-unit folds,
/// vector ops, layers), which Perfetto and chrome://tracing open. Events stream to the file as
/// they happen, so memory does not grow with the workload. The caller gives it a staged path of
/// an OutputFiles set (sim/base/file_io.h), so the file appears complete, with the run's other
/// files, or not at all.
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "arch/trace.h"

namespace tpusim::report {

class ChromeTrace : public arch::TraceSink {
 public:
  /// Writes to `write_path`; errors name `shown_path` (the user's --timeline). `layer_names`
  /// label the layers lane; times are converted from cycles at `clock_mhz`.
  ChromeTrace(const std::string& write_path, const std::string& shown_path, double clock_mhz,
              std::vector<std::string> layer_names);
  ~ChromeTrace() override;
  void span(arch::TraceLane lane, const char* name, uint64_t start_cycle, uint64_t end_cycle, uint64_t id,
            uint32_t op) override;
  /// Finishes the JSON and closes the file; InputError naming the path when a write failed.
  void close();

 private:
  std::string path_;
  std::ofstream out_;
  double clock_mhz_;
  std::vector<std::string> layer_names_;
  bool closed_ = false;
};

}  // namespace tpusim::report
