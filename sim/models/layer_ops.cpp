#include "sim/models/layer_ops.h"

#include <algorithm>

namespace tpusim::models::detail {

uint64_t Op::out_elements() const {
  if (kind == "attention") return m * k * count;  // the context
  if (matrix()) return m * n * count;
  if (kind == "vector") return count_out;
  return elements > 0 ? elements : rows * cols;
}

uint64_t Op::in_elements() const {
  if (kind == "attention") return m * k * count + 2 * n * k * count;  // Q, K and V
  if (matrix()) return m * k * count + (kind == "matmul" ? k * n * count : 0);
  if (kind == "vector") return count_in;
  const uint64_t e = elements > 0 ? elements : rows * cols;
  return kind == "add" ? 2 * e : e;
}

nlohmann::json Op::to_json() const {
  nlohmann::json j = {{"name", name}, {"op", kind}};
  if (matrix() || kind == "attention") {
    j["m"] = m;
    j["k"] = k;
    j["n"] = n;
    if (count != 1) j["count"] = count;
  } else if (kind == "vector") {
    j["elements_in"] = count_in;
    j["elements_out"] = count_out;
    j["lane_ops"] = lane_ops;
  } else if (elements > 0) {
    j["elements"] = elements;
  } else {
    j["rows"] = rows;
    j["cols"] = cols;
  }
  if (!inputs.empty()) j["inputs"] = inputs;
  return j;
}

Op gemm(const std::string& name, uint64_t m, uint64_t k, uint64_t n, uint64_t count, OpRole role,
        std::vector<std::string> inputs) {
  Op o;
  o.name = name;
  o.kind = "gemm";
  o.m = m, o.k = k, o.n = n, o.count = count;
  o.role = role;
  o.inputs = std::move(inputs);
  return o;
}

Op matmul(const std::string& name, uint64_t m, uint64_t k, uint64_t n, uint64_t count, std::vector<std::string> inputs,
          OpRole role) {
  Op o = gemm(name, m, k, n, count, role, std::move(inputs));
  o.kind = "matmul";
  return o;
}

Op fused_attention(const std::string& name, uint64_t m, uint64_t k, uint64_t n, uint64_t count,
                   std::vector<std::string> inputs) {
  Op o = gemm(name, m, k, n, count, OpRole::attention_heads, std::move(inputs));
  o.kind = "attention";
  return o;
}

Op vec(const std::string& name, const std::string& kind, uint64_t elements, std::vector<std::string> inputs) {
  Op o;
  o.name = name;
  o.kind = kind;
  o.elements = elements;
  o.inputs = std::move(inputs);
  return o;
}

Op counts(const std::string& name, uint64_t elements_in, uint64_t elements_out, uint64_t lane_ops,
          std::vector<std::string> inputs) {
  Op o;
  o.name = name;
  o.kind = "vector";
  o.count_in = elements_in;
  o.count_out = elements_out;
  o.lane_ops = lane_ops;
  o.inputs = std::move(inputs);
  return o;
}

Op rowwise(const std::string& name, const std::string& kind, uint64_t rows, uint64_t cols,
           std::vector<std::string> inputs) {
  Op o;
  o.name = name;
  o.kind = kind;
  o.rows = rows;
  o.cols = cols;
  o.inputs = std::move(inputs);
  return o;
}

std::vector<Op> backward(const std::vector<Op>& forward) {
  std::vector<Op> out;
  std::string grad = kInput;  // the gradient arriving from the layer above
  for (auto it = forward.rbegin(); it != forward.rend(); ++it) {
    const Op& f = *it;
    if (f.matrix()) {
      // dA = dC x B^T: the same operand from memory as the forward op (weights for a gemm).
      Op da = f.kind == "gemm" ? gemm("d_" + f.name + ".dx", f.m, f.n, f.k, f.count, f.role, {grad})
                               : matmul("d_" + f.name + ".da", f.m, f.n, f.k, f.count, {grad, kInput}, f.role);
      // dB = A^T x dC: two activations (the saved input and the gradient); for a gemm, the
      // weight gradient, written to HBM.
      Op db = matmul("d_" + f.name + (f.kind == "gemm" ? ".dw" : ".db"), f.k, f.m, f.n, f.count, {kInput, grad},
                     f.role);
      out.push_back(da);
      out.push_back(db);
      grad = da.name;
    } else {
      Op d = f;
      d.name = "d_" + f.name;
      // A two-input add passes the gradient to both inputs: one read of the gradient and of the
      // other branch's gradient (the residual sum).
      d.inputs = f.kind == "add" && f.inputs.size() == 2 ? std::vector<std::string>{grad, kInput}
                                                          : std::vector<std::string>{grad};
      out.push_back(d);
      grad = d.name;
    }
  }
  return out;
}

nlohmann::json graph_json(const std::string& name, const std::vector<Op>& ops) {
  nlohmann::json layers = nlohmann::json::array();
  for (const Op& o : ops) layers.push_back(o.to_json());
  return {{"name", name}, {"source", "tpusim generated (sim/models)"}, {"input", kInput}, {"layers", layers}};
}

}  // namespace tpusim::models::detail
