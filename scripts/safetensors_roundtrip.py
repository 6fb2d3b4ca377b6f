#!/usr/bin/python3
"""Interoperability checks between xgrad's safetensors files and PyTorch, without the
`safetensors` package: the format is read with json + numpy.frombuffer and written with json +
raw bytes, following the spec (8-byte little-endian header length, JSON header padded with spaces
to a multiple of 8, contiguous little-endian data).

  read FILE [--check-layout]   validate and print a file (e.g. one written by xgrad::io::save);
                               --check-layout re-encodes it in xgrad's layout (sorted names,
                               "__metadata__" first, compact JSON) and requires identical bytes
  write-torch FILE             write a deterministic torch state_dict (F32, F64, I64, I32, U8,
                               0-d and empty tensors) in the reference writer's tensor order
                               (dtype alignment, then name); tests/io/data holds its output
  roundtrip SRC DST            read SRC with numpy, turn it into torch tensors, write DST

Run with the system interpreter: /usr/bin/python3 scripts/safetensors_roundtrip.py ...
"""
import argparse
import json
import struct
import sys

import numpy as np

MAX_HEADER = 100_000_000
NUMPY_DTYPES = {
    "BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "I16": np.int16, "U16": np.uint16,
    "F16": np.float16, "I32": np.int32, "U32": np.uint32, "F32": np.float32, "F64": np.float64,
    "I64": np.int64, "U64": np.uint64,
}
# The reference writer orders tensors by this enum position, largest first, then by name.
REFERENCE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32",
                   "U32", "F32", "F64", "I64", "U64"]


class FormatError(Exception):
    pass


def reject_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise FormatError(f"duplicate keys in a JSON object: {sorted(keys)}")
    return dict(pairs)


def read_file(path):
    """Returns (tensors: dict name -> numpy array, metadata: dict) after validating the layout."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise FormatError(f"{path}: {len(raw)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER or 8 + n > len(raw):
        raise FormatError(f"{path}: header length {n} does not fit the file of {len(raw)} bytes")
    text = raw[8:8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise FormatError(f"{path}: the header does not start with '{{'")
    header = json.loads(text, object_pairs_hook=reject_duplicates)
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n:]
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    cursor, tensors = 0, {}
    for name, info in entries:
        begin, end = info["data_offsets"]
        if info["dtype"] not in NUMPY_DTYPES:
            raise FormatError(f"{path}: tensor {name!r} has dtype {info['dtype']!r}, which numpy cannot hold")
        dtype = np.dtype(NUMPY_DTYPES[info["dtype"]]).newbyteorder("<")
        count = int(np.prod(info["shape"], dtype=np.int64))
        if begin != cursor or end - begin != count * dtype.itemsize:
            raise FormatError(f"{path}: tensor {name!r} has data_offsets {info['data_offsets']}, "
                              f"expected [{cursor}, {cursor + count * dtype.itemsize}]")
        tensors[name] = np.frombuffer(data, dtype=dtype, count=count, offset=begin).reshape(info["shape"])
        cursor = end
    if cursor != len(data):
        raise FormatError(f"{path}: {len(data) - cursor} unused trailing bytes")
    return tensors, metadata


def encode(tensors, metadata, order="name"):
    """The file bytes for numpy arrays `tensors`; order "name" is xgrad's, "reference" the HF writer's."""
    names = sorted(tensors)
    if order == "reference":
        code = {name: dtype_code(tensors[name]) for name in names}
        names.sort(key=lambda name: (-REFERENCE_ORDER.index(code[name]), name))
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name in names:
        array = np.asarray(tensors[name])  # (ascontiguousarray would turn 0-d into 1-d)
        blob = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes(order="C")
        header[name] = {"dtype": dtype_code(array), "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def dtype_code(array):
    for code, dtype in NUMPY_DTYPES.items():
        if array.dtype == np.dtype(dtype):
            return code
    raise ValueError(f"no safetensors dtype for {array.dtype}")


def torch_state_dict():
    import torch  # imported here so `read` works without torch
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    with torch.no_grad():
        model[0].weight.copy_(torch.arange(6, dtype=torch.float32).reshape(2, 3) / 8 - 0.25)
        model[0].bias.copy_(torch.tensor([0.5, -1.5]))
        model[1].weight.copy_(torch.tensor([2.0, 3.0]))
        model[1].bias.copy_(torch.tensor([-0.125, 0.25]))
        model[1].running_mean.copy_(torch.tensor([0.75, -0.5]))
        model[1].running_var.copy_(torch.tensor([1.5, 2.5]))
        model[1].num_batches_tracked.fill_(7)
    model.register_buffer("scale", torch.tensor(0.1, dtype=torch.float64))
    model.register_buffer("counts", torch.tensor([1, -2, 3], dtype=torch.int32))
    model.register_buffer("mask", torch.tensor([1, 0, 255], dtype=torch.uint8))
    model.register_buffer("empty", torch.zeros(0, 4))
    return model.state_dict()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    read = sub.add_parser("read")
    read.add_argument("file")
    read.add_argument("--check-layout", action="store_true")
    write = sub.add_parser("write-torch")
    write.add_argument("file")
    roundtrip = sub.add_parser("roundtrip")
    roundtrip.add_argument("src")
    roundtrip.add_argument("dst")
    args = parser.parse_args()

    if args.command == "read":
        tensors, metadata = read_file(args.file)
        print(f"metadata: {metadata}")
        for name in sorted(tensors):
            t = tensors[name]
            print(f"{name}: {dtype_code(t)} {list(t.shape)} {np.array2string(t.ravel()[:8], precision=6)}")
        if args.check_layout:
            with open(args.file, "rb") as f:
                if f.read() != encode(tensors, metadata):
                    raise FormatError(f"{args.file}: bytes differ from the sorted-name layout")
            print("layout: identical to the independent encoder")
    elif args.command == "write-torch":
        state = {name: t.numpy() for name, t in torch_state_dict().items()}
        with open(args.file, "wb") as f:
            f.write(encode(state, {"framework": "pt"}, order="reference"))
        print(f"wrote {len(state)} tensors to {args.file}")
    else:
        import torch
        tensors, metadata = read_file(args.src)
        state = {name: torch.from_numpy(np.array(t)) for name, t in tensors.items()}
        with open(args.dst, "wb") as f:
            f.write(encode({name: t.numpy() for name, t in state.items()}, metadata))
        print(f"copied {len(state)} tensors through torch to {args.dst}")


if __name__ == "__main__":
    try:
        main()
    except FormatError as e:
        sys.exit(f"invalid safetensors file: {e}")
