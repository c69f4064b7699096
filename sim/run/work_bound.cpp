#include "sim/run/work_bound.h"

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/mapper/attention.h"

namespace tpusim {

double work_steps(const mapper::MappedWorkload& mapped, double& largest, std::string& largest_name) {
  double total = 0;
  largest = 0;
  largest_name.clear();
  if (!mapped.planned()) return 0;
  for (size_t i = 0; i < mapped.size(); ++i) {
    const mapper::MappedLayer& m = mapped.layer(i);
    if (m.fused()) continue;  // an epilogue runs inside its matrix layer's folds
    // A step is a matrix fold or a vector layer's chunk: the units step both one at a time (a
    // relu of 2^40 elements on TPU v1, 1.75e5 chunks of the unified buffer: 1.2 s; of 2^59
    // elements: no answer in minutes).
    double steps = static_cast<double>(m.vector.chunks);
    if (m.is_attention()) {
      steps = m.attention->steps();  // every block's scores folds, softmax chunks and context folds
    } else if (m.is_matrix()) {
      const mapper::GemmPlan& p = m.gemm;
      steps = static_cast<double>(p.gemm.count) * static_cast<double>(p.row_folds) * static_cast<double>(p.col_folds) *
              static_cast<double>(p.t_chunks);
    }
    total += steps;
    if (steps > largest) largest = steps, largest_name = m.layer->name;
  }
  return total;
}

void check_work_bound(const mapper::MappedWorkload& mapped, uint64_t max_folds, const std::string& what) {
  if (max_folds == 0) return;
  double largest = 0;
  std::string largest_name;
  const double total = work_steps(mapped, largest, largest_name);
  if (total > static_cast<double>(max_folds))
    throw InputError(fmt::format("--max-folds {}: {}: the run would step {:.4g} folds and vector chunks (the largest "
                                 "layer, \"{}\", {:.4g}), above the limit; use a larger array or buffer, or raise "
                                 "--max-folds (0 = no limit)",
                                 max_folds, what, total, largest_name, largest));
}

}  // namespace tpusim
