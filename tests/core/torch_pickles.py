"""Small hand-assembled files for the PyTorch / safetensors tests (no torch here): a torch-shaped
pickle opcode by opcode, and a safetensors file from numpy arrays (the format's spec: an 8-byte
little-endian header length, the JSON header, the bytes)."""

from __future__ import annotations

import json
import struct

import numpy as np


def glob(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"  # GLOBAL


def text(s: str) -> bytes:
    raw = s.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw  # BINUNICODE


def integer(n: int) -> bytes:
    if -(1 << 31) <= n < (1 << 31):
        return b"J" + struct.pack("<i", n)  # BININT
    raw = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw  # LONG1


def tup(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"  # MARK ... TUPLE


def tensor(storage_key: str, numel: int, shape: tuple[int, ...], stride: tuple[int, ...],
           storage: str = "FloatStorage") -> bytes:  # fmt: skip
    """_rebuild_tensor_v2(persistent storage, 0, shape, stride, False, OrderedDict())."""
    pid = tup(text("storage"), glob("torch", storage), text(storage_key), text("cpu"), integer(numel))
    hooks = glob("collections", "OrderedDict") + b")R"  # EMPTY_TUPLE, REDUCE
    args = tup(pid + b"Q", integer(0), tup(*map(integer, shape)), tup(*map(integer, stride)), b"\x89", hooks)
    return glob("torch._utils", "_rebuild_tensor_v2") + args + b"R"


def state_dict(entries: dict[str, bytes]) -> bytes:
    """{name: tensor} as protocol 2 pickles it."""
    body = b"".join(text(k) + v + b"s" for k, v in entries.items())  # SETITEM each
    return b"\x80\x02}" + body + b"."


def huge_tensor_pickle() -> bytes:
    """'w': a [2^30, 2^30] float32 tensor on a storage declaring 2^60 elements."""
    return state_dict({"w": tensor("0", 1 << 60, (1 << 30, 1 << 30), (1 << 30, 1))})


def safetensors_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    names = {"float32": "F32", "float16": "F16", "int8": "I8", "int64": "I64", "float64": "F64"}
    header, blobs, at = {}, [], 0
    for name, a in arrays.items():
        raw = np.ascontiguousarray(a).tobytes()
        header[name] = {"dtype": names[a.dtype.name], "shape": list(a.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    head = json.dumps(header).encode()
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)
