#include "arch/isa/isa.h"

#include "sim/base/error.h"

namespace tpusim::arch {

const char* to_string(InstrKind k) {
  switch (k) {
    case InstrKind::load: return "load";
    case InstrKind::matmul: return "matmul";
    case InstrKind::vector_op: return "vector_op";
    case InstrKind::store: return "store";
  }
  return "?";
}

const char* to_string(Operand o) {
  switch (o) {
    case Operand::inputs: return "inputs";
    case Operand::weights: return "weights";
    case Operand::outputs: return "outputs";
  }
  return "?";
}

void Instr::add_dep(uint64_t dep) {
  TPUSIM_ASSERT(dep < id, "a dependency must precede its user");
  TPUSIM_ASSERT(dep_count < kMaxDeps, "too many dependencies");
  deps[dep_count++] = dep;
}

void Instr::add_release_dep(uint64_t dep) {
  release_deps |= static_cast<uint8_t>(1u << dep_count);
  add_dep(dep);
}

}  // namespace tpusim::arch
