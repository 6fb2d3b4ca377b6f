#!/usr/bin/python3
# torch_bench.py — the PyTorch half of bench/run. It mirrors build/bench/xgrad_bench (the xgrad
# half) command for command and prints the same single JSON object on stdout:
#
#   torch_bench.py [--threads N] [--data DIR] train MODEL [--epochs 1] [--limit N]
#       {"model", "seconds" (fit time per epoch, data already in memory), "test_acc", "rss_mib", "threads"}
#   torch_bench.py [--threads N] predict MODEL [--repeats 1000]   {"model", "predict_us"} (median, one image)
#   torch_bench.py [--threads N] eval MODEL [--batch 1000]        {"model", "images_per_s"} (10,000 test images)
#   torch_bench.py [--threads N] gemm [--size 2048]               {"size", "gflops"} (torch.mm, float32)
#
# The six models copy bench/tutorial_models.cpp layer for layer, with Keras' initializers and
# optimizer constants. Each model ends in a Linear that produces logits; training uses
# nn.CrossEntropyLoss on them (the same loss as Keras' softmax + categorical cross-entropy), and
# predict/eval apply the softmax so both frameworks return the same probabilities.
import argparse
import gzip
import json
import os
import resource
import statistics
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

MODEL_NAMES = ["mlp256", "mlp_dropout", "mlp512", "mlp_sparse", "cnn_small", "cnn"]
IDX_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


# ---------------------------------------------------------------------------------------- data


def mnist_search_dirs(data_dir):
    """The folders xgrad's datasets::mnist searches, in the same order."""
    if data_dir:
        return [data_dir]
    dirs = []
    root = os.environ.get("XGRAD_DATA", "")
    if root:
        dirs += [root, os.path.join(root, "mnist")]
    cache = os.environ.get("XDG_CACHE_HOME", "") or (os.path.join(os.environ["HOME"], ".cache") if os.environ.get("HOME") else "")
    if cache:
        dirs.append(os.path.join(cache, "xgrad", "mnist"))
    return dirs


def find_mnist(data_dir):
    """The four IDX paths (raw preferred, else .gz) from the first folder that holds all of them."""
    for folder in mnist_search_dirs(data_dir):
        paths = []
        for name in IDX_FILES:
            path = next((p for p in (os.path.join(folder, name), os.path.join(folder, name + ".gz")) if os.path.isfile(p)), None)
            if path is None:
                break
            paths.append(path)
        if len(paths) == 4:
            return paths
    sys.exit(f"torch_bench: MNIST not found in {mnist_search_dirs(data_dir)}; run bash scripts/fetch-mnist.sh")


def read_idx(path):
    """An IDX file of unsigned bytes as a numpy array of its declared shape."""
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        sys.exit(f"torch_bench: {path}: not a uint8 IDX file")
    shape = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(data_dir, limit=-1):
    """(train_x, train_y, test_x, test_y): float32 pixel/255 images [N, 28, 28], int64 labels [N]."""
    paths = find_mnist(data_dir)
    arrays = [read_idx(p) for p in paths]
    if limit > 0:
        arrays[0], arrays[1] = arrays[0][:limit], arrays[1][:limit]
    images = []
    for a in (arrays[0], arrays[2]):
        pixels = a.astype(np.float32)
        pixels /= np.float32(255.0)  # in place: no second copy of the training set
        images.append(torch.from_numpy(pixels))
    labels = [torch.from_numpy(a.astype(np.int64)) for a in (arrays[1], arrays[3])]
    return images[0], labels[0], images[1], labels[1]


# -------------------------------------------------------------------------------------- models


def dense(n_in, n_out, kernel="glorot_uniform", bias=0.0):
    """nn.Linear initialized like a Keras Dense layer."""
    layer = nn.Linear(n_in, n_out)
    if kernel == "normal":  # Keras 'normal' = RandomNormal(mean 0, stddev 0.05)
        nn.init.normal_(layer.weight, 0.0, 0.05)
    else:
        nn.init.xavier_uniform_(layer.weight)
    nn.init.constant_(layer.bias, bias)
    return layer


