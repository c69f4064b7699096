#pragma once
/// SCALE-Sim topology CSVs, read into a Workload.
///
/// Two forms, told apart by the header line:
///   conv: `Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
///          Num Filter, Strides,` (a ninth value per row, if present, is the stride along the
///          width, as SCALE-Sim reads it; under a ninth header column `Batch Size`, as in newer
///          shipped files, it must be 1);
///   GEMM: `Layer, M, N, K,`.
/// As in SCALE-Sim (topology_utils.py), the text after a row's last comma is ignored when it is
/// empty or a `#` comment (`Conv2_dw, 112, 112, 3, 3, 1, 1, 1,#dw`), blank lines (and rows of
/// empty cells) are skipped and spaces or tabs around values are trimmed; unlike SCALE-Sim, a row without the trailing
/// comma is read in full instead of losing its last value.
///
/// Conv rows become `conv2d` layers with padding 0 (SCALE-Sim topologies are pre-padded). The
/// native model lowers them with the usual output size floor((H - R) / s) + 1; the scalesim-v2
/// timing applies SCALE-Sim's ceil((H - R + s) / s) to the same ConvParams, which adds one
/// output row (column) whose windows run past the ifmap edge when s does not divide H - R.
/// The native model deliberately does not compute outputs from outside the ifmap.
///
/// GEMM rows become `gemm` layers (m, n, k); the scalesim-v2 timing runs them as SCALE-Sim does
/// (an M x K ifmap, a 1 x K filter, N filters: P = M).
///
/// Depthwise: a conv row whose name contains `DP` is split, as SCALE-Sim does, into one layer
/// per channel named `<name>Channel_<i>` with channels = 1 and the row's Num Filter.
#include <string>

#include "sim/spec/workload.h"

namespace tpusim::importers {

/// Parses topology CSV text. `file` names the source in messages. Malformed input throws
/// InputError "file:line:column: <what was expected>, got <what was found>".
Workload parse_workload_csv(const std::string& text, const std::string& file);

/// Loads a topology CSV file; InputError if it cannot be read or is malformed.
Workload load_workload_csv(const std::string& path);

}  // namespace tpusim::importers
