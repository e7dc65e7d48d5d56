"""TensorFlow's DataType enum as numpy dtypes, without TensorFlow (tensorflow/core/framework/types.proto).

Names are the ones the app shows and `ls --json` prints: numpy's (float32, bfloat16 via ml_dtypes),
"string" for DT_STRING, TensorFlow's own for types numpy has no counterpart of (qint8, resource).
numpy and ml_dtypes are imported only when a dtype object is asked for, not to list names.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# enum -> (shown name, bytes per element or None, numpy type: "numpy:<name>" / "ml_dtypes:<name>" / None)
_TABLE: dict[int, tuple[str, int | None, str | None]] = {
    1: ("float32", 4, "numpy:float32"),
    2: ("float64", 8, "numpy:float64"),
    3: ("int32", 4, "numpy:int32"),
    4: ("uint8", 1, "numpy:uint8"),
    5: ("int16", 2, "numpy:int16"),
    6: ("int8", 1, "numpy:int8"),
    7: ("string", None, None),
    8: ("complex64", 8, "numpy:complex64"),
    9: ("int64", 8, "numpy:int64"),
    10: ("bool", 1, "numpy:bool_"),
    # Quantized types are stored as their plain integers; shown under TensorFlow's name.
    11: ("qint8", 1, "numpy:int8"),
    12: ("quint8", 1, "numpy:uint8"),
    13: ("qint32", 4, "numpy:int32"),
    14: ("bfloat16", 2, "ml_dtypes:bfloat16"),
    15: ("qint16", 2, "numpy:int16"),
    16: ("quint16", 2, "numpy:uint16"),
    17: ("uint16", 2, "numpy:uint16"),
    18: ("complex128", 16, "numpy:complex128"),
    19: ("float16", 2, "numpy:float16"),
    20: ("resource", None, None),
    21: ("variant", None, None),
    22: ("uint32", 4, "numpy:uint32"),
    23: ("uint64", 8, "numpy:uint64"),
    24: ("float8_e5m2", 1, "ml_dtypes:float8_e5m2"),
    25: ("float8_e4m3fn", 1, "ml_dtypes:float8_e4m3fn"),
    26: ("float8_e4m3fnuz", 1, "ml_dtypes:float8_e4m3fnuz"),
    27: ("float8_e4m3b11fnuz", 1, "ml_dtypes:float8_e4m3b11fnuz"),
    28: ("float8_e5m2fnuz", 1, "ml_dtypes:float8_e5m2fnuz"),
    29: ("int4", 1, "ml_dtypes:int4"),
    30: ("uint4", 1, "ml_dtypes:uint4"),
}
STRING = 7
REF_OFFSET = 100  # DT_FLOAT_REF = 101: a graph's ref variables; the value type is enum - 100


def base_enum(enum: int) -> int:
    return enum - REF_OFFSET if enum > REF_OFFSET else enum


def dtype_name(enum: int) -> str:
    """Shown name of a DataType enum value (ref types are named after their value type)."""
    entry = _TABLE.get(base_enum(enum))
    return entry[0] if entry else f"dtype {enum}"


def is_known(enum: int) -> bool:
    return base_enum(enum) in _TABLE


@functools.cache
def numpy_dtype(enum: int) -> np.dtype | None:
    """numpy dtype of fixed-size elements, or None (strings, resources, variants, unknown)."""
    entry = _TABLE.get(base_enum(enum))
    if entry is None or entry[2] is None:
        return None
    module, name = entry[2].split(":")
    import numpy as np

    if module == "ml_dtypes":
        import ml_dtypes

        return np.dtype(getattr(ml_dtypes, name))
    return np.dtype(getattr(np, name))


@functools.cache
def itemsize(dtype: str) -> int | None:
    """Bytes per element of a shown dtype name, or None when elements vary in size or are opaque."""
    for name, size, _ in _TABLE.values():
        if name == dtype:
            return size
    return None


ML_FLOATS = frozenset(name for name, _, np_name in _TABLE.values() if np_name and np_name.startswith("ml_dtypes:float"))
ML_FLOATS |= {"bfloat16"}


@functools.cache
def enum_of(dtype: str) -> int | None:
    """The DataType enum of a shown dtype name (qint8 and such too), or None."""
    for enum, (name, _, _) in _TABLE.items():
        if name == dtype:
            return enum
    return None
