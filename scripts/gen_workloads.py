#!/usr/bin/python3
"""Writes the network workloads in workloads/ from their published architectures.

Shapes come from the papers / reference implementations named in each file's "source".
Run from the repository root: /usr/bin/python3 scripts/gen_workloads.py
"""
import json
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workloads")


def conv(name, hw, cin, cout, k, s=1, p=None, groups=1):
    h, w = hw
    return {"name": name, "op": "conv2d", "in_h": h, "in_w": w, "in_c": cin, "out_c": cout,
            "kernel_h": k, "kernel_w": k, "stride": s, "padding": k // 2 if p is None else p, "groups": groups}


def out_hw(hw, k, s, p):
    return tuple((x + 2 * p - k) // s + 1 for x in hw)


def relu(name, elems):
    return {"name": name, "op": "relu", "elements": elems}


def write(fname, doc):
    with open(os.path.join(OUT, fname), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def resnet50():
    L = []
    hw = (224, 224)
    L.append(conv("conv1", hw, 3, 64, 7, 2, 3))
    hw = out_hw(hw, 7, 2, 3)
    L.append(relu("conv1_relu", hw[0] * hw[1] * 64))
    L.append({"name": "maxpool", "op": "maxpool", "in_h": hw[0], "in_w": hw[1], "channels": 64,
              "kernel": 3, "stride": 2, "padding": 1})
    hw = out_hw(hw, 3, 2, 1)
    cin = 64
    block_in = "maxpool"  # the tensor each bottleneck reads, and its shortcut adds back
    for stage, (width, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=1):
        for b in range(blocks):
            s = stride if b == 0 else 1
            n = f"layer{stage}.{b}"
            L.append(conv(f"{n}.conv1", hw, cin, width, 1, 1, 0))
            L.append(relu(f"{n}.relu1", hw[0] * hw[1] * width))
            # torchvision v1.5: the stride sits on the 3x3 conv.
            L.append(conv(f"{n}.conv2", hw, width, width, 3, s, 1))
            ohw = out_hw(hw, 3, s, 1)
            L.append(relu(f"{n}.relu2", ohw[0] * ohw[1] * width))
            L.append(conv(f"{n}.conv3", ohw, width, width * 4, 1, 1, 0))
            shortcut = block_in
            if b == 0:
                L.append(dict(conv(f"{n}.downsample", hw, cin, width * 4, 1, s, 0), inputs=[block_in]))
                shortcut = f"{n}.downsample"
            L.append({"name": f"{n}.add", "op": "add", "elements": ohw[0] * ohw[1] * width * 4,
                      "inputs": [f"{n}.conv3", shortcut]})
            L.append(relu(f"{n}.relu3", ohw[0] * ohw[1] * width * 4))
            hw, cin, block_in = ohw, width * 4, f"{n}.relu3"
    L.append({"name": "avgpool", "op": "global_avgpool", "in_h": hw[0], "in_w": hw[1], "channels": cin})
    L.append({"name": "fc", "op": "linear", "in_features": 2048, "out_features": 1000})
    write("resnet50.json", {
        "name": "resnet50", "batch": 1,
        "source": "ResNet-50 v1.5 as in torchvision.models.resnet50 (He et al., CVPR 2016; stride on the 3x3 conv "
                  "of each downsampling bottleneck): 224x224x3 input, 53 convs + FC, 4.09 GMACs. Batch norm is "
                  "folded into the convs; ReLU, residual adds and pooling run on the vector unit. Each residual add "
                  "reads its block's last conv and the shortcut (the block input, or the downsampling conv).",
        "layers": L})


def mobilenet_v2():
    L = []
    hw = (224, 224)
    L.append(conv("conv_stem", hw, 3, 32, 3, 2, 1))
    hw = out_hw(hw, 3, 2, 1)
    L.append({"name": "conv_stem_relu6", "op": "relu", "elements": hw[0] * hw[1] * 32})
    cin = 32
    idx = 0
    block_in = "conv_stem_relu6"
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            name = f"block{idx}"
            hidden = cin * t
            if t != 1:
                L.append(conv(f"{name}.expand", hw, cin, hidden, 1, 1, 0))
                L.append({"name": f"{name}.expand_relu6", "op": "relu", "elements": hw[0] * hw[1] * hidden})
            L.append(conv(f"{name}.depthwise", hw, hidden, hidden, 3, stride, 1, groups=hidden))
            ohw = out_hw(hw, 3, stride, 1)
            L.append({"name": f"{name}.depthwise_relu6", "op": "relu", "elements": ohw[0] * ohw[1] * hidden})
            L.append(conv(f"{name}.project", ohw, hidden, c, 1, 1, 0))
            block_out = f"{name}.project"
            if stride == 1 and cin == c:
                L.append({"name": f"{name}.add", "op": "add", "elements": ohw[0] * ohw[1] * c,
                          "inputs": [f"{name}.project", block_in]})
                block_out = f"{name}.add"
            hw, cin, block_in = ohw, c, block_out
            idx += 1
    L.append(conv("conv_head", hw, cin, 1280, 1, 1, 0))
    L.append({"name": "conv_head_relu6", "op": "relu", "elements": hw[0] * hw[1] * 1280})
    L.append({"name": "avgpool", "op": "global_avgpool", "in_h": hw[0], "in_w": hw[1], "channels": 1280})
    L.append({"name": "classifier", "op": "linear", "in_features": 1280, "out_features": 1000})
    write("mobilenet_v2.json", {
        "name": "mobilenet_v2", "batch": 1,
        "source": "MobileNetV2 1.0/224 (Sandler et al., CVPR 2018, Table 2; torchvision.models.mobilenet_v2): "
                  "inverted residual blocks (t, c, n, s), depthwise 3x3 convs as groups == channels, ~300 MMACs. "
                  "Residual adds read the projection and the block input.",
        "layers": L})


def alexnet():
    L = []
    L.append(conv("conv1", (227, 227), 3, 96, 11, 4, 0))
    L.append(relu("relu1", 55 * 55 * 96))
    L.append({"name": "pool1", "op": "maxpool", "in_h": 55, "in_w": 55, "channels": 96, "kernel": 3, "stride": 2})
    L.append(conv("conv2", (27, 27), 96, 256, 5, 1, 2, groups=2))
    L.append(relu("relu2", 27 * 27 * 256))
    L.append({"name": "pool2", "op": "maxpool", "in_h": 27, "in_w": 27, "channels": 256, "kernel": 3, "stride": 2})
    L.append(conv("conv3", (13, 13), 256, 384, 3, 1, 1))
    L.append(relu("relu3", 13 * 13 * 384))
    L.append(conv("conv4", (13, 13), 384, 384, 3, 1, 1, groups=2))
    L.append(relu("relu4", 13 * 13 * 384))
    L.append(conv("conv5", (13, 13), 384, 256, 3, 1, 1, groups=2))
    L.append(relu("relu5", 13 * 13 * 256))
    L.append({"name": "pool5", "op": "maxpool", "in_h": 13, "in_w": 13, "channels": 256, "kernel": 3, "stride": 2})
    L.append({"name": "fc6", "op": "linear", "in_features": 9216, "out_features": 4096})
    L.append(relu("relu6", 4096))
    L.append({"name": "fc7", "op": "linear", "in_features": 4096, "out_features": 4096})
    L.append(relu("relu7", 4096))
    L.append({"name": "fc8", "op": "linear", "in_features": 4096, "out_features": 1000})
    write("alexnet.json", {
        "name": "alexnet", "batch": 1,
        "source": "AlexNet as in Krizhevsky et al., NIPS 2012 (Fig. 2): 227x227x3 input (the paper's 224 plus the "
                  "usual correction), conv2/4/5 split over two GPUs as groups = 2, ~724 MMACs.",
        "layers": L})


def transformer_block(prefix, seq, d, heads, ffn, qkv_fused):
    """One block with its real edges: Q, K and V projections of the block input, the attention
    matmuls of activations (scores = Q K^T, context = P V), residual adds of the block input
    (pre-layernorm, GPT-2) or of the sublayer input (post-layernorm, BERT)."""
    dh = d // heads
    L = []
    x = "input"
    if qkv_fused:
        L.append({"name": f"{prefix}ln1", "op": "layernorm", "rows": seq, "cols": d, "inputs": [x]})
        L.append({"name": f"{prefix}qkv", "op": "linear", "tokens": seq, "in_features": d, "out_features": 3 * d})
        q = k = v = f"{prefix}qkv"
    else:
        for p in "qkv":
            L.append({"name": f"{prefix}{p}_proj", "op": "linear", "tokens": seq, "in_features": d, "out_features": d,
                      "inputs": [x]})
        q, k, v = (f"{prefix}{p}_proj" for p in "qkv")
    L.append({"name": f"{prefix}scores", "op": "matmul", "m": seq, "n": seq, "k": dh, "count": heads,
              "inputs": [q, k]})
    L.append({"name": f"{prefix}softmax", "op": "softmax", "rows": heads * seq, "cols": seq})
    L.append({"name": f"{prefix}context", "op": "matmul", "m": seq, "n": dh, "k": seq, "count": heads,
              "inputs": [f"{prefix}softmax", v]})
    L.append({"name": f"{prefix}out_proj", "op": "linear", "tokens": seq, "in_features": d, "out_features": d})
    L.append({"name": f"{prefix}residual1", "op": "add", "elements": seq * d, "inputs": [f"{prefix}out_proj", x]})
    if not qkv_fused:
        L.append({"name": f"{prefix}ln1", "op": "layernorm", "rows": seq, "cols": d})
        sub = f"{prefix}ln1"  # post-layernorm: the FFN's residual adds its (normalized) input
    else:
        L.append({"name": f"{prefix}ln2", "op": "layernorm", "rows": seq, "cols": d})
        sub = f"{prefix}residual1"  # pre-layernorm: the residual stream
    L.append({"name": f"{prefix}ffn1", "op": "linear", "tokens": seq, "in_features": d, "out_features": ffn})
    L.append({"name": f"{prefix}gelu", "op": "gelu", "elements": seq * ffn})
    L.append({"name": f"{prefix}ffn2", "op": "linear", "tokens": seq, "in_features": ffn, "out_features": d})
    L.append({"name": f"{prefix}residual2", "op": "add", "elements": seq * d, "inputs": [f"{prefix}ffn2", sub]})
    if not qkv_fused:
        L.append({"name": f"{prefix}ln2", "op": "layernorm", "rows": seq, "cols": d})
    return L


def bert_and_gpt2():
    write("bert_base_layer.json", {
        "name": "bert_base_encoder_layer_seq128", "batch": 1,
        "source": "One BERT-base encoder layer (Devlin et al., NAACL 2019): hidden 768, 12 heads of 64, FFN 3072, "
                  "sequence 128, post-layernorm. Attention scores and context are per-head batched matmuls of two "
                  "activations (count = heads).",
        "layers": transformer_block("", 128, 768, 12, 3072, qkv_fused=False)})
    write("gpt2_small_block.json", {
        "name": "gpt2_small_decoder_block_seq1024", "batch": 1,
        "source": "One GPT-2 small decoder block (Radford et al., 2019; 124M model): hidden 768, 12 heads, MLP "
                  "3072, pre-layernorm, fused QKV projection, prefill of a 1024-token context. Causal masking "
                  "is not exploited: the full 1024x1024 score matrix is computed, as dense kernels do.",
        "layers": transformer_block("", 1024, 768, 12, 3072, qkv_fused=True)})


def gemms():
    write("gemm_128x64x256.json", {
        "name": "gemm_128x64x256", "batch": 1,
        "source": "SCALE-Sim v2's topologies/GEMM_mnk/test_mnk_input.csv (M=128, N=64, K=256)",
        "layers": [{"name": "gemm", "op": "gemm", "m": 128, "n": 64, "k": 256}]})
    write("gemm_1024.json", {
        "name": "gemm_1024", "batch": 1, "source": "square 1024^3 GEMM, a common microbenchmark",
        "layers": [{"name": "gemm", "op": "gemm", "m": 1024, "n": 1024, "k": 1024}]})
    write("gemm_suite.json", {
        "name": "gemm_suite", "batch": 1,
        "source": "shapes chosen to exercise edge cases: tiny, skinny (matrix-vector), K smaller than arrays, "
                  "non-multiples of common array sizes, and a GPT-3 FFN slice (d_model 12288, 2048 tokens)",
        "layers": [
            {"name": "tiny", "op": "gemm", "m": 4, "n": 4, "k": 4},
            {"name": "matvec", "op": "gemm", "m": 1, "n": 4096, "k": 4096},
            {"name": "short_k", "op": "gemm", "m": 512, "n": 512, "k": 8},
            {"name": "odd", "op": "gemm", "m": 1000, "n": 333, "k": 777},
            {"name": "gpt3_ffn_slice", "op": "gemm", "m": 2048, "n": 1536, "k": 12288}]})
    write("gpt3_ffn1.json", {
        "name": "gpt3_ffn1", "batch": 1,
        "source": "GPT-3 175B first FFN layer (Brown et al., 2020): d_model 12288 -> 49152, 2048 tokens; "
                  "1.24e12 MACs. A stress test for 64-bit counters and streamed programs.",
        "layers": [{"name": "ffn1", "op": "linear", "tokens": 2048, "in_features": 12288, "out_features": 49152}]})


# MLPerf Training's DLRM on Criteo Terabyte: table sizes as its reference runs them
# (facebookresearch/dlrm dlrm_s_pytorch.py, --max-ind-range=40000000).
CRITEO_TB_ROWS = [39884406, 39043, 17289, 7420, 20263, 3, 7120, 1543, 63, 38532951, 2953546, 403346, 10, 2208, 11938,
                  155, 4, 976, 14, 39979771, 25641295, 39664984, 585935, 12972, 108, 36]


def dlrm():
    b = 2048
    layers = []

    def mlp(prefix, dims, first_input):
        for i in range(len(dims) - 1):
            fc = {"name": f"{prefix}_fc{i + 1}", "op": "linear", "in_features": dims[i], "out_features": dims[i + 1]}
            if i == 0:
                fc["inputs"] = [first_input]
            layers.append(fc)
            if prefix == "bot" or i < len(dims) - 2:  # the top MLP's last layer feeds the sigmoid
                layers.append({"name": f"{prefix}_relu{i + 1}", "op": "relu", "elements": dims[i + 1],
                               "inputs": [fc["name"]], "fuse": True})

    mlp("bot", [13, 512, 256, 128], "input")
    layers.append({"name": "embeddings", "op": "embedding_bag", "inputs": ["input"], "tables": 26,
                   "rows": CRITEO_TB_ROWS, "dim": 128, "lookups": 1, "pooling": "sum"})
    layers.append({"name": "features", "op": "concat", "inputs": ["bot_relu3", "embeddings"]})
    layers.append({"name": "interact", "op": "matmul", "inputs": ["features", "features"], "m": 27, "n": 27, "k": 128,
                   "count": b})
    layers.append({"name": "triu", "op": "vector", "inputs": ["interact"], "elements_in": 729 * b,
                   "elements_out": 351 * b, "lane_ops": 351 * b})
    layers.append({"name": "top_in", "op": "concat", "inputs": ["triu", "bot_relu3"]})
    mlp("top", [479, 1024, 1024, 512, 256, 1], "top_in")
    layers.append({"name": "sigmoid", "op": "vector", "inputs": ["top_fc5"], "elements_in": b, "elements_out": b,
                   "lane_ops": 4 * b})
    write("dlrm_criteo.json", {
        "name": "dlrm_criteo_terabyte", "batch": b,
        "source": "DLRM (Naumov et al., arXiv:1906.00091) as MLPerf Training's Criteo Terabyte reference runs it "
                  "(facebookresearch/dlrm dlrm_s_pytorch.py with --max-ind-range=40000000): 13 dense features through "
                  "the bottom MLP 13-512-256-128; 26 sparse features, one lookup each (one-hot), in tables of the "
                  "listed rows (capped at 40M) with 128-element rows; dot interaction of the 27 vectors (27 x 27 per "
                  "sample, its 351 strictly-upper pairs kept) concatenated with the bottom MLP's output (479); top MLP "
                  "479-1024-1024-512-256-1 and a sigmoid (4 lane-ops per element, an estimate). Batch 2048 (an "
                  "inference batch; MLPerf training uses 55296 across chips).",
        "layers": layers})


if __name__ == "__main__":
    resnet50()
    mobilenet_v2()
    alexnet()
    bert_and_gpt2()
    gemms()
    dlrm()
