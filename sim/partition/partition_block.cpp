// partition_block: one chip's share of a model graph, collectives inserted (README.md "Rules").
#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/partition/partition.h"
#include "sim/spec/json_reader.h"

namespace tpusim::partition {

namespace {

std::vector<std::string> concat_axes(std::initializer_list<const Degree*> ds) {
  std::vector<std::string> out;
  for (const Degree* d : ds) out.insert(out.end(), d->axes.begin(), d->axes.end());
  return out;
}

class Builder {
 public:
  Builder(const Workload& model, const Parallelism& p) : model_(model), p_(p) {
    g_.compute.name = model.name;
    g_.compute.source = model.source;
    g_.compute.file = model.file;
    g_.compute.batch = model.batch;
    g_.compute.input_name = model.input_name;
    output_.resize(model.layers.size());
  }

  ChipGraph build() {
    const auto consumers = model_.consumers();
    for (size_t i = 0; i < model_.layers.size(); ++i) add_op(i, consumers[i]);
    g_.output = output_.back();
    finish_chip_graph(g_, model_.file);
    return std::move(g_);
  }

 private:
  const Workload& model_;
  const Parallelism& p_;
  ChipGraph g_;
  std::vector<size_t> output_;  ///< per model op: the node its consumers read

  uint64_t divide(uint64_t v, uint64_t by, const Layer& l, const std::string& what, const std::string& degrees) const {
    if (by == 0 || v % by != 0)
      config::fail_at(l.file, l.pointer, fmt::format("{} \"{}\": {} = {} is not divisible by {} = {}", to_string(l.op),
                                                     l.name, what, v, degrees, by));
    return v / by;
  }

  size_t input_node(size_t model_input) const {
    return model_input == Layer::kGraphInput ? Layer::kGraphInput : output_[model_input];
  }

  size_t add_collective(const Layer& l, const std::string& suffix, CollectiveKind kind, uint64_t bytes,
                        std::vector<std::string> axes, size_t input) {
    SystemNode n;
    n.name = l.name + "/" + suffix;
    n.file = l.file;
    n.pointer = l.pointer;
    CollectiveOp c;
    c.kind = kind;
    c.bytes = bytes;
    c.axes = std::move(axes);
    c.algorithm = p_.algorithm;
    n.collective = c;
    n.inputs = {input};
    g_.nodes.push_back(std::move(n));
    return g_.nodes.size() - 1;
  }

  /// Splits the op's shape in place; returns its output elements.
  void split_shape(Layer& l) const {
    const uint64_t tp = p_.tp.degree, ep = p_.ep.degree;
    const bool expert = l.hint.split == SplitRole::expert;
    const uint64_t data = uint64_t(p_.dp.degree) * p_.sp.degree * (expert ? 1 : ep);
    const std::string data_name = expert ? "dp x sp" : "dp x ep x sp";
    if (l.op == OpKind::attention)
      config::fail_at(l.file, l.pointer + "/op",
                      fmt::format("attention \"{}\": the partition pass does not split the fused attention op; on a "
                                  "system write it as matmul, softmax, matmul (split attention_heads)", l.name));
    if (!is_matrix_op(l.op)) {
      // A vector op on a tensor-parallel tensor (heads, or a column-parallel output) is split
      // with it; row-parallel, expert and vocabulary splits are matrix ops' only.
      const bool by_tp = l.hint.split == SplitRole::attention_heads || l.hint.split == SplitRole::column_parallel;
      if (!by_tp && l.hint.split != SplitRole::replicated)
        config::fail_at(l.file, l.pointer, fmt::format("{} \"{}\": split {} applies to matrix ops only (a vector op is "
                                                       "replicated, column_parallel or attention_heads)", to_string(l.op),
                                                       l.name, to_string(l.hint.split)));
      const uint64_t f = data * (by_tp ? tp : 1);
      const std::string why = by_tp ? data_name + " x tp" : data_name;
      l.vector.elements_in = divide(l.vector.elements_in, f, l, "elements in", why);
      l.vector.elements_out = divide(l.vector.elements_out, f, l, "elements out", why);
      l.vector.ops = divide(l.vector.ops, f, l, "lane-operations", why);
      if (l.op == OpKind::embedding_bag) {  // its samples are what is split (its work scales with them)
        if (by_tp) config::fail_at(l.file, l.pointer, fmt::format("embedding_bag \"{}\": splits by samples only (replicated)", l.name));
        l.embedding.batch = divide(l.embedding.batch, f, l, "batch", why);
      }
      return;
    }
    GemmShape& s = l.gemm;
    const DataDim dim = l.hint.data_dim.value_or(l.op == OpKind::matmul ? DataDim::count : DataDim::m);
    if (l.op == OpKind::conv2d) {  // the batch of images is what data parallelism splits
      l.conv.batch = divide(l.conv.batch, data, l, "batch", data_name);
      s.m = l.conv.batch * l.conv.out_h() * l.conv.out_w();
    } else if (dim == DataDim::m) {
      s.m = divide(s.m, data, l, "m (tokens)", data_name);
    } else if (dim == DataDim::k) {
      s.k = divide(s.k, data, l, "k (tokens)", data_name);
    } else {
      s.count = divide(s.count, data, l, "count (batch)", data_name);
    }
    switch (l.hint.split) {
      case SplitRole::column_parallel:
      case SplitRole::lm_head: s.n = divide(s.n, tp, l, "n", "tp"); break;
      case SplitRole::row_parallel:
      case SplitRole::embedding: s.k = divide(s.k, tp, l, "k", "tp"); break;
      case SplitRole::attention_heads: s.count = divide(s.count, tp, l, "count (heads)", "tp"); break;
      case SplitRole::expert: s.count = divide(s.count, ep, l, "count (experts)", "ep"); break;
      case SplitRole::replicated: break;
    }
  }