def conv(c_in, c_out, k, padding):
    """nn.Conv2d initialized like a Keras Conv2D (glorot uniform over Cin*k*k / Cout*k*k, zero bias)."""
    layer = nn.Conv2d(c_in, c_out, k, padding=padding)
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def make_model(name):
    """(model, optimizer, batch size, input layout) — the mirror of bench::make_tutorial_model."""
    if name == "mlp256":
        model = nn.Sequential(dense(784, 256, "normal"), nn.ReLU(), dense(256, 10, "normal"))
        return model, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7), 800, "flat"
    if name == "mlp_dropout":
        model = nn.Sequential(dense(784, 200, bias=1.0), nn.Tanh(), nn.Dropout(0.4),
                              dense(200, 100, bias=1.0), nn.Tanh(), nn.Dropout(0.4),
                              dense(100, 10, bias=1.0))
        return model, torch.optim.SGD(model.parameters(), lr=0.2), 32, "flat"
    if name == "mlp512":
        model = nn.Sequential(dense(784, 512), nn.ReLU(), dense(512, 10))
        return model, torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7), 128, "flat"
    if name == "mlp_sparse":
        model = nn.Sequential(nn.Flatten(), dense(784, 128), nn.ReLU(), dense(128, 128), nn.ReLU(), dense(128, 10))
        return model, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7), 32, "image2d"
    if name == "cnn_small":  # 28x28 -conv 5x5 valid-> 24x24 -pool-> 12x12; 32*12*12 = 4608
        model = nn.Sequential(conv(1, 32, 5, 0), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.3), nn.Flatten(),
                              dense(4608, 128), nn.ReLU(), dense(128, 10))
        return model, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7), 200, "nchw"
    if name == "cnn":  # 'same' 5x5 = padding 2; 28 -pool-> 14 -pool-> 7 (Keras 'same' pool on 14 needs no pad)
        model = nn.Sequential(conv(1, 32, 5, 2), nn.ReLU(), nn.MaxPool2d(2),
                              conv(32, 64, 5, 2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              dense(64 * 7 * 7, 1024), nn.ReLU(), nn.Dropout(0.3), dense(1024, 10))
        return model, torch.optim.Adam(model.parameters(), lr=1e-4, eps=1e-7), 64, "nchw"
    sys.exit(f"torch_bench: unknown model '{name}' (known: {', '.join(MODEL_NAMES)})")


def to_model_input(images, layout):
    """images [N, 28, 28] in the layout the model takes."""
    if layout == "flat":
        return images.reshape(images.shape[0], -1).contiguous()
    if layout == "nchw":
        return images.unsqueeze(1).contiguous()
    return images


# ------------------------------------------------------------------------------------ commands


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def predict(model, x, batch):
    """Keras-style predict: softmax probabilities for x, batch by batch, concatenated."""
    with torch.no_grad():
        return torch.cat([torch.softmax(model(x[i : i + batch]), dim=1) for i in range(0, x.shape[0], batch)])


def train(args):
    train_x, train_y, test_x, test_y = load_mnist(args.data, args.limit)
    model, optimizer, batch, layout = make_model(args.model)
    x, y = to_model_input(train_x, layout), train_y
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[0]
    start = time.perf_counter()
    model.train()
    for _ in range(args.epochs):
        perm = torch.randperm(n)  # a fresh shuffle each epoch, as Keras' fit(shuffle=True)
        for i in range(0, n, batch):  # the last partial batch is kept, as in Keras
            index = perm[i : i + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
    fit_s = time.perf_counter() - start
    model.eval()
    probs = predict(model, to_model_input(test_x, layout), 1000)
    accuracy = (probs.argmax(dim=1) == test_y).double().mean().item()
    return {"model": args.model, "seconds": fit_s / args.epochs, "test_acc": accuracy, "rss_mib": peak_rss_mib()}


def predict_latency(args):
    model, _, _, layout = make_model(args.model)
    model.eval()
    image = to_model_input(torch.rand(1, 28, 28), layout)
    with torch.no_grad():
        for _ in range(100):  # warm the caches and the allocator
            torch.softmax(model(image), dim=1)
        us = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            torch.softmax(model(image), dim=1)
            us.append((time.perf_counter() - start) * 1e6)
    return {"model": args.model, "predict_us": statistics.median(us)}


def eval_throughput(args):
    _, _, test_x, _ = load_mnist(args.data, 1)
    model, _, _, layout = make_model(args.model)
    model.eval()
    x = to_model_input(test_x, layout)
    predict(model, x, args.batch)  # warm-up pass
    rates = []
    for _ in range(5):
        start = time.perf_counter()
        predict(model, x, args.batch)
        rates.append(x.shape[0] / (time.perf_counter() - start))
    return {"model": args.model, "images_per_s": statistics.median(rates)}


def gemm(args):
    n = args.size
    a, b = torch.rand(n, n), torch.rand(n, n)
    # Warm up for a second: the first ~0.5 s of sgemm calls in a fresh process run at about half
    # the steady speed on the bench machine (2-core VM), whatever the environment.
    start = time.perf_counter()
    while time.perf_counter() - start < 1.0:
        torch.mm(a, b)
    gflops = []
    for _ in range(5):
        start = time.perf_counter()
        torch.mm(a, b)
        gflops.append(2.0 * n * n * n / (time.perf_counter() - start) / 1e9)
    return {"size": n, "gflops": statistics.median(gflops)}


def main():
    parser = argparse.ArgumentParser(description="PyTorch side of bench/run: prints one JSON object")
    parser.add_argument("--threads", type=int, default=0, help="threads (0 = all cores)")
    parser.add_argument("--data", default="", help="MNIST folder (default: the standard search)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="fit one model, report seconds per epoch, accuracy, peak RSS")
    p.add_argument("model")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--limit", type=int, default=-1, help="train on the first N images")
    p.add_argument("--seed", type=int, default=42, help="seed of the initial weights, shuffling and dropout")
    p = sub.add_parser("predict", help="single-image predict latency")
    p.add_argument("model")
    p.add_argument("--repeats", type=int, default=1000)
    p = sub.add_parser("eval", help="test-set predict throughput")
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=1000)
    p = sub.add_parser("gemm", help="sgemm GFLOP/s")
    p.add_argument("--size", type=int, default=2048)
    args = parser.parse_args()
    if getattr(args, "model", None) not in (None, *MODEL_NAMES):
        sys.exit(f"torch_bench: unknown model '{args.model}' (known: {', '.join(MODEL_NAMES)})")
    threads = args.threads if args.threads > 0 else os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(getattr(args, "seed", 42))
    command = {"train": train, "predict": predict_latency, "eval": eval_throughput, "gemm": gemm}[args.command]
    result = command(args)
    result["threads"] = torch.get_num_threads()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
