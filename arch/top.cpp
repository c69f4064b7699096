#include "arch/top.h"

namespace tpusim::arch {

Top::Top(sc_core::sc_module_name name, const ArchConfig& arch, ProgramSource& program, TraceSink* trace)
    : sc_module(name) {
  dram_ = std::make_unique<Dram>("dram", arch);
  std::vector<SramBuffer*> raw;
  for (const auto& b : arch.buffers) {
    buffers_.push_back(std::make_unique<SramBuffer>(b.name.c_str(), b));
    raw.push_back(buffers_.back().get());
  }
  dma_ = std::make_unique<DmaEngine>("dma", arch, *dram_, raw, scoreboard_, trace);
  array_ = std::make_unique<MatrixUnit>("array", arch, scoreboard_, trace);
  vector_ = std::make_unique<VectorUnit>("vector", scoreboard_, trace);
  controller_ = std::make_unique<Controller>("controller", program, scoreboard_, *dma_, *array_, *vector_,
                                             std::move(raw), *dram_, trace);
}

}  // namespace tpusim::arch
