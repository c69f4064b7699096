// Patterns exporters write for one function, costed as the tpusim op they compute:
//   GELU, exact form (torch.onnx before opset 20 has no Gelu op):
//       x -> Div(x, c) | Mul(x, c) -> Erf -> Add(1) -> Mul(x, .) -> Mul(0.5)      (or the 0.5 first)
//   layer normalisation, the decomposition of exporters before opset 17:
//       ReduceMean(x) -> Sub(x, mean) -> Pow(d, 2) | Mul(d, d) -> ReduceMean -> Add(eps) -> Sqrt
//       -> Div(d, .) [-> Mul(gamma)] [-> Add(beta)]
// A pattern is taken only when every intermediate tensor is read by the pattern alone (no
// graph output, no other reader), so fusing it removes nothing anyone else needs.
#include <algorithm>

#include "sim/importers/onnx/onnx_lowering.h"

namespace tpusim::importers::onnx_import {

namespace {

class Matcher {
 public:
  Matcher(const OnnxModel& m, const std::set<std::string>& constant, const std::map<std::string, size_t>& consumers)
      : m_(m), constant_(constant), consumers_(consumers) {
    for (size_t i = 0; i < m.node_count(); ++i) {
      for (const auto& out : m.node(i).output()) producer_[out] = i;
      for (const auto& in : m.node(i).input()) readers_[in].push_back(i);
    }
  }

  bool constant(const std::string& t) const { return constant_.count(t) > 0; }
  const std::string& op(size_t i) const { return m_.op_type(i); }
  const onnx::NodeProto& node(size_t i) const { return m_.node(i); }

  /// The only node reading `t` (and nothing else reads it: no graph output), or SIZE_MAX.
  size_t sole_reader(const std::string& t) const {
    const auto c = consumers_.find(t);
    const auto r = readers_.find(t);
    if (c == consumers_.end() || r == readers_.end() || c->second != 1 || r->second.size() != 1) return SIZE_MAX;
    return r->second[0];
  }
  /// For a binary node, the operand that is not `t` (empty if the node is not binary or does not read t).
  std::string other(size_t i, const std::string& t) const {
    const auto& n = node(i);
    if (n.input_size() != 2) return "";
    if (n.input(0) == t) return n.input(1);
    if (n.input(1) == t) return n.input(0);
    return "";
  }
  bool is(size_t i, const char* op_type) const { return i != SIZE_MAX && op(i) == op_type && node(i).domain().empty(); }
  size_t producer(const std::string& t) const {
    const auto it = producer_.find(t);
    return it == producer_.end() ? SIZE_MAX : it->second;
  }
  size_t readers(const std::string& t) const {
    const auto c = consumers_.find(t);
    return c == consumers_.end() ? 0 : c->second;
  }
  /// The reducing axes of a ReduceMean (attribute, or input since opset 18), normalised.
  std::vector<int64_t> reduce_axes(size_t i, size_t rank) const {
    std::vector<int64_t> axes = attr_ints(node(i), "axes");
    for (int64_t& a : axes)
      if (a < 0) a += static_cast<int64_t>(rank);
    std::sort(axes.begin(), axes.end());
    return axes;
  }
  const OnnxModel& model() const { return m_; }

