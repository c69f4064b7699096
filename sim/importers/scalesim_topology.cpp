#include "sim/importers/scalesim_topology.h"

#include <algorithm>
#include <initializer_list>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/base/math.h"
#include "sim/importers/text_source.h"

namespace tpusim::importers {

namespace {

constexpr uint64_t kMaxDim = 1ULL << 32;   // same bound as the JSON workload loader
constexpr uint64_t kMaxMacs = 1ULL << 62;  // a layer's MACs must fit a signed 64-bit counter
// Layers a topology may expand into. A depthwise ("DP") row becomes one layer per channel, as in
// SCALE-Sim, so a Channels of 2^32 asked for 4 billion layers (std::bad_alloc, issue 16).
// Real topologies are far below: MobileNetV2's 17 depthwise convs have 7,136 channels in all
// (32 + 96 + 144 x 2 + 192 x 3 + 384 x 4 + 576 x 3 + 960 x 3, from the paper's Table 2).
constexpr uint64_t kMaxLayers = 1ULL << 20;

/// The product of the factors, or kMaxMacs + 1 if it exceeds kMaxMacs (no overflow).
uint64_t saturating_product(std::initializer_list<uint64_t> factors) {
  uint64_t p = 1;
  for (uint64_t f : factors) {
    if (f != 0 && p > kMaxMacs / f) return kMaxMacs + 1;
    p *= f;
  }
  return p;
}

/// A header column: its display name (for messages) and the spellings accepted, normalised.
struct Column {
  const char* display;
  std::vector<std::string> spellings;
};

const std::vector<Column>& conv_columns() {
  static const std::vector<Column> c = {
      {"Layer name", {"layer name", "layer"}},  {"IFMAP Height", {"ifmap height"}},
      {"IFMAP Width", {"ifmap width"}},         {"Filter Height", {"filter height"}},
      {"Filter Width", {"filter width"}},       {"Channels", {"channels"}},
      {"Num Filter", {"num filter", "num filters"}},
      {"Strides", {"strides", "stride", "stride height"}},
      {"Stride width", {"stride width"}}};  // optional ninth column (SCALE-Sim's own writer)
  return c;
}

/// The conv form with the ninth column of newer shipped topologies (llama3b.csv). SCALE-Sim v2
/// reads a ninth value as the stride width, so only batch 1 means the same to both.
const std::vector<Column>& conv_batch_columns() {
  static const std::vector<Column> c = [] {
    std::vector<Column> cols = conv_columns();
    cols.back() = {"Batch Size", {"batch size"}};
    return cols;
  }();
  return c;
}

const std::vector<Column>& gemm_columns() {
  static const std::vector<Column> c = {{"Layer", {"layer", "layer name"}}, {"M", {"m"}}, {"N", {"n"}}, {"K", {"k"}}};
  return c;
}

enum class Form { conv, gemm };

struct Header {
  Form form = Form::conv;
  const std::vector<Column>* columns = nullptr;
  bool batch_column = false;  ///< conv form whose ninth column is "Batch Size"
};

const char* kConvHeader = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,";
const char* kGemmHeader = "Layer, M, N, K,";

/// Drops what follows a row's last comma when it is empty or a `#` comment: SCALE-Sim reads
/// `row.split(',')[:-1]`, so that text never mattered to it.
void drop_trailing(std::vector<TextField>& fields) {
  if (fields.size() > 1 && (fields.back().text.empty() || fields.back().text[0] == '#')) fields.pop_back();
}

bool matches(const Column& col, const std::string& text) {
  const std::string n = normalize_name(text);
  for (const auto& s : col.spellings)
    if (n == s) return true;
  return false;
}

/// Recognises the header line; InputError naming the first column that does not fit.
Header read_header(const TextLine& line, const std::string& file) {
  auto fields = split_fields(line.text, ',');
  drop_trailing(fields);
  const std::string second = fields.size() > 1 ? normalize_name(fields[1].text) : "";
  const bool gemm = second == "m", conv = second == "ifmap height";
  if (!gemm && !conv)
    fail_at_line(file, line.number, 1,
                 fmt::format("unknown SCALE-Sim topology header: expected the conv form \"{}\" or the GEMM form \"{}\", "
                             "got {}",
                             kConvHeader, kGemmHeader, quote_found(trim(line.text))));
  const bool batch = conv && fields.size() == 9 && normalize_name(fields[8].text) == "batch size";
  const auto& cols = gemm ? gemm_columns() : batch ? conv_batch_columns() : conv_columns();
  const size_t min_cols = gemm ? 4 : 8, max_cols = gemm ? 4 : 9;
  for (size_t i = 0; i < fields.size() && i < max_cols; ++i)
    if (!matches(cols[i], fields[i].text))
      fail_at_line(file, line.number, fields[i].column,
                   fmt::format("{} topology header: expected column {} \"{}\", got {}", gemm ? "GEMM" : "conv", i + 1,
                               cols[i].display, quote_found(fields[i].text)));
  if (fields.size() < min_cols || fields.size() > max_cols) {
    const uint32_t col = fields.size() > max_cols ? fields[max_cols].column : static_cast<uint32_t>(line.text.size() + 1);
    fail_at_line(file, line.number, col,
                 fmt::format("{} topology header: expected {} columns \"{}\", got {}", gemm ? "GEMM" : "conv", min_cols,
                             gemm ? kGemmHeader : kConvHeader, fields.size()));
  }
  return Header{gemm ? Form::gemm : Form::conv, &cols, batch};
}

struct RowReader {
  const std::string& file;
  const TextLine& line;
  const std::vector<TextField>& fields;
  const std::vector<Column>& cols;

