"""What the PyTorch and safetensors readers share: byte ranges of a file as a stream (for zipfile and
pickle), raw bytes as a numpy array of a named dtype (strided views included), and verify's check of a
format that stores no checksums (sizes, offsets, finite values)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import dtypes

if TYPE_CHECKING:
    import numpy as np

NO_CHECKSUMS = (
    "{what} store no checksums: verify checked each tensor's size and place in the file and that its values are finite"
)


class RangeStream:
    """A storage file (LocalFile or RemoteFile: read(offset, size), size) as a seekable read-only
    stream: zipfile and pickle read through it, by ranges (a block kept), never the whole file. No
    readinto/peek: the pickle machine then reads exactly what it consumes (tell() is exact after a
    load), and no buffer of ours is ever exported to it."""

    def __init__(self, f, block: int = 1 << 16) -> None:
        self._f = f
        self._pos = 0
        self._block = block
        self._start = 0
        self._data = b""

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._f.size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the file")
        self._pos = base + offset
        return self._pos

    def read(self, n: int = -1) -> bytes:
        end = self._f.size if n is None or n < 0 else min(self._f.size, self._pos + n)
        if end <= self._pos:
            return b""
        if not self._start <= self._pos or end > self._start + len(self._data):
            if end - self._pos > self._block:  # a big read: straight through
                out = self._f.read(self._pos, end - self._pos)
                self._pos = end
                return out
            self._start = self._pos
            self._data = self._f.read(self._start, min(self._block, self._f.size - self._start))
        out = self._data[self._pos - self._start : end - self._start]
        self._pos = end
        return out

    def readline(self, limit: int = -1) -> bytes:
        out = b""
        while limit < 0 or len(out) < limit:
            chunk = self.read(256 if limit < 0 else min(256, limit - len(out)))
            if not chunk:
                break
            cut = chunk.find(b"\n")
            if cut >= 0:
                self._pos -= len(chunk) - cut - 1
                return out + chunk[: cut + 1]
            out += chunk
        return out


def stream(f) -> RangeStream:
    return RangeStream(f)


def numpy_dtype(name: str) -> np.dtype:
    """numpy's dtype for a shown dtype name (bfloat16 and float8 through ml_dtypes)."""
    enum = dtypes.enum_of(name)
    np_dtype = dtypes.numpy_dtype(enum) if enum is not None else None
    if np_dtype is None and name in ML_ONLY:  # dtypes TensorFlow has no enum for (float8_e8m0fnu)
        import ml_dtypes
        import numpy as np

        np_dtype = np.dtype(getattr(ml_dtypes, name))
    if np_dtype is None:
        raise CheckpointError(f"tensors of dtype {name} cannot be decoded")
    return np_dtype


ML_ONLY = frozenset({"float8_e8m0fnu", "float8_e4m3", "float8_e3m4", "float8_e5m3fnu"})  # one byte each


def decode(raw: bytes, dtype: str, shape: tuple[int, ...], strides: tuple[int, ...] | None = None,
           big_endian: bool = False) -> np.ndarray:  # fmt: skip
    """The array ``raw`` holds: C order, or element strides (a view into a shared storage)."""
    import numpy as np

    np_dtype = numpy_dtype(dtype)
    if big_endian and np_dtype.itemsize > 1:
        np_dtype = np_dtype.newbyteorder(">")
    flat = np.frombuffer(raw, dtype=np_dtype)
    if math.prod(shape) == 0:
        out = np.zeros(shape, dtype=np_dtype)
    elif strides is None:
        out = flat[: math.prod(shape)].reshape(shape)
    else:
        byte_strides = tuple(s * np_dtype.itemsize for s in strides)
        out = np.lib.stride_tricks.as_strided(flat, shape=shape, strides=byte_strides, writeable=False)
    # A copy: the bytes object stays private, strided views become C order (ascontiguousarray would
    # turn a 0-d tensor into 1-d).
    return np.array(out, dtype=np_dtype.newbyteorder("="), order="C")


def non_finite(value: np.ndarray) -> int:
    """NaN and infinite elements of a floating-point array (0 for other dtypes)."""
    import numpy as np

    if value.dtype.kind not in "fc" and value.dtype.name not in dtypes.ML_FLOATS:
        return 0
    return int(value.size - np.count_nonzero(np.isfinite(value)))


def check_values(name: str, value: np.ndarray) -> int:
    """Verify's check of a tensor read whole: its bytes, or a CheckpointError naming NaN / inf."""
    bad = non_finite(value)
    if bad:
        raise CheckpointError(f"{name}: {bad:,} of {value.size:,} values are NaN or infinite")
    return int(value.nbytes)
