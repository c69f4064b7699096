#!/usr/bin/python3
"""Writes one transformer layer's training step (forward and backward) as a tpusim workload whose
ops carry partition hints (split, data_dim, gradient_bytes; sim/partition/README.md).

    scripts/gen_transformer_train.py --batch B [--seq S --hidden H --heads A --ffn F] -o FILE

Shapes per layer (GPT-style, pre-layernorm, bf16): forward ln1, qkv (column), scores and context
(attention heads), out_proj (row), residual, ln2, ffn1 (column), gelu, ffn2 (row), residual;
backward, in reverse, each linear's data gradient dX = dY W^T and weight gradient (written as
dW^T = dY^T X, so the tensor-parallel split is on n), attention's two matmuls each, one op per
vector op. Weight gradients carry gradient_bytes = weights x 2 B.
"""
import argparse
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, required=True, help="sequences in the global batch")
    ap.add_argument("--seq", type=int, default=2048)
    ap.add_argument("--hidden", type=int, default=4096)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--ffn", type=int, default=16384)
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    B, s, h, nh, f = a.batch, a.seq, a.hidden, a.heads, a.ffn
    d = h // nh
    L = []

    def op(name, kind, inputs=None, **kw):
        o = {"name": name, "op": kind}
        o.update(kw)
        if inputs:
            o["inputs"] = inputs
        L.append(o)

    lin = lambda name, i, o_, split, inputs=None: op(name, "linear", inputs, tokens=s, in_features=i, out_features=o_, split=split)
    # forward (batch B multiplies tokens and vector elements; attention counts B x heads)
    op("ln1", "layernorm", ["input"], rows=s, cols=h)
    lin("qkv", h, 3 * h, "column_parallel")
    op("scores", "matmul", ["qkv", "qkv"], m=s, n=s, k=d, count=B * nh, split="attention_heads")
    op("softmax", "softmax", None, rows=nh * s, cols=s, split="attention_heads")
    op("context", "matmul", ["softmax", "qkv"], m=s, n=d, k=s, count=B * nh, split="attention_heads")
    lin("out_proj", h, h, "row_parallel")
    op("res1", "add", ["out_proj", "input"], elements=s * h)
    op("ln2", "layernorm", None, rows=s, cols=h)
    lin("ffn1", h, f, "column_parallel")
    op("gelu", "gelu", None, elements=s * f, split="column_parallel")
    lin("ffn2", f, h, "row_parallel")
    op("res2", "add", ["ffn2", "res1"], elements=s * h)
    # backward
    T = B * s
    g = lambda name, m, n, k, split, inputs, **kw: op(name, "gemm", inputs, m=m, n=n, k=k, split=split, **kw)
    g("ffn2_dx", T, f, h, "column_parallel", ["res2"])
    g("ffn2_dw", h, f, T, "column_parallel", ["res2"], data_dim="k", gradient_bytes=2 * f * h)
    op("gelu_bwd", "gelu", ["ffn2_dx"], elements=s * f, split="column_parallel")
    g("ffn1_dx", T, h, f, "row_parallel", ["gelu_bwd"])
    g("ffn1_dw", h, f, T, "column_parallel", ["gelu_bwd"], data_dim="k", gradient_bytes=2 * h * f)
    op("ln2_bwd", "layernorm", ["ffn1_dx"], rows=s, cols=h)
    g("out_proj_dx", T, h, h, "column_parallel", ["ln2_bwd"])
    g("out_proj_dw", h, h, T, "column_parallel", ["ln2_bwd"], data_dim="k", gradient_bytes=2 * h * h)
    op("context_dp", "matmul", ["out_proj_dx", "qkv"], m=s, n=s, k=d, count=B * nh, split="attention_heads")
    op("context_dv", "matmul", ["softmax", "out_proj_dx"], m=s, n=d, k=s, count=B * nh, split="attention_heads")
    op("softmax_bwd", "softmax", ["context_dp"], rows=nh * s, cols=s, split="attention_heads")
    op("scores_dq", "matmul", ["softmax_bwd", "qkv"], m=s, n=d, k=s, count=B * nh, split="attention_heads")
    op("scores_dk", "matmul", ["softmax_bwd", "qkv"], m=s, n=d, k=s, count=B * nh, split="attention_heads")
    op("dqkv", "concat", ["scores_dq", "scores_dk", "context_dv"])
    g("qkv_dx", T, h, 3 * h, "row_parallel", ["dqkv"])
    g("qkv_dw", h, 3 * h, T, "column_parallel", ["dqkv"], data_dim="k", gradient_bytes=2 * 3 * h * h)
    op("ln1_bwd", "layernorm", ["qkv_dx"], rows=s, cols=h)
    doc = {"name": f"transformer_layer_train_b{B}_s{s}_h{h}",
           "source": "scripts/gen_transformer_train.py: one GPT-style layer (Radford et al. 2019 shapes, "
                     f"hidden {h}, {nh} heads, FFN {f}, sequence {s}), forward and backward, with partition hints",
           "batch": B, "layers": L}
    with open(a.out, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
