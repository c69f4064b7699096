#!/usr/bin/python3
"""Exports a PyTorch model to ONNX for tpusim (`tpusim run --workload MODEL.onnx`).

    /usr/bin/python3 scripts/export_torch.py resnet50 -o resnet50.onnx
    /usr/bin/python3 scripts/export_torch.py vit_b_16 -o vit.onnx --input-shape 1,3,224,224
    /usr/bin/python3 scripts/export_torch.py mypkg.models:TinyNet -o tiny.onnx --input-shape 1,3,32,32

MODEL is a torchvision model name (torchvision.models.resnet50, ...: built with weights=None,
so nothing is downloaded; the weights are random, which changes no cost) or MODULE:NAME, a
callable in an importable Python module (on PYTHONPATH, or a file path MODULE.py) that returns
an nn.Module (a class or a factory function). The model is put in eval mode, so batch norm is
exported in its inference form (torch folds it into the convolution) and dropout disappears; the
input shape is fixed (tpusim needs static shapes); the opset defaults to 17, the newest Debian's
ONNX 1.12 knows (LayerNormalization is a single node from opset 17; older opsets decompose it,
which tpusim recognises too).

Uses Debian's python3-torch and python3-torchvision (scripts/setup.sh installs them).
"""
import argparse
import importlib
import importlib.util
import os
import sys


def parse_shape(text):
    try:
        dims = tuple(int(x) for x in text.split(","))
    except ValueError:
        dims = ()
    if not dims or any(d < 1 for d in dims):
        raise argparse.ArgumentTypeError(f"--input-shape: expected positive integers separated by commas, got {text!r}")
    return dims


def build_model(spec):
    """The nn.Module that MODEL names."""
    import torchvision

    if ":" not in spec:
        factory = getattr(torchvision.models, spec, None)
        if factory is None or not callable(factory) or spec.startswith("_"):
            names = sorted(n for n in torchvision.models.list_models()) if hasattr(torchvision.models, "list_models") \
                else sorted(n for n in dir(torchvision.models) if n.islower() and not n.startswith("_"))
            raise SystemExit(f"export_torch.py: unknown torchvision model {spec!r}; e.g. {', '.join(names[:8])}, ...")
        return factory(weights=None)
    module_name, attr = spec.rsplit(":", 1)
    if module_name.endswith(".py") or os.path.sep in module_name:
        path = module_name if module_name.endswith(".py") else module_name + ".py"
        if not os.path.isfile(path):
            raise SystemExit(f"export_torch.py: {path}: no such file")
        loader_spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
        module = importlib.util.module_from_spec(loader_spec)
        loader_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(module_name)
        except ImportError as e:
            raise SystemExit(f"export_torch.py: cannot import {module_name!r}: {e}")
    factory = getattr(module, attr, None)
    if factory is None:
        raise SystemExit(f"export_torch.py: {module_name} has no {attr!r}")
    return factory()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="torchvision model name, or MODULE:NAME of a callable returning an nn.Module")
    ap.add_argument("-o", "--output", required=True, help="the .onnx file to write")
    ap.add_argument("--input-shape", type=parse_shape, default=(1, 3, 224, 224),
                    help="the input's shape, comma-separated (default 1,3,224,224)")
    ap.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    args = ap.parse_args(argv)
    import torch

    model = build_model(args.model)
    if not isinstance(model, torch.nn.Module):
        raise SystemExit(f"export_torch.py: {args.model} did not give an nn.Module, got {type(model).__name__}")
    model.eval()
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    example = torch.zeros(*args.input_shape)
    # Not under torch.no_grad(): there nn.MultiheadAttention takes its fused fast path
    # (aten::_native_multi_head_attention), which torch 1.13 cannot export.
    torch.onnx.export(model, example, args.output, opset_version=args.opset, input_names=["input"],
                      output_names=["output"], do_constant_folding=True)
    print(f"wrote {args.output} ({os.path.getsize(args.output)} bytes): {args.model}, input "
          f"{'x'.join(map(str, args.input_shape))}, opset {args.opset}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
