// Parameter tables (sim/spec/params.h) on a made-up component tree of the kind later issues add
// (a chip with named cores, a list of links, an optional tier): one table per struct reads
// nested objects, maps and lists strictly with pointers in every message, echoes what it read,
// takes its defaults from the member initializers and documents every key where it sits.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/spec/arch_config.h"
#include "sim/spec/arch_params.h"
#include "sim/spec/params.h"

using namespace tpusim;
using nlohmann::json;
using params::Table;

namespace {

struct Core {
  std::string name;
  uint32_t matrix_units = 2;
  Dataflow dataflow = Dataflow::ws;
  std::vector<BufferRole> holds{BufferRole::inputs};
};

struct Link {
  double bandwidth_gb_per_s = 45;
  double latency_ns = 0;
};

struct Chip {
  std::string label = "chip";
  uint32_t lanes = 4;
  std::vector<Core> cores;
  std::vector<Link> links;
  std::optional<Link> dcn;
  std::vector<uint64_t> widths;
  bool inferred = false;  ///< set by when_absent of "mode"
  std::string mode = "auto";
};

const Table<Core>& core_table() {
  static const Table<Core> t = [] {
    Table<Core> t("core", "a core");
    t.integer("matrix_units", &Core::matrix_units, 1, 16, "units", "matrix units per core");
    t.choice("dataflow", &Core::dataflow, "dataflow of every unit");
    t.choice_set("holds", &Core::holds, "roles");
    return t;
  }();
  return t;
}

const Table<Link>& link_table() {
  static const Table<Link> t = [] {
    Table<Link> t("link", "a link");
    t.number("bandwidth_gb_per_s", &Link::bandwidth_gb_per_s, 0.0, 1e6, "GB/s", "one way").required();
    t.non_negative("latency_ns", &Link::latency_ns, 1e6, "ns", "per hop");
    return t;
  }();
  return t;
}

const Table<Chip>& chip_table() {
  static const Table<Chip> t = [] {
    Table<Chip> t("chip", "a chip");
    t.string("label", &Chip::label, "", "a name");
    t.integer_of("lanes", &Chip::lanes, {1, 4, 16}, "lanes", "vector lanes");
    t.map("cores", &Chip::cores, &Core::name, core_table(), "core", "cores by name").required();
    t.list("links", &Chip::links, link_table(), "links in order");
    t.optional_object("dcn", &Chip::dcn, link_table(), "a slower tier");
    t.integer_list("widths", &Chip::widths, 1, 64, "bytes", "port widths");
    t.string("mode", &Chip::mode, "", "a mode").when_absent([](params::ObjectReader&, Chip& c) { c.inferred = true; });
    t.validate([](const params::ObjectReader& r, Chip& c) {
      if (c.cores.size() > 2) config::fail_at(r.file(), "/cores", "at most 2 cores");
    });
    return t;
  }();
  return t;
}

Chip read(const json& doc) {
  Chip c;
  chip_table().read(doc, "chip.json", "", c);
  return c;
}

std::string error_of(const json& doc) {
  try {
    read(doc);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

json good() {
  return {{"cores", {{"b", {{"matrix_units", 4}, {"dataflow", "os"}}}, {"a", json::object()}}},
          {"links", {{{"bandwidth_gb_per_s", 50}}, {{"bandwidth_gb_per_s", 25}, {"latency_ns", 1.5}}}},
          {"widths", {8, 16}}};
}

}  // namespace

TEST_CASE("params: nested objects, maps and lists read with defaults from the member initializers", "[params]") {
  const Chip c = read(good());
  CHECK(c.label == "chip");  // absent: the initializer
  CHECK(c.lanes == 4);
  REQUIRE(c.cores.size() == 2);
  CHECK(c.cores[0].name == "a");  // a map's elements in key order, named by their key
  CHECK(c.cores[0].matrix_units == 2);
  CHECK(c.cores[0].holds == std::vector<BufferRole>{BufferRole::inputs});
  CHECK(c.cores[1].name == "b");
  CHECK(c.cores[1].matrix_units == 4);
  CHECK(c.cores[1].dataflow == Dataflow::os);
  REQUIRE(c.links.size() == 2);
  CHECK(c.links[0].latency_ns == 0);
  CHECK(c.links[1].latency_ns == 1.5);
  CHECK_FALSE(c.dcn.has_value());
  CHECK(c.widths == std::vector<uint64_t>{8, 16});
  CHECK(c.inferred);  // when_absent ran
  json given = good();
  given["mode"] = "x";
  CHECK_FALSE(read(given).inferred);
  CHECK(read(given).mode == "x");
}

TEST_CASE("params: the echo writes what was read; reading the echo gives the same echo", "[params]") {
  json doc = good();
  doc["dcn"] = {{"bandwidth_gb_per_s", 12.5}};
  const json echo = chip_table().to_json(read(doc));
  const json expected = {
      {"label", "chip"},
      {"lanes", 4},
      {"cores",
       {{"a", {{"matrix_units", 2}, {"dataflow", "ws"}, {"holds", json::array({"inputs"})}}},
        {"b", {{"matrix_units", 4}, {"dataflow", "os"}, {"holds", json::array({"inputs"})}}}}},
      {"links", {{{"bandwidth_gb_per_s", 50.0}, {"latency_ns", 0.0}}, {{"bandwidth_gb_per_s", 25.0}, {"latency_ns", 1.5}}}},
      {"dcn", {{"bandwidth_gb_per_s", 12.5}, {"latency_ns", 0.0}}},
      {"widths", {8, 16}},
      {"mode", "auto"}};
  CHECK(echo == expected);
  CHECK(chip_table().to_json(read(echo)) == echo);
  // An absent optional object is not echoed.
  CHECK_FALSE(chip_table().to_json(read(good())).contains("dcn"));
}

TEST_CASE("params: a key echoed unless at its default appears only once it is set", "[params]") {
  // A key added later (Echo::unless_default) leaves the echo of every config that never sets it
  // as it was; set to another value it is echoed, and reading the echo back gives the same struct.
  static const Table<Link> t = [] {
    Table<Link> t("later", "a table that gained a key");
    t.number("bandwidth_gb_per_s", &Link::bandwidth_gb_per_s, 0.0, 1e6, "GB/s", "one way");
    t.non_negative("latency_ns", &Link::latency_ns, 1e6, "ns", "added later").echo(params::Echo::unless_default);
    return t;
  }();
  Link l;
  t.read(json::object(), "l.json", "", l);
  CHECK(t.to_json(l) == json{{"bandwidth_gb_per_s", 45.0}});
  t.read(json{{"latency_ns", 2.5}}, "l.json", "", l);
  const json echo = t.to_json(l);
  CHECK(echo == json{{"bandwidth_gb_per_s", 45.0}, {"latency_ns", 2.5}});
  Link back;
  t.read(echo, "l.json", "", back);
  CHECK(back.latency_ns == 2.5);
}

TEST_CASE("params: every message names the file and the pointer where the key sits", "[params]") {
  auto with = [](const char* ptr, const json& v) {
    json d = good();
    d[json::json_pointer(ptr)] = v;
    return d;
  };
  CHECK(error_of(with("/cores/b/matrix_units", 0)) ==
        "chip.json: /cores/b/matrix_units: must be an integer in [1, 16], got 0");
  CHECK(error_of(with("/cores/a/typo", 1)) ==
        "chip.json: /cores/a/typo: unknown key; allowed: dataflow, holds, matrix_units");
  CHECK(error_of(with("/links/1/latency_ns", -1)) == "chip.json: /links/1/latency_ns: must be a number in [0, 1000000], got -1");
  CHECK(error_of(with("/links/0", {{"latency_ns", 1}})) == "chip.json: /links/0/bandwidth_gb_per_s: is required but missing");
  CHECK(error_of(with("/links", 3)) == "chip.json: /links: must be an array of objects, got 3");
  CHECK(error_of(with("/cores", "x")) == "chip.json: /cores: must be an object, got \"x\"");
  CHECK(error_of(with("/dcn", {{"bandwidth_gb_per_s", 0}})) ==
        "chip.json: /dcn/bandwidth_gb_per_s: must be a number in (0, 1000000], got 0");
  CHECK(error_of(with("/lanes", 2)) == "chip.json: /lanes: must be 1, 4 or 16, got 2");
  CHECK(error_of(with("/lanes", 32)) == "chip.json: /lanes: must be an integer in [1, 16], got 32");
  CHECK(error_of(with("/widths", json::array({8, 0}))) == "chip.json: /widths/1: must be an integer in [1, 64], got 0");
  CHECK(error_of(with("/widths", "8")) == "chip.json: /widths: must be an array of integers in [1, 64], got \"8\"");
  CHECK(error_of(with("/cores/a/holds", json::array({"inputs", "inputs"}))) == "chip.json: /cores/a/holds/1: \"inputs\" listed twice");
  CHECK(error_of(with("/cores/a/holds", json::array())) ==
        "chip.json: /cores/a/holds: must be a non-empty array of inputs, weights, outputs, accumulators, sparse_core, got an empty array");
  CHECK(error_of(with("/cores/a/dataflow", "wx")) == "chip.json: /cores/a/dataflow: unknown \"wx\"; allowed: os, ws, is, rs");
  CHECK(error_of(with("/typo", 1)) ==
        "chip.json: /typo: unknown key; allowed: cores, dcn, label, lanes, links, mode, widths");
  json none = good();
  none.erase("cores");
  CHECK(error_of(none) == "chip.json: /cores: is required but missing");
  CHECK(error_of(with("/cores/c", json::object())) == "chip.json: /cores: at most 2 cores");  // validate()
  // A string is a set of one.
  CHECK(read(with("/cores/a/holds", "weights")).cores[0].holds == std::vector<BufferRole>{BufferRole::weights});
}

TEST_CASE("params: documentation rows come from the table, defaults from the initializers", "[params]") {
  const auto s = params::sections(chip_table());
  REQUIRE(s.size() == 3);  // the link table is used twice and documented once, where it first appears
  CHECK(s[0].prefix == "");
  CHECK(s[1].table->id() == "core");
  CHECK(s[1].prefix == "/cores/<core>");
  CHECK(s[2].table->id() == "link");
  CHECK(s[2].prefix == "/links/<i>");
  const auto& lanes = chip_table().params().at(1);
  CHECK(lanes.default_value == json(4));
  CHECK(lanes.allowed == "1, 4, 16");
  CHECK(core_table().params().at(1).allowed == "`os`, `ws`, `is`, `rs`");
  CHECK(link_table().params().at(0).required);
  CHECK(link_table().params().at(1).allowed == "[0, 1e6]");
  CHECK(link_table().params().at(0).allowed == "(0, 1e6]");
  CHECK(params::integer_range_text(1, 1ULL << 50) == "[1, 2^50]");
  CHECK(params::integer_range_text(0, UINT64_MAX) == "[0, 2^64-1]");
  CHECK(params::integer_range_text(1, 65536) == "[1, 65536]");
}

TEST_CASE("params: the architecture tables document every key with the struct's defaults", "[params][config]") {
  const ArchConfig defaults;
  const auto rows = params::sections(config::arch_params());
  std::vector<std::string> ids;
  for (const auto& s : rows) ids.push_back(s.table->id() + " " + s.prefix);
  CHECK(ids == std::vector<std::string>{"top ", "array /array", "row_stationary /array/row_stationary",
                                        "datatypes /datatypes", "buffers /buffers/<name>", "dma /dma", "dram /dram",
                                        "vector /vector", "core /core", "chip /chip", "scalesim /scalesim",
                                        "fpga /fpga", "sparse_core /sparse_core"});
  // The documented default is the member initializer, whatever it is.
  for (const auto& p : rows[1].table->params())
    if (p.key == "rows") CHECK(p.default_value == json(defaults.array.rows));
  for (const auto& p : rows[5].table->params())
    if (p.key == "bandwidth_gb_per_s") CHECK(p.default_value == json(defaults.dram.bandwidth_gb_per_s));
  // Every documented row says what it is.
  for (const auto& s : rows)
    for (const auto& p : s.table->params()) {
      INFO(s.prefix << "/" << p.key);
      CHECK_FALSE(p.type.empty());
      CHECK_FALSE(p.description.empty());
    }
}
