"""Property-based: random variable sets written by TensorFlow itself (SaveV2, slices of partitioned
tensors, several shards merged by MergeV2Checkpoints) read back equal by the native reader.

`make test` runs a few dozen examples; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) runs thousands.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import ml_dtypes
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckpt_browser.core.formats.bundle import BundleReader
from ckpt_browser.core.tf.tfimport import tf
from tests.core.test_bundle import assert_same_as_tensorflow

settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DTYPES = [np.float16, np.float32, np.float64, ml_dtypes.bfloat16, np.int8, np.int16, np.int32, np.int64,
          np.uint8, np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128, object]  # fmt: skip

# TensorFlow's own reader assembles slices only of some dtypes ("Dtype half not supported"):
# partition those, so that it stays the oracle.
PARTITIONABLE = {np.dtype(d) for d in (np.float32, np.float64, np.int32, np.int64)}

names = st.text(alphabet="abcxyz_/.-0ü€", min_size=1, max_size=12).filter(lambda s: not s.startswith("/"))
shapes = st.lists(st.integers(0, 4), max_size=3).map(tuple)
strings = st.binary(max_size=6)  # NUL bytes and non-UTF-8 included


@st.composite
def variables(draw):
    out = {}
    for name in draw(st.lists(names, min_size=1, max_size=6, unique=True)):
        dtype = draw(st.sampled_from(DTYPES))
        shape = draw(shapes)
        n = int(np.prod(shape))
        if dtype is object:
            value = np.array(draw(st.lists(strings, min_size=n, max_size=n)) or [], dtype=object).reshape(shape)
        else:
            seed = draw(st.integers(0, 2**32 - 1))
            raw = np.random.default_rng(seed).integers(0, 256, n * np.dtype(dtype).itemsize, dtype=np.uint8)
            value = raw.view(dtype).reshape(shape)  # any bit pattern: NaNs, infinities, -0.0
            if dtype is np.bool_:
                value = (raw.reshape(shape) & 1).astype(bool)
        out[name] = value
    return out


def _save(prefix: Path, values: dict[str, np.ndarray], partition: str | None) -> None:
    t = tf()
    names, specs, tensors = [], [], []
    for name, value in values.items():
        if name == partition and value.ndim >= 1 and value.shape[0] >= 2 and value.dtype in PARTITIONABLE:
            # Two slices along axis 0, as a partitioned variable's Saver writes them.
            full = " ".join(str(d) for d in value.shape)
            k = value.shape[0] // 2
            rest = ":".join(["-"] * (value.ndim - 1))
            for start, length in ((0, k), (k, value.shape[0] - k)):
                spec = f"{start},{length}" + (":" + rest if rest else "")
                names.append(name)
                specs.append(f"{full} {spec}")
                tensors.append(t.constant(value[start : start + length]))
            continue
        names.append(name)
        specs.append("")
        tensors.append(t.constant(value, dtype=t.string) if value.dtype == object else t.constant(value))
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=specs, tensors=tensors)


@given(values=variables(), shards=st.integers(1, 3), partition_first=st.booleans())
def test_random_checkpoints_read_back_equal(values, shards, partition_first):
    t = tf()
    items = list(values.items())
    partition = items[0][0] if partition_first else None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if shards == 1:
            prefix = tmp / "ckpt"
            _save(prefix, values, partition)
        else:  # how a multi-device Saver shards: one bundle per device, merged into one index
            parts = []
            for i in range(shards):
                chunk = dict(items[i::shards])
                if not chunk:
                    continue
                part = tmp / f"part-{i}"
                _save(part, chunk, partition)
                parts.append(str(part))
            prefix = tmp / "ckpt"
            t.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=parts, destination_prefix=str(prefix))
            assert len(list(tmp.glob("ckpt.data-*"))) == len(parts)
        assert_same_as_tensorflow(prefix)
        # And equal to what was handed to the writer.
        reader = BundleReader(prefix)
        for name, value in values.items():
            got = reader.read(name)
            if value.dtype == object:
                assert got.tolist() == value.tolist()
            else:
                assert got.dtype == value.dtype and got.shape == value.shape and got.tobytes() == value.tobytes()