 private:
  const OnnxModel& m_;
  const std::set<std::string>& constant_;
  const std::map<std::string, size_t>& consumers_;
  std::map<std::string, size_t> producer_;
  std::map<std::string, std::vector<size_t>> readers_;
};

/// Erf-based GELU around the Erf node `e`.
std::optional<FusedPattern> gelu_at(const Matcher& M, size_t e) {
  const auto& en = M.node(e);
  const size_t d = M.producer(en.input(0));
  if (!(M.is(d, "Div") || M.is(d, "Mul")) || M.sole_reader(en.input(0)) != e) return std::nullopt;
  const std::string x = M.node(d).input(0);
  if (!M.constant(M.node(d).input(1)) || M.constant(x)) return std::nullopt;
  const size_t a = M.sole_reader(en.output(0));
  if (!M.is(a, "Add") || !M.constant(M.other(a, en.output(0)))) return std::nullopt;
  const size_t m1 = M.sole_reader(M.node(a).output(0));
  if (!M.is(m1, "Mul")) return std::nullopt;
  const std::string y = M.other(m1, M.node(a).output(0));
  FusedPattern p{OpKind::gelu, {d, e, a, m1}, x, 0};
  if (y == x) {  // x * (1 + erf) then * 0.5
    const size_t m2 = M.sole_reader(M.node(m1).output(0));
    if (!M.is(m2, "Mul") || !M.constant(M.other(m2, M.node(m1).output(0)))) return std::nullopt;
    p.members.push_back(m2);
  } else {  // (x * 0.5) * (1 + erf)
    const size_t h = M.producer(y);
    if (!M.is(h, "Mul") || M.sole_reader(y) != m1 || M.other(h, x).empty() || !M.constant(M.other(h, x)))
      return std::nullopt;
    p.members.push_back(h);
  }
  std::sort(p.members.begin(), p.members.end());
  return p;
}

/// Decomposed layer norm from the first ReduceMean `r`.
std::optional<FusedPattern> layernorm_at(const Matcher& M, size_t r) {
  const std::string x = M.node(r).input(0);
  const TensorInfo* xi = M.model().tensor(x);
  if (M.constant(x) || !xi || !xi->shape_known || xi->dims.empty()) return std::nullopt;
  const size_t rank = xi->dims.size();
  const auto axes = M.reduce_axes(r, rank);
  if (axes.empty() || axes.back() != static_cast<int64_t>(rank) - 1) return std::nullopt;
  for (size_t k = 1; k < axes.size(); ++k)
    if (axes[k] != axes[k - 1] + 1) return std::nullopt;  // trailing, contiguous axes only
  const size_t sub = M.sole_reader(M.node(r).output(0));
  if (!M.is(sub, "Sub") || M.node(sub).input(0) != x) return std::nullopt;
  const std::string dev = M.node(sub).output(0);
  size_t pw = SIZE_MAX, div = SIZE_MAX;
  for (size_t i = sub + 1; i < M.model().node_count(); ++i) {
    const auto& n = M.node(i);
    if (std::find(n.input().begin(), n.input().end(), dev) == n.input().end()) continue;
    if ((M.is(i, "Pow") && n.input(0) == dev && M.constant(n.input(1))) ||
        (M.is(i, "Mul") && n.input(0) == dev && n.input(1) == dev))
      pw = i;
    else if (M.is(i, "Div") && n.input(0) == dev)
      div = i;
  }
  if (pw == SIZE_MAX || div == SIZE_MAX) return std::nullopt;
  if (M.readers(dev) != (M.is(pw, "Mul") ? 3u : 2u)) return std::nullopt;  // Mul(d, d) reads it twice
  const size_t r2 = M.sole_reader(M.node(pw).output(0));
  if (!M.is(r2, "ReduceMean") || M.reduce_axes(r2, rank) != axes) return std::nullopt;
  const size_t add = M.sole_reader(M.node(r2).output(0));
  if (!M.is(add, "Add") || !M.constant(M.other(add, M.node(r2).output(0)))) return std::nullopt;
  const size_t sq = M.sole_reader(M.node(add).output(0));
  if (!M.is(sq, "Sqrt") || M.sole_reader(M.node(sq).output(0)) != div || M.node(div).input(1) != M.node(sq).output(0))
    return std::nullopt;
  FusedPattern p{OpKind::layernorm, {r, sub, pw, r2, add, sq, div}, x, 1};
  for (int64_t a : axes) p.cols *= static_cast<uint64_t>(xi->dims[static_cast<size_t>(a)]);
  // The affine part: times gamma, plus beta (each optional, each constant).
  std::string out = M.node(div).output(0);
  for (const char* op : {"Mul", "Add"}) {
    const size_t k = M.sole_reader(out);
    if (!M.is(k, op) || !M.constant(M.other(k, out))) break;
    p.members.push_back(k);
    out = M.node(k).output(0);
  }
  std::sort(p.members.begin(), p.members.end());
  return p;
}

}  // namespace

std::vector<FusedPattern> find_patterns(const OnnxModel& m, const std::set<std::string>& constant,
                                        const std::map<std::string, size_t>& consumers) {
  const Matcher M(m, constant, consumers);
  std::vector<FusedPattern> found;
  std::set<size_t> taken;
  auto take = [&](std::optional<FusedPattern> p) {
    if (!p) return;
    for (size_t k : p->members)
      if (taken.count(k)) return;
    taken.insert(p->members.begin(), p->members.end());
    found.push_back(*p);
  };
  for (size_t i = 0; i < m.node_count(); ++i) {
    if (M.is(i, "Erf")) take(gelu_at(M, i));
    if (M.is(i, "ReduceMean") && !taken.count(i)) take(layernorm_at(M, i));
  }
  return found;
}

}  // namespace tpusim::importers::onnx_import
