"""TensorFlow's checkpoint reader (py_checkpoint_reader), run in a worker process (formats/isolated.py):
the fallback for bundles the native reader does not decode. A malformed entry makes that reader
abort the process (a C++ CHECK failure, SIGABRT); in the worker that costs the worker, and
formats/bundle_open.py's TFCheckpointReader says so in one line."""

from __future__ import annotations

from pathlib import Path

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import dtypes

_open: dict[str, object] = {}  # prefix -> TensorFlow's reader, in the worker (the last one only)


def explain(exc: BaseException, prefix: Path) -> str:
    """Turn a TensorFlow reading error into a sentence naming the file at fault."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else "unreadable"
    name = prefix.name
    index = f"{name}.index"
    if "Failed to find any matching files" in text:
        return f"{index} is missing"
    if "sstable" in text or "bad magic number" in text or "corrupted" in text.lower():
        return f"{index} is not a checkpoint index ({first})"
    if isinstance(exc, IndexError) or "Read less bytes" in text or "truncated" in text.lower():
        return f"the data file of {name} is truncated ({first})"
    if "data-" in text and ("not found" in text.lower() or "No such file" in text):
        return f"a data file of {name} is missing ({first})"
    if "Permission denied" in text:
        return f"cannot read {name}: permission denied"
    return f"cannot read {name}: {first}"


def warm() -> None:
    """TensorFlow imported by a fresh worker before its first call (formats/isolated.py), under the
    start-up limit: seconds, which the call's own limit is not meant to cover."""
    from ckpt_browser.core.tf.tfimport import tf

    tf()


def _reader(prefix: str):
    reader = _open.get(prefix)
    if reader is None:
        from ckpt_browser.core.tf.tfimport import tf

        t = tf()  # TensorFlowMissing goes back to the caller as it is
        try:
            reader = t.train.load_checkpoint(prefix)
        except Exception as exc:  # noqa: BLE001 - TF raises OpError, ValueError, IndexError, ...
            raise CheckpointError(explain(exc, Path(prefix))) from None
        _open.clear()
        _open[prefix] = reader
    return reader


def _dtype_name(tf_dtype) -> str:
    from ckpt_browser.core.tf.tfimport import tf

    if tf_dtype == tf().string:
        return "string"
    return dtypes.dtype_name(tf_dtype.as_datatype_enum)


def listing(prefix: str) -> list[tuple[str, tuple[int, ...], str]]:
    """(name, shape, dtype) of every variable, sorted: what tf.train.list_variables gives."""
    reader = _reader(prefix)
    try:
        shapes = reader.get_variable_to_shape_map()
        types = reader.get_variable_to_dtype_map()
        return [(n, tuple(int(d) for d in shapes[n]), _dtype_name(types[n])) for n in sorted(shapes)]
    except Exception as exc:  # noqa: BLE001 - e.g. "77 does not correspond to a valid tensorflow::DataType"
        raise CheckpointError(explain(exc, Path(prefix))) from None


def tensor(prefix: str, name: str):
    import numpy as np

    try:
        return np.asarray(_reader(prefix).get_tensor(name))
    except CheckpointError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise CheckpointError(explain(exc, Path(prefix))) from None
