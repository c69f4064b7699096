#pragma once
/// An accelerator built on an FPGA (the optional /fpga section of an architecture): the device it
/// is built on (a table in configs/fpga/<device>.json), which memory primitive each buffer is
/// made of, and the resources the design uses of the device's totals. The array, buffers and
/// energy model stay the ordinary ones: /fpga only counts DSP slices and block RAMs, refuses a
/// design that does not fit, and gives the energy model per-DSP, per-block and static figures
/// of the device (sim/spec/README.md, "FPGA accelerators").
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/base/enum_names.h"
#include "sim/spec/types.h"

namespace tpusim {

/// On-chip memory primitives of Xilinx FPGAs (UG473 7 Series Memory Resources, UG573
/// UltraScale Memory Resources).
enum class FpgaMemory { bram18, bram36, uram };

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(FpgaMemory v) {
  switch (v) {
    case FpgaMemory::bram18: return "bram18";
    case FpgaMemory::bram36: return "bram36";
    case FpgaMemory::uram: return "uram";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

/// Geometry of one memory primitive: data bits it stores (parity/ECC bits excluded: byte-wide
/// data cannot use them) and the data width of its widest simple-dual-port mode, in which it
/// serves one read and one write of that width per cycle.
struct FpgaMemoryGeometry {
  uint64_t data_bits;        ///< BRAM18 16 Kib (of 18), BRAM36 32 Kib (of 36), URAM 256 Kib (of 288)
  uint32_t port_data_bits;   ///< BRAM18 32 (of 36), BRAM36 64 (of 72), URAM 64 (of 72)
};
FpgaMemoryGeometry geometry_of(FpgaMemory m);

/// A device table, configs/fpga/<device>.json (every key required; numbers with their source).
struct FpgaDevice {
  std::string part;           ///< e.g. "XC7VX485T-2"
  std::string source;         ///< datasheet of the counts; derivation of the power figures
  std::string dsp_primitive;  ///< "DSP48E1", "DSP48E2"
  uint64_t dsp_slices = 0;    ///< DSP slices on the device
  uint64_t bram36_blocks = 0; ///< 36 Kb block RAMs (each usable as two 18 Kb blocks)
  uint64_t uram_blocks = 0;   ///< 288 Kb UltraRAM blocks (0 on 7-series)
  /// DSP slices one MAC of a datatype needs, per PE-MAC per cycle: 0.5 when a slice packs two
  /// (DSP48E2, int8, WP486), 5 for an fp32 multiply-add in fabric floating point. A datatype
  /// missing here cannot be built on the device.
  std::map<DataType, double> dsps_per_mac;
  double static_power_w = 0;         ///< device static power at the stated junction temperature
  double dsp_pj_per_cycle = 0;       ///< dynamic energy of one DSP slice in one active cycle
  double bram18_pj_per_access = 0;   ///< one read or write of a BRAM18 at its full port width
  double bram36_pj_per_access = 0;   ///< the same for a BRAM36
  double uram_pj_per_access = 0;     ///< the same for a URAM block
};

/// Which primitive one buffer is built from.
struct FpgaBufferMemory {
  std::string buffer;
  FpgaMemory memory = FpgaMemory::bram36;
};

/// The /fpga section.
struct FpgaConfig {
  std::string device;                  ///< file name (without .json) in configs/fpga/
  FpgaDevice spec;                     ///< that file's contents (not echoed: the name is)
  /// Every buffer's primitive, in /buffers order (buffers not listed under /fpga/memory: bram36).
  std::vector<FpgaBufferMemory> memory;

  FpgaMemory memory_of(const std::string& buffer) const;
  /// DSP slices per MAC of `t`; InputError-free lookup (the loader checked the datatype is there).
  double dsps_per_mac(DataType t) const;
  /// Energy of one access of primitive m at its full port width (pJ).
  double pj_per_access(FpgaMemory m) const;
};

/// One buffer's blocks: enough for its capacity and for its ports' width, whichever is more.
struct FpgaBufferUse {
  std::string buffer;
  FpgaMemory memory = FpgaMemory::bram36;
  uint64_t blocks_for_capacity = 0;  ///< ceil(capacity bits / data bits per block)
  uint64_t blocks_for_ports = 0;     ///< ports x ceil(port bits / port data bits per block)
  uint64_t blocks = 0;               ///< the larger
};

/// Resources a design uses of its device.
struct FpgaResources {
  uint64_t dsp_used = 0;       ///< ceil(PEs x MACs per PE per cycle x DSPs per MAC)
  uint64_t bram18_used = 0;    ///< in 18 Kb halves: a BRAM36 counts 2
  uint64_t uram_used = 0;
  uint64_t dsp_available = 0;
  uint64_t bram18_available = 0;  ///< 2 x BRAM36 blocks
  uint64_t uram_available = 0;
  std::vector<FpgaBufferUse> buffers;
};

}  // namespace tpusim
