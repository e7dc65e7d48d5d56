"""What the PyTorch and safetensors readers share: byte ranges of a file as a stream (for zipfile and
pickle), raw bytes as a numpy array of a named dtype (strided views included), and verify's check of a
format that stores no checksums (sizes, offsets, finite values)."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import dtypes

if TYPE_CHECKING:
    import numpy as np

NO_CHECKSUMS = (
    "{what} store no checksums: verify checked each tensor's size and place in the file and that its values are finite"
)


class RangeStream(io.RawIOBase):
    """A storage file (LocalFile or RemoteFile: read(offset, size), size) as a seekable raw stream:
    zipfile and pickle read through it, by ranges, never the whole file."""

    def __init__(self, f) -> None:
        super().__init__()
        self._f = f
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._f.size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the file")
        self._pos = base + offset
        return self._pos

    def readinto(self, b) -> int:
        n = max(0, min(len(b), self._f.size - self._pos))
        if n:
            b[:n] = self._f.read(self._pos, n)
            self._pos += n
        return n


def stream(f, buffer: int = 1 << 16) -> io.BufferedReader:
    return io.BufferedReader(RangeStream(f), buffer_size=buffer)


def numpy_dtype(name: str) -> np.dtype:
    """numpy's dtype for a shown dtype name (bfloat16 and float8 through ml_dtypes)."""
    enum = dtypes.enum_of(name)
    np_dtype = dtypes.numpy_dtype(enum) if enum is not None else None
    if np_dtype is None:
        raise CheckpointError(f"tensors of dtype {name} cannot be decoded")
    return np_dtype


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
