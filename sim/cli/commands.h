#pragma once
/// The subcommands; each takes the arguments after its name and returns the exit code.
#include <string>
#include <vector>

namespace tpusim::cli {

int command_run(const std::vector<std::string>& args);
int command_describe(const std::vector<std::string>& args);
/// `tpusim import --workload model.onnx [--out FILE]`: the tpusim workload JSON an ONNX model lowers to.
int command_import(const std::vector<std::string>& args);

}  // namespace tpusim::cli
