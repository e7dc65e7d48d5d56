"""TensorFlow's DataType enum as numpy dtypes, without TensorFlow (tensorflow/core/framework/types.proto).

Names are the ones the app shows and `ls --json` prints: numpy's (float32, bfloat16 via ml_dtypes),
"string" for DT_STRING, TensorFlow's own for types numpy has no counterpart of (qint8, resource).
"""

from __future__ import annotations

import functools

import ml_dtypes
import numpy as np

# enum -> (shown name, numpy dtype or None when elements are not fixed-size numbers we can decode)
_TABLE: dict[int, tuple[str, np.dtype | None]] = {
    1: ("float32", np.dtype(np.float32)),
    2: ("float64", np.dtype(np.float64)),
    3: ("int32", np.dtype(np.int32)),
    4: ("uint8", np.dtype(np.uint8)),
    5: ("int16", np.dtype(np.int16)),
    6: ("int8", np.dtype(np.int8)),
    7: ("string", None),
    8: ("complex64", np.dtype(np.complex64)),
    9: ("int64", np.dtype(np.int64)),
    10: ("bool", np.dtype(np.bool_)),
    # Quantized types are stored as their plain integers; shown under TensorFlow's name.
    11: ("qint8", np.dtype(np.int8)),
    12: ("quint8", np.dtype(np.uint8)),
    13: ("qint32", np.dtype(np.int32)),
    14: ("bfloat16", np.dtype(ml_dtypes.bfloat16)),
    15: ("qint16", np.dtype(np.int16)),
    16: ("quint16", np.dtype(np.uint16)),
    17: ("uint16", np.dtype(np.uint16)),
    18: ("complex128", np.dtype(np.complex128)),
    19: ("float16", np.dtype(np.float16)),
    20: ("resource", None),
    21: ("variant", None),
    22: ("uint32", np.dtype(np.uint32)),
    23: ("uint64", np.dtype(np.uint64)),
    24: ("float8_e5m2", np.dtype(ml_dtypes.float8_e5m2)),
    25: ("float8_e4m3fn", np.dtype(ml_dtypes.float8_e4m3fn)),
    26: ("float8_e4m3fnuz", np.dtype(ml_dtypes.float8_e4m3fnuz)),
    27: ("float8_e4m3b11fnuz", np.dtype(ml_dtypes.float8_e4m3b11fnuz)),
    28: ("float8_e5m2fnuz", np.dtype(ml_dtypes.float8_e5m2fnuz)),
    29: ("int4", np.dtype(ml_dtypes.int4)),
    30: ("uint4", np.dtype(ml_dtypes.uint4)),
}
STRING = 7
REF_OFFSET = 100  # DT_FLOAT_REF = 101: a graph's ref variables; the value type is enum - 100


def base_enum(enum: int) -> int:
    return enum - REF_OFFSET if enum > REF_OFFSET else enum


def dtype_name(enum: int) -> str:
    """Shown name of a DataType enum value (ref types are named after their value type)."""
    entry = _TABLE.get(base_enum(enum))
    return entry[0] if entry else f"dtype {enum}"


def numpy_dtype(enum: int) -> np.dtype | None:
    """numpy dtype of fixed-size elements, or None (strings, resources, variants, unknown)."""
    entry = _TABLE.get(base_enum(enum))
    return entry[1] if entry else None


def is_known(enum: int) -> bool:
    return base_enum(enum) in _TABLE


@functools.cache
def itemsize(dtype: str) -> int | None:
    """Bytes per element of a shown dtype name, or None when elements vary in size or are opaque."""
    for name, np_dtype in _TABLE.values():
        if name == dtype:
            return np_dtype.itemsize if np_dtype is not None else None
    return None


def numpy_dtype_by_name(dtype: str) -> np.dtype | None:
    for name, np_dtype in _TABLE.values():
        if name == dtype:
            return np_dtype
    return None
