#pragma once
/// SCALE-Sim v2's COMPUTE_REPORT.csv, byte for byte in its format, so plotting scripts written
/// for SCALE-Sim keep working on tpusim's scalesim-v2 runs.
#include <string>

#include "sim/run/layer_result.h"

namespace tpusim::report {

/// The report's text. Format of scalesim/simulator.py generate_reports():
///   `LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,`
/// then one line per layer, `<index>, <cycles>, <stalls>, <util>, <mapping eff>, <compute util>,`
/// with the percentages (which scalesim_v2_layer keeps exactly in LayerResult::scalesim) printed
/// as Python's str(float) prints them: shortest round-trip digits, ".0" on whole numbers. LayerID
/// is the 0-based index in `run.layers`. Every matrix layer must carry scalesim-v2 results; a
/// layer without them is a caller bug (InternalError). Vector layers, which SCALE-Sim has no
/// counterpart for, print 0 cycles and 0 percent.
std::string compute_report_csv(const RunResult& run);

/// Writes compute_report_csv(run) to `path`; InputError if the file cannot be written.
void write_compute_report_csv(const std::string& path, const RunResult& run);

/// A double as Python's repr()/str() prints it: "80.5348014156508", "100.0", "1e-05", "1e+16".
std::string python_float_repr(double x);

}  // namespace tpusim::report
