#include "sim/mapper/mapped_workload.h"

#include <optional>

#include "sim/mapper/attention.h"
#include "sim/spec/json_reader.h"

namespace tpusim::mapper {

MappedLayer map_layer(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx) {
  MappedLayer m;
  m.layer = &layer;
  m.context = ctx;
  if (layer.op == OpKind::attention) {
    m.context = {};  // its tensors come from and go to memory; its scores stay inside it
    m.attention = plan_attention(arch, layer);
  } else if (is_matrix_op(layer.op)) {
    m.effective = effective_gemm(arch, layer);
    m.gemm = plan_gemm_on_chip(arch, layer, ctx);
  } else {
    m.vector = plan_vector(arch, layer, ctx);
  }
  return m;
}

namespace {

/// The layer mapped under `ctx`, or nothing when its resident activations leave no room.
std::optional<MappedLayer> try_map(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx) {
  try {
    return map_layer(arch, layer, ctx);
  } catch (const NoFit&) {
    return std::nullopt;
  }
}

/// The residency walk (see MappedWorkload's constructor). The input's residency is decided
/// first, then the output's: the same answers as testing "input resident" and then "output
/// resident too", but with both tested first, so a layer that maps with both (the common case)
/// is planned once. Equal because a layer that maps with its output resident also maps without
/// it (an output kept on chip only adds to the buffer's need). The plan of the fit test that
/// decides is the layer's plan; a plan without residency is made only when every test fails.
std::vector<MappedLayer> map_resident(const ArchConfig& arch, const Workload& workload,
                                      const std::vector<size_t>& fused_into) {
  std::vector<MappedLayer> out;
  out.reserve(workload.layers.size());
  bool on_chip = true;  // the host loaded the first input
  for (const Layer& layer : workload.layers) {
    if (fused_into[out.size()] != MappedLayer::kNotFused) {  // no plan: where its host's output is
      MappedLayer m;
      m.layer = &layer;
      m.context = {on_chip, on_chip};
      out.push_back(std::move(m));
      continue;
    }
    if (layer.op == OpKind::attention) {  // reads Q, K, V from memory and stores its output
      out.push_back(map_layer(arch, layer));
      on_chip = false;
      continue;
    }
    // The last output stays too: the host reads it from the buffer.
    LayerContext ctx{on_chip, true};
    std::optional<MappedLayer> fit = try_map(arch, layer, ctx);
    if (!fit && on_chip) {  // the input stays, the output goes to DRAM
      ctx.outputs_stay = false;
      fit = try_map(arch, layer, ctx);
      if (!fit) {  // the input goes as well; the output may still stay
        ctx = {false, true};
        fit = try_map(arch, layer, ctx);
      }
    }
    if (!fit) {
      ctx = {false, false};
      fit = map_layer(arch, layer, ctx);
    }
    on_chip = ctx.outputs_stay;
    out.push_back(std::move(*fit));
  }
  return out;
}

/// Which layers run as epilogues, and of which matrix layer (see MappedWorkload).
std::vector<size_t> fuse_epilogues(const ArchConfig& arch, const Workload& workload) {
  std::vector<size_t> host(workload.layers.size(), MappedLayer::kNotFused);
  const auto consumers = workload.consumers();
  for (size_t i = 0; i < workload.layers.size(); ++i) {
    const Layer& l = workload.layers[i];
    if (!l.fuse.value_or(arch.core.fuse_epilogues) || !is_epilogue_op(l.op) || l.inputs.size() != 1) continue;
    const size_t p = l.inputs[0];
    if (p == Layer::kGraphInput || consumers[p].size() != 1) continue;
    if (is_matrix_op(workload.layers[p].op)) host[i] = p;
    else if (host[p] != MappedLayer::kNotFused) host[i] = host[p];  // after another epilogue
  }
  return host;
}

}  // namespace

MappedWorkload::MappedWorkload(const ArchConfig& arch, const Workload& workload)
    : arch_(arch),
      workload_(workload),
      planned_(arch.timing == TimingMode::native),
      graph_(planned_ && !arch.core.layer_barrier) {
  if (!planned_) {
    for (const Layer& layer : workload.layers) {
      if (layer.op == OpKind::attention)
        config::fail_at(layer.file, layer.pointer + "/op",
                        "the fused attention op runs on the native model; SCALE-Sim v2 timing (" + arch.file +
                            ": /timing) has no such kernel: use matmul, softmax, matmul");
      MappedLayer m;
      m.layer = &layer;
      if (is_matrix_op(layer.op)) m.effective = effective_gemm(arch, layer);
      layers_.push_back(std::move(m));
    }
  } else {
    const std::vector<size_t> host =
        graph_ ? fuse_epilogues(arch, workload) : std::vector<size_t>(workload.layers.size(), MappedLayer::kNotFused);
    const bool shared = arch.buffer_for(BufferRole::inputs) == arch.buffer_for(BufferRole::outputs);
    if (arch.activations_on_chip && shared) {
      layers_ = map_resident(arch, workload, host);
    } else {
      for (size_t i = 0; i < workload.layers.size(); ++i) {
        if (host[i] != MappedLayer::kNotFused) {
          MappedLayer m;
          m.layer = &workload.layers[i];
          layers_.push_back(std::move(m));
        } else {
          layers_.push_back(map_layer(arch, workload.layers[i]));
        }
      }
    }
    for (size_t i = 0; i < layers_.size(); ++i) {
      layers_[i].fused_into = host[i];
      if (host[i] != MappedLayer::kNotFused) layers_[host[i]].epilogues.push_back(i);
    }
  }
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i].op = static_cast<uint32_t>(i);
}

}  // namespace tpusim::mapper
