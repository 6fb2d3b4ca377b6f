#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/{ok,bad}-<case>.

Each seed is a small file built from the format's specification, independently of the C++ code:
"ok-" seeds are valid and must load, "bad-" seeds are malformed and must be rejected with the
parser's documented exception (test_fuzz checks both). The fuzzers start from these and mutate
them. Deterministic: gzip timestamps are 0, so rerunning rewrites identical bytes.

Usage: /usr/bin/python3 tests/fuzz/make_corpus.py   (stdlib only)
"""
import gzip
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def gz(data, level=9):
    return gzip.compress(data, compresslevel=level, mtime=0)


# ---- IDX ---------------------------------------------------------------------------------------

IDX_FORMATS = {0x08: ">B", 0x09: ">b", 0x0B: ">h", 0x0C: ">i", 0x0D: ">f", 0x0E: ">d"}


def idx(type_byte, dims, values=None):
    head = bytes([0, 0, type_byte, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    count = 1
    for d in dims:
        count *= d
    if values is None:
        values = [(i * 37) % 251 - (100 if type_byte in (0x09, 0x0B, 0x0C) else 0) for i in range(count)]
    fmt = IDX_FORMATS[type_byte]
    return head + b"".join(struct.pack(fmt, v) for v in values)


def idx_corpus():
    images = idx(0x08, [2, 28, 28])  # two MNIST-sized images
    labels = idx(0x08, [10], list(range(10)))
    ok = {
        "images-idx3-ubyte": images,
        "labels-idx1-ubyte": labels,
        "images-idx3-ubyte.gz": gz(images),
        "labels-idx1-ubyte.gz": gz(labels, 1),
        "int8": idx(0x09, [5]),
        "int16-2d": idx(0x0B, [3, 2]),
        "int32-4d": idx(0x0C, [2, 1, 2, 2]),
        "float32": idx(0x0D, [4], [0.0, -1.5, 3.25, 1e30]),
        "float64.gz": gz(idx(0x0E, [3], [3.141592653589793, -0.0, 1e-300])),
        "two-members.gz": gz(labels[:9]) + gz(labels[9:]),
        "stored-block.gz": gz(labels, 0),
    }
    bad = {
        "empty": b"",
        "short-magic": b"\0\0\x08",
        "html": b"<html>",
        "type-0x07": bytes([0, 0, 7, 1, 0, 0, 0, 1, 0]),
        "rank-0": bytes([0, 0, 8, 0]),
        "rank-5": idx(0x08, [1, 1, 1, 1, 1]),
        "short-dims": bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0]),
        "zero-dim": idx(0x08, [2, 0, 3]),
        "absurd-dims": bytes([0, 0, 8, 3]) + struct.pack(">III", 65535, 65535, 65535),
        "max-dims": bytes([0, 0, 0x0E, 4]) + b"\xff" * 16,
        "2p31-elements": bytes([0, 0, 8, 2]) + struct.pack(">II", 32768, 65536) + b"\0" * 100,
        "2p31-elements.gz": gz(bytes([0, 0, 8, 2]) + struct.pack(">II", 32768, 65536) + b"\0" * 100),
        "truncated-data": images[:500],
        "trailing-bytes": labels + b"\x01\x02",
        "truncated.gz": gz(images)[:-20],
        "truncated-header.gz": gz(images)[:14],
        "no-trailer.gz": gz(labels)[:-3],
        "bad-crc.gz": gz(labels)[:-8] + b"\0\0\0\0" + gz(labels)[-4:],
        "junk-after.gz": gz(labels) + b"junk",
        "not-deflate.gz": b"\x1f\x8b\x09\x00" + b"\0" * 20,
        "inflated-trailing.gz": gz(labels + b"\0"),
    }
    for name, data in ok.items():
        write("idx", "ok-" + name, data)
    for name, data in bad.items():
        write("idx", "bad-" + name, data)


# ---- safetensors -------------------------------------------------------------------------------

ST_FORMATS = {"F32": "<f", "F64": "<d", "I64": "<q", "I32": "<i", "U8": "<B", "F16": "<e"}


def safetensors(tensors, metadata=None, pad=True):
    """tensors: list of (name, dtype, shape, values); laid out contiguously in the given order."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, values in tensors:
        blob = b"".join(struct.pack(ST_FORMATS[dtype], v) for v in values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def raw_safetensors(header_text, data=b""):
    header_text = header_text.encode() if isinstance(header_text, str) else header_text
    return struct.pack("<Q", len(header_text)) + header_text + data


def safetensors_corpus():
    ok = {
        "one-f32": safetensors([("w", "F32", [2, 3], [0.5 * i for i in range(6)])]),
        "all-dtypes": safetensors([("a", "F32", [2], [1.0, 2.0]), ("b", "F64", [], [3.5]), ("c", "I64", [2], [-1, 7]),
                                   ("d", "I32", [3], [1, -2, 3]), ("e", "U8", [4], [0, 1, 254, 255])]),
        "metadata": safetensors([("layer.weight", "F32", [1, 2], [1.0, -1.0])], {"format": "pt", "k": "v"}),
        "empty-tensor": safetensors([("e", "F32", [0, 4], []), ("s", "F64", [1], [2.0])]),
        "unpadded": safetensors([("x", "I64", [1], [42])], pad=False),
        "no-tensors": safetensors([], {"only": "metadata"}),
        "empty-object": raw_safetensors("{}"),
        "utf8-name": safetensors([("gewicht.\u00e4\u20ac\U0001F600", "F32", [1], [1.0])]),
        "escaped-name": raw_safetensors('{"a\\"b\\u00e9":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4),
    }
    one = '{"t":%s}'
    bad = {
        "empty": b"",
        "short-prefix": b"\x02\0\0",
        "length-beyond-file": struct.pack("<Q", 100) + b"{}      ",
        "length-absurd": struct.pack("<Q", 2**64 - 1) + b"{}",
        "not-utf8": raw_safetensors(b'{"t\xff":{}}'),
        "overlong-utf8": raw_safetensors(b'{"\xc0\xaf":1}'),
        "not-object": raw_safetensors("[1, 2]"),
        "bom": raw_safetensors(b"\xef\xbb\xbf{}"),
        "invalid-json": raw_safetensors('{"t": }'),
        "missing-dtype": raw_safetensors(one % '{"shape":[2],"data_offsets":[0,8]}', b"\0" * 8),
        "unknown-dtype": raw_safetensors(one % '{"dtype":"F33","shape":[2],"data_offsets":[0,8]}', b"\0" * 8),
        "unsupported-f16": safetensors([("h", "F16", [2], [1.0, 2.0])]),
        "negative-dim": raw_safetensors(one % '{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}', b"\0" * 8),
        "float-dim": raw_safetensors(one % '{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}', b"\0" * 8),
        "overflowing-shape": raw_safetensors(
            one % '{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}', b"\0" * 8),
        "shape-vs-offsets": raw_safetensors(one % '{"dtype":"F32","shape":[3],"data_offsets":[0,8]}', b"\0" * 8),
        "offsets-beyond": raw_safetensors(one % '{"dtype":"F32","shape":[250],"data_offsets":[0,1000]}', b"\0" * 8),
        "offsets-reversed": raw_safetensors(one % '{"dtype":"F32","shape":[1],"data_offsets":[8,4]}', b"\0" * 8),
        "overlap": raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                                   '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', b"\0" * 12),
        "gap": raw_safetensors('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', b"\0" * 8),
        "trailing": safetensors([("a", "F32", [1], [1.0])]) + b"junk",
        "duplicate-key": raw_safetensors('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                         '"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4),
        "metadata-not-strings": raw_safetensors('{"__metadata__":{"epoch":3}}'),
        "too-deep": raw_safetensors('{"t":{"x":' + "[" * 100 + "]" * 100 + "}}"),
        "long-array": raw_safetensors(one % ('{"dtype":"F32","shape":[' + ",".join(["1"] * 1100) +
                                             '],"data_offsets":[0,4]}'), b"\0" * 4),
        "truncated": safetensors([("w", "F32", [2, 3], [0.5 * i for i in range(6)])])[:-3],
    }
    for name, data in ok.items():
        write("safetensors", "ok-" + name, data)
    for name, data in bad.items():
        write("safetensors", "bad-" + name, data)


# ---- checkpoints (safetensors with the sections of io/checkpoint.hpp) ---------------------------

def checkpoint(extra_tensors=(), meta_changes=None, history=2):
    meta = {"format": "xgrad.checkpoint", "version": "1", "epoch": "2", "batch": "0", "global_step": "20",
            "epoch_samples": "0", "shuffle_seed": "7", "rng.seed": "42", "rng.offset": "1000",
            "optimizer.type": "Adam", "extra.note": "seed"}
    meta.update(meta_changes or {})
    meta = {k: v for k, v in meta.items() if v is not None}
    tensors = [("model.fc.weight", "F32", [2, 2], [0.1, -0.2, 0.3, 0.4]), ("model.fc.bias", "F32", [2], [0.0, 1.0]),
               ("optimizer.step", "I64", [], [20]), ("optimizer.0.exp_avg", "F32", [2], [0.01, 0.02]),
               ("history.epoch", "I64", [history], list(range(history))),
               ("history.values.loss", "F64", [history], [1.0 / (i + 1) for i in range(history)])]
    return safetensors(tensors + list(extra_tensors), meta)


def checkpoint_corpus():
    ok = {
        "basic": checkpoint(),
        "mid-epoch": checkpoint([("progress.sums.loss", "F64", [], [12.5])], {"batch": "3", "epoch_samples": "96"}),
        "no-optimizer": safetensors([("model.w", "F64", [1], [1.0]), ("history.epoch", "I64", [0], [])],
                                    {"format": "xgrad.checkpoint", "version": "1", "epoch": "0", "batch": "0",
                                     "global_step": "0", "epoch_samples": "0", "shuffle_seed": "0", "rng.seed": "0",
                                     "rng.offset": "0"}),
        "scheduler": checkpoint([("scheduler.last_epoch", "I64", [], [2])], {"scheduler.type": "StepLR"}),
    }
    bad = {
        "weights-only": safetensors([("w", "F32", [1], [1.0])]),
        "wrong-format": checkpoint(meta_changes={"format": "other"}),
        "wrong-version": checkpoint(meta_changes={"version": "2"}),
        "missing-counter": checkpoint(meta_changes={"global_step": None}),
        "counter-not-decimal": checkpoint(meta_changes={"epoch": "-1"}),
        "counter-too-large": checkpoint(meta_changes={"epoch": "99999999999"}),
        "unknown-metadata": checkpoint(meta_changes={"colour": "blue"}),
        "unknown-tensor": checkpoint([("weights.w", "F32", [1], [1.0])]),
        "optimizer-without-type": checkpoint(meta_changes={"optimizer.type": None}),
        "history-wrong-dtype": safetensors([("history.epoch", "F32", [1], [0.0])],
                                           {"format": "xgrad.checkpoint", "version": "1", "epoch": "0", "batch": "0",
                                            "global_step": "0", "epoch_samples": "0", "shuffle_seed": "0",
                                            "rng.seed": "0", "rng.offset": "0"}),
        "history-length": checkpoint([("history.values.acc", "F64", [1], [0.5])]),
        "sums-at-epoch-boundary": checkpoint([("progress.sums.loss", "F64", [], [1.0])]),
        "truncated": checkpoint()[:-5],
    }
    for name, data in ok.items():
        write("checkpoint", "ok-" + name, data)
    for name, data in bad.items():
        write("checkpoint", "bad-" + name, data)


if __name__ == "__main__":
    idx_corpus()
    safetensors_corpus()
    checkpoint_corpus()
