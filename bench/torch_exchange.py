#!/usr/bin/python3
"""Weights cross between xgrad and PyTorch through safetensors, with identical predictions.

For each tutorial model (default mlp256, mlp_sparse, cnn_small, cnn):
  xgrad -> PyTorch  `model_exchange export` writes a freshly initialized xgrad model and its
                    predictions on 64 test images; the file is read with json + numpy
                    (scripts/safetensors_roundtrip.py, no `safetensors` package) into the PyTorch
                    mirror of bench/torch_bench.py, whose softmax outputs must match to 1e-5.
  PyTorch -> xgrad  the mirror's own initial state_dict, renamed to xgrad's layer names, and its
                    predictions are written; `model_exchange import` loads them into xgrad and
                    compares its predictions to 1e-5.
Exits non-zero on the first mismatch.
Usage: /usr/bin/python3 bench/torch_exchange.py [--build build] [--models a,b]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import safetensors_roundtrip as st  # noqa: E402
import torch_bench  # noqa: E402

TOLERANCE = 1e-5


def weighted_modules(model):
    """The mirror's modules that hold weights, in forward order."""
    return [m for m in model if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))]


def probabilities(model, x):
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(torch.from_numpy(np.array(x))), dim=1).numpy()


def xgrad_to_torch(name, exe, work):
    subprocess.run([exe, "export", name, work], check=True, stdout=subprocess.DEVNULL)
    weights, metadata = st.read_file(os.path.join(work, "xgrad_model.safetensors"))
    io, _ = st.read_file(os.path.join(work, "xgrad_io.safetensors"))
    model = torch_bench.make_model(name)[0]
    layers = metadata["layers"].split(",")
    modules = weighted_modules(model)
    if len(layers) != len(modules):
        sys.exit(f"{name}: xgrad has {len(layers)} layers with weights, the mirror {len(modules)}")
    with torch.no_grad():
        for layer, module in zip(layers, modules):
            module.weight.copy_(torch.from_numpy(np.array(weights[f"{layer}.weight"])))
            module.bias.copy_(torch.from_numpy(np.array(weights[f"{layer}.bias"])))
    return float(np.max(np.abs(probabilities(model, io["input"]) - io["predictions"])))


def torch_to_xgrad(name, exe, work):
    # xgrad's layer names come from its own export (same architecture, so the same names).
    _, metadata = st.read_file(os.path.join(work, "xgrad_model.safetensors"))
    io, _ = st.read_file(os.path.join(work, "xgrad_io.safetensors"))
    torch.manual_seed(7)
    model = torch_bench.make_model(name)[0]
    tensors = {}
    for layer, module in zip(metadata["layers"].split(","), weighted_modules(model)):
        tensors[f"{layer}.weight"] = module.weight.detach().numpy()
        tensors[f"{layer}.bias"] = module.bias.detach().numpy()
    with open(os.path.join(work, "torch_model.safetensors"), "wb") as f:
        f.write(st.encode(tensors, {"format": "pt"}, order="reference"))
    x = np.array(io["input"])
    with open(os.path.join(work, "torch_io.safetensors"), "wb") as f:
        f.write(st.encode({"input": x, "predictions": probabilities(model, x)}, {}))
    result = subprocess.run([exe, "import", name, work], capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(f"{name}: model_exchange import failed: {result.stderr.strip()}")
    return float(result.stdout.split('"max_abs_diff":')[1].strip(" }\n"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--models", default="mlp256,mlp_sparse,cnn_small,cnn")
    args = parser.parse_args()
    exe = os.path.join(args.build, "bench", "model_exchange")
    failed = False
    for name in args.models.split(","):
        with tempfile.TemporaryDirectory() as work:
            to_torch = xgrad_to_torch(name, exe, work)
            to_xgrad = torch_to_xgrad(name, exe, work)
        ok = to_torch <= TOLERANCE and to_xgrad <= TOLERANCE
        failed |= not ok
        print(f"{name:12s} xgrad->torch max|diff| {to_torch:.2e}   torch->xgrad max|diff| {to_xgrad:.2e}   "
              f"{'ok' if ok else 'MISMATCH'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
