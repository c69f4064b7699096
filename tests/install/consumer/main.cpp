// Uses the installed libtpusim in process: loads an architecture and a workload from the
// installed data, maps the workload, prints what the install test checks against hand counts and
// against the installed binary's report.
//   consumer ARCH WORKLOAD  ->  "version V pes P layers L macs M matrix_folds F"
#include <cstdio>
#include <exception>

#include <tpusim.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: consumer ARCH WORKLOAD\n");
    return 2;
  }
  try {
    const tpusim::ArchConfig arch = tpusim::importers::load_arch(argv[1]);
    const tpusim::Workload w = tpusim::importers::load_workload(argv[2]);
    const tpusim::mapper::MappedWorkload mapped(arch, w);
    unsigned long long folds = 0;
    for (const auto& m : mapped.layers())
      if (m.is_matrix()) folds += m.gemm.folds();
    std::printf("version %s pes %llu layers %zu macs %llu matrix_folds %llu\n", tpusim::library_version(),
                static_cast<unsigned long long>(arch.array.rows) * arch.array.cols, w.layers.size(),
                static_cast<unsigned long long>(w.total_macs()), folds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 2;
  }
  return 0;
}