  void add_op(size_t i, const std::vector<size_t>& consumers) {
    Layer l = model_.layers[i];
    split_shape(l);
    const uint64_t eb = p_.element_bytes;
    const GemmShape& s = l.gemm;
    const bool expert = l.hint.split == SplitRole::expert;
    std::vector<size_t> inputs;
    for (size_t in : l.inputs) inputs.push_back(input_node(in));
    // Sequence parallelism: attention's second operand (K, or V) is gathered from the sp group.
    if (p_.sp.degree > 1 && l.hint.split == SplitRole::attention_heads && l.op == OpKind::matmul)
      inputs[1] = add_collective(l, "sp_all_gather", CollectiveKind::all_gather, s.k * s.n * s.count * eb, p_.sp.axes,
                                 inputs[1]);
    // Expert parallelism: tokens go to their experts' chips before the first expert op of a run.
    const bool first_expert = expert && (l.inputs[0] == Layer::kGraphInput ||
                                         model_.layers[l.inputs[0]].hint.split != SplitRole::expert);
    if (p_.ep.degree > 1 && first_expert && is_matrix_op(l.op))
      inputs[0] = add_collective(l, "ep_dispatch", CollectiveKind::all_to_all, s.m * s.k * s.count * eb, p_.ep.axes,
                                 inputs[0]);
    SystemNode n;
    n.name = l.name;
    n.file = l.file;
    n.pointer = l.pointer;
    n.compute = g_.compute.layers.size();
    n.inputs = inputs;
    const uint64_t out_bytes = (is_matrix_op(l.op) ? s.m * s.n * s.count : l.vector.elements_out) * eb;
    const uint64_t gradient_bytes = l.hint.gradient_bytes;
    const SplitRole role = l.hint.split;
    g_.compute.layers.push_back(std::move(l));
    g_.nodes.push_back(std::move(n));
    const size_t compute_node = g_.nodes.size() - 1;
    size_t out = compute_node;
    const Layer& me = g_.compute.layers.back();
    // Megatron: the row-parallel matmul's partial sums are all-reduced over the tp group.
    if (p_.tp.degree > 1 && (role == SplitRole::row_parallel || role == SplitRole::embedding))
      out = add_collective(me, "tp_all_reduce", CollectiveKind::all_reduce, out_bytes, p_.tp.axes, out);
    bool last_expert = expert;
    for (size_t c : consumers)
      if (model_.layers[c].hint.split == SplitRole::expert) last_expert = false;
    if (p_.ep.degree > 1 && last_expert && is_matrix_op(me.op))
      out = add_collective(me, "ep_combine", CollectiveKind::all_to_all, out_bytes, p_.ep.axes, out);
    output_[i] = out;
    // Data parallelism (training): the weight gradient this op completes is reduced over every
    // chip holding the same weights; nothing on the data path waits for it.
    if (gradient_bytes > 0) {
      const std::vector<std::string> axes =
          expert ? concat_axes({&p_.dp, &p_.sp}) : concat_axes({&p_.dp, &p_.ep, &p_.sp});
      const bool sharded = role != SplitRole::replicated && role != SplitRole::expert;
      uint64_t bytes = divide(gradient_bytes, sharded ? p_.tp.degree : 1, me, "gradient_bytes", "tp");
      if (expert) bytes = divide(bytes, p_.ep.degree, me, "gradient_bytes", "ep");
      g_.weight_gradient_bytes += bytes;  // this chip's share of the weights, as gradients      if (!axes.empty())
        (void)add_collective(me, p_.zero ? "dp_grad_reduce_scatter" : "dp_grad_all_reduce",
                             p_.zero ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, bytes, axes,
                             compute_node);
    }
  }
};

}  // namespace

ChipGraph partition_block(const Workload& model, const Parallelism& p, const config::SystemSpec& system) {
  check_parallelism(p, system);
  return Builder(model, p).build();
}

}  // namespace tpusim::partition
