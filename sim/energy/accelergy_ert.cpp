#include "sim/energy/accelergy_ert.h"

#include <cmath>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/base/one_line.h"

namespace tpusim {

namespace {

/// Messages quote the file's scalars (a bad energy, a name), which may hold any control
/// character: escaped, so the message stays one line (fuzz_ert_yaml found an energy of "32.3",
/// 13 carriage returns and "8" quoted raw).
[[noreturn]] void fail(const std::string& file, const std::string& key, const std::string& message) {
  throw InputError(one_line(fmt::format("{}: {}: {}", file, key, message)));
}

std::string scalar_text(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  if (n.IsNull()) return "null";
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

}  // namespace

double AccelergyErt::energy_pj(const std::string& component, const std::string& action,
                               const std::map<std::string, std::string>& arguments, const std::string& where) const {
  const auto t = tables.find(component);
  if (t == tables.end())
    throw InputError(fmt::format("{}: component \"{}\" is not in the ERT {} ({} components)", where, component, file,
                                 tables.size()));
  const ErtAction* found = nullptr;
  int matches = 0;
  for (const auto& a : t->second) {
    if (a.name != action) continue;
    bool ok = true;
    for (const auto& [k, v] : arguments) {
      const auto it = a.arguments.find(k);
      ok = ok && it != a.arguments.end() && it->second == v;
    }
    if (ok) {
      found = found ? found : &a;
      ++matches;
    }
  }
  if (matches == 0) {
    std::string names;
    for (const auto& a : t->second) names += (names.empty() ? "" : ", ") + a.name;
    throw InputError(fmt::format("{}: no action \"{}\"{} of \"{}\" in the ERT {}; it has: {}", where, action,
                                 arguments.empty() ? "" : " with the given arguments", component, file, names));
  }
  if (matches > 1)
    throw InputError(fmt::format("{}: {} actions \"{}\" of \"{}\" in the ERT {} match; add \"arguments\" to pick one",
                                 where, matches, action, component, file));
  return found->energy_pj;
}

AccelergyErt load_accelergy_ert(const std::string& path) {
  AccelergyErt ert;
  ert.file = path;
  const std::string text = read_file(path);
  check_utf8(text, path);  // YAML is UTF-8 (yaml-cpp does not check); names reach reports
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw InputError(fmt::format("{}: line {}, column {}: not valid YAML: {}", path, e.mark.line + 1,
                                 e.mark.column + 1, one_line(e.msg)));  // it quotes the input
  } catch (const YAML::Exception& e) {
    throw InputError(fmt::format("{}: cannot read as YAML: {}", path, one_line(e.msg)));
  }
  if (!doc.IsMap() || !doc["ERT"]) fail(path, "ERT", "missing: an Accelergy ERT file has a top-level \"ERT\" key");
  const YAML::Node root = doc["ERT"];
  if (!root.IsMap()) fail(path, "ERT", "must be a mapping with \"version\" and \"tables\"");
  if (root["version"]) ert.version = scalar_text(root["version"]);
  const YAML::Node tables = root["tables"];
  if (!tables || !tables.IsSequence()) fail(path, "ERT/tables", "must be a list of {name, actions}");
  for (size_t i = 0; i < tables.size(); ++i) {
    const std::string key = fmt::format("ERT/tables/{}", i);
    const YAML::Node t = tables[i];
    if (!t.IsMap() || !t["name"] || !t["name"].IsScalar()) fail(path, key + "/name", "missing or not a string");
    const std::string name = t["name"].Scalar();
    const YAML::Node actions = t["actions"];
    if (!actions || !actions.IsSequence()) fail(path, key + "/actions", "must be a list of {name, arguments, energy}");
    auto& out = ert.tables[name];
    if (!out.empty()) fail(path, key + "/name", fmt::format("component \"{}\" listed twice", name));
    for (size_t j = 0; j < actions.size(); ++j) {
      const std::string akey = fmt::format("{}/actions/{}", key, j);
      const YAML::Node a = actions[j];
      if (!a.IsMap() || !a["name"] || !a["name"].IsScalar()) fail(path, akey + "/name", "missing or not a string");
      ErtAction act;
      act.name = a["name"].Scalar();
      if (a["arguments"] && a["arguments"].IsMap())
        for (const auto& kv : a["arguments"]) act.arguments[kv.first.Scalar()] = scalar_text(kv.second);
      if (!a["energy"] || !a["energy"].IsScalar()) fail(path, akey + "/energy", "missing: energy in pJ per action");
      try {
        act.energy_pj = a["energy"].as<double>();
      } catch (const YAML::Exception&) {
        fail(path, akey + "/energy", fmt::format("must be a number (pJ), got \"{}\"", a["energy"].Scalar()));
      }
      if (!std::isfinite(act.energy_pj) || act.energy_pj < 0)
        fail(path, akey + "/energy", fmt::format("must be a non-negative number (pJ), got {}", a["energy"].Scalar()));
      out.push_back(std::move(act));
    }
  }
  return ert;
}

}  // namespace tpusim
