// ONNX models (tests/data/onnx/*.onnx): protobuf bytes, shape inference, constant evaluation and
// lowering to tpusim layers, with --allow-unsupported so that lowering runs past unknown ops.
#include "fuzz_support.h"
#include "sim/importers/onnx/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tpusim::fuzz::expect_ok_or_input_error(
      [&] { (void)tpusim::importers::parse_onnx(tpusim::fuzz::text_of(data, size), "fuzz.onnx", true); });
  return 0;
}
