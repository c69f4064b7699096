#pragma once
// Looking up entries of a report in Catch2 tests.
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace tpusim::test {

/// The entry of `report[list]` (an array of objects) whose "name" is `name`; fails the test if none.
inline const nlohmann::json& named(const nlohmann::json& report, const std::string& name,
                                   const std::string& list = "ops") {
  for (const nlohmann::json& o : report[list])
    if (o["name"] == name) return o;
  FAIL("no " << list << " entry named " << name);
  static const nlohmann::json none;
  return none;
}

}  // namespace tpusim::test
