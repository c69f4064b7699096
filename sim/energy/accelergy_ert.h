#pragma once
/// Accelergy energy reference tables (ERT YAML, the `ERT:` file Accelergy writes next to its
/// energy estimates, versions 0.2 to 0.4): component name -> actions -> energy in pJ per
/// action. Parsed with yaml-cpp (libyaml-cpp-dev): a C++ library keeps the import inside
/// tpusim's own loader (no Python step, no second process) and gives line and column for parse
/// errors. sim/energy/README.md ("Importing an Accelergy ERT") says how an ERT maps onto a tpusim table.
#include <map>
#include <string>
#include <vector>

namespace tpusim {

struct ErtAction {
  std::string name;
  std::map<std::string, std::string> arguments;  ///< as written (scalars rendered as text)
  double energy_pj = 0;
};

struct AccelergyErt {
  std::string file;
  std::string version;
  /// Component name (e.g. "system.chip.GlobalBuffer") -> its actions, in file order.
  std::map<std::string, std::vector<ErtAction>> tables;

  /// Energy of `component`'s `action` whose arguments include every pair of `arguments`.
  /// InputError (naming `where`, e.g. "table.json: /accelergy_ert/entries/2") when the
  /// component or action is missing, or several actions match.
  double energy_pj(const std::string& component, const std::string& action,
                   const std::map<std::string, std::string>& arguments, const std::string& where) const;
};

/// Parses an ERT file. InputError "file: line L, column C: ..." when it is not YAML, and
/// "file: ERT/tables/3/actions/0/energy: ..." when a key is missing or not a number >= 0.
AccelergyErt load_accelergy_ert(const std::string& path);

}  // namespace tpusim