  uint64_t value(size_t i) const {
    uint64_t v = 0;
    if (!parse_u64(fields[i].text, 1, kMaxDim, v))
      fail_at_line(file, line.number, fields[i].column,
                   fmt::format("{} must be an integer in [1, {}], got {}", cols[i].display, kMaxDim, quote_found(fields[i].text)));
    return v;
  }
  [[noreturn]] void fail(size_t i, const std::string& message) const {
    fail_at_line(file, line.number, fields[i].column, message);
  }
};

/// A conv2d layer for the native model (floor output rule, padding 0) that keeps SCALE-Sim's
/// raw numbers in ConvParams for the scalesim-v2 timing.
Layer conv_layer(const std::string& name, uint64_t h, uint64_t w, uint64_t r, uint64_t s, uint64_t c, uint64_t n,
                 uint64_t stride_h, uint64_t stride_w) {
  Layer l;
  l.name = name;
  l.op = OpKind::conv2d;
  ConvParams& p = l.conv;
  p.in_h = h;
  p.in_w = w;
  p.kernel_h = r;
  p.kernel_w = s;
  p.in_c = c;
  p.out_c = n;
  p.stride_h = stride_h;
  p.stride_w = stride_w;
  l.gemm.m = p.out_h() * p.out_w();
  l.gemm.k = r * s * c;
  l.gemm.n = n;
  return l;
}

void read_conv_row(const RowReader& row, bool batch_column, Workload& w) {
  const std::string& name = row.fields[0].text;
  const uint64_t h = row.value(1), wd = row.value(2), r = row.value(3), s = row.value(4);
  const uint64_t c = row.value(5), n = row.value(6), sh = row.value(7);
  uint64_t sw = sh;
  if (row.fields.size() > 8) {
    sw = row.value(8);
    if (batch_column) {
      if (sw != 1)
        row.fail(8, fmt::format("Batch Size must be 1, got {} (SCALE-Sim v2 runs batch 1 and would read this value as "
                                "the stride width)", sw));
      sw = sh;
    }
  }
  // SCALE-Sim asserts the same (topology_utils.append_topo_arrays, "ISSUE #9").
  if (r > h) row.fail(3, fmt::format("Filter Height {} is larger than IFMAP Height {}", r, h));
  if (s > wd) row.fail(4, fmt::format("Filter Width {} is larger than IFMAP Width {}", s, wd));
  // MACs as SCALE-Sim counts them (ceil output rule, so at least the native count).
  const uint64_t window = saturating_product({r, s, c});
  if (saturating_product({1 + ceil_div(h - r, sh), 1 + ceil_div(wd - s, sw), window, n}) > kMaxMacs || window > kMaxDim)
    row.fail(0, fmt::format("layer \"{}\" is too large (over {} MACs or a window over {} elements)", name, kMaxMacs, kMaxDim));
  if (name.find("DP") != std::string::npos) {
    if (w.layers.size() + c > kMaxLayers)
      row.fail(5, fmt::format("Channels {} of depthwise layer \"{}\" would expand into {} layers (one per channel, as "
                              "SCALE-Sim runs it); a topology may hold at most {} layers",
                              c, name, c, kMaxLayers));
    // topology_utils.load_arrays_conv: one single-channel layer per channel, keeping Num Filter.
    for (uint64_t i = 0; i < c; ++i)
      w.layers.push_back(conv_layer(name + "Channel_" + std::to_string(i), h, wd, r, s, 1, n, sh, sw));
  } else {
    w.layers.push_back(conv_layer(name, h, wd, r, s, c, n, sh, sw));
  }
}

void read_gemm_row(const RowReader& row, Workload& w) {
  Layer l;
  l.name = row.fields[0].text;
  l.op = OpKind::gemm;
  l.gemm.m = row.value(1);
  l.gemm.n = row.value(2);
  l.gemm.k = row.value(3);
  if (saturating_product({l.gemm.m, l.gemm.n, l.gemm.k}) > kMaxMacs)
    row.fail(0, fmt::format("layer \"{}\" is too large (over {} MACs)", l.name, kMaxMacs));
  w.layers.push_back(l);
}

std::string stem_of(const std::string& path) {
  const size_t slash = path.find_last_of("/\\");
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.rfind('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace

Workload parse_workload_csv(const std::string& text, const std::string& file) {
  const std::vector<TextLine> lines = split_lines(text, file);
  size_t i = 0;
  while (i < lines.size() && trim(lines[i].text).empty()) ++i;
  if (i == lines.size()) fail_at_line(file, 1, 1, fmt::format("expected a SCALE-Sim topology header \"{}\" or \"{}\", got an empty file", kConvHeader, kGemmHeader));
  const Header header = read_header(lines[i], file);
  const Form form = header.form;
  const auto& cols = *header.columns;

  Workload w;
  w.file = file;
  w.name = stem_of(file);
  w.source = fmt::format("SCALE-Sim topology ({} form)", form == Form::gemm ? "GEMM" : "conv");
  std::map<std::string, uint32_t> line_of_name;  // the native loader rejects duplicate names too
  for (++i; i < lines.size(); ++i) {
    const TextLine& line = lines[i];
    if (trim(line.text).empty()) continue;
    auto fields = split_fields(line.text, ',');
    // A row of empty cells (",,,,,,,,", spreadsheet exports) is a blank line.
    if (std::all_of(fields.begin(), fields.end(), [](const TextField& f) { return f.text.empty(); })) continue;
    drop_trailing(fields);
    // Conv rows may carry a separate stride width even under the 8-column header (SCALE-Sim
    // reads a ninth value when there is one).
    const size_t min_fields = form == Form::gemm ? 4 : 8, max_fields = form == Form::gemm ? 4 : 9;
    if (fields.size() < min_fields) {
      const size_t missing = fields.size();
      fail_at_line(file, line.number, static_cast<uint32_t>(line.text.size() + 1),
                   fmt::format("expected {} values ({} is missing) and a trailing comma, got {}", min_fields,
                               cols[missing].display, missing));
    }
    if (fields.size() > max_fields)
      fail_at_line(file, line.number, fields[max_fields].column,
                   fmt::format("expected {} values and a trailing comma, got {} (text after the last comma must be empty or a # comment)",
                               max_fields, fields.size()));
    if (fields[0].text.empty()) fail_at_line(file, line.number, fields[0].column, "expected a layer name, got nothing");
    const RowReader row{file, line, fields, cols};
    const size_t before = w.layers.size();
    if (form == Form::gemm) {
      read_gemm_row(row, w);
    } else {
      read_conv_row(row, header.batch_column, w);
    }
    for (size_t j = before; j < w.layers.size(); ++j) {
      w.layers[j].file = file;
      auto [it, fresh] = line_of_name.emplace(w.layers[j].name, line.number);
      if (!fresh)
        fail_at_line(file, line.number, fields[0].column,
                     fmt::format("duplicate layer name \"{}\" (also on line {}); layer names must be unique",
                                 w.layers[j].name, it->second));
    }
  }
  if (w.layers.empty()) fail_at_line(file, lines[i - 1].number, 1, "expected at least one layer row after the header, got none");
  // A topology is a chain: each layer reads the previous one's output.
  for (size_t j = 0; j < w.layers.size(); ++j) w.layers[j].inputs = {j == 0 ? Layer::kGraphInput : j - 1};
  return w;
}

Workload load_workload_csv(const std::string& path) { return parse_workload_csv(read_file(path), path); }

}  // namespace tpusim::importers
