"""Issue 23's checkpoints, written once by TensorFlow (SaveV2, MergeV2Checkpoints) and kept in WORKDIR.

Run: .venv/bin/python benchmarks/scale_fixtures.py [WORKDIR]   (about 17 GB of disk; minutes, once)
  many100k/model.ckpt-1   100,000 scalar variables
  many1m/model.ckpt-1     1,000,000 scalar variables (a 25 MB index)
  shards8/model.ckpt-1    8 data shards of 1 GiB (8.6 GB), as a sharded Saver writes them
  huge/model.ckpt-1       one float32 tensor of 4 GiB
  a/model.ckpt-1, b/model.ckpt-2   BERT-base-sized with Adam slots (1.3 GB each), b = a + 1e-3
  health10/model.ckpt-{0..9}   a model_dir of 10 checkpoints of a 92 MB model (6 dense layers and
                               their layer norms), each a small step from the one before
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = Path(tempfile.gettempdir()) / "ckpt-bench-scale"


def paths(work: Path) -> dict[str, Path]:
    names = {"many100k": "model.ckpt-1", "many1m": "model.ckpt-1", "shards8": "model.ckpt-1", "huge": "model.ckpt-1"}
    out = {k: work / k / v for k, v in names.items()}
    out["a"], out["b"] = work / "a" / "model.ckpt-1", work / "b" / "model.ckpt-2"
    out["bucket"] = work / "bucket" / "model.ckpt-1"
    out["health10"] = work / "health10" / "model.ckpt-9"
    return out


def _done(prefix: Path) -> bool:
    return Path(str(prefix) + ".index").exists()


def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    return tf


def write_many(prefix: Path, n: int) -> None:
    """n scalar float32 variables named like a deep model's scopes (block/layer/w)."""
    tf = _tf()
    per_block = max(n // 100, 1000)
    names = [f"block_{i // per_block}/layer_{i % per_block // 10}/w_{i % 10}" for i in range(n)]
    prefix.parent.mkdir(parents=True, exist_ok=True)
    tensors = [tf.constant(np.float32(i)) for i in range(n)]
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=[""] * n, tensors=tensors)


def _fill(count: int, seed: int) -> np.ndarray:
    """Cheap, varied float32 values (random numbers for 8 GiB would take minutes)."""
    base = np.random.default_rng(seed).standard_normal(1 << 20, dtype=np.float32)
    reps = -(-count // base.size)
    return np.tile(base, reps)[:count]


def write_sharded(prefix: Path, shards: int = 8, per_shard: int = 4, tensor_bytes: int = 256 << 20) -> None:
    """A checkpoint in `shards` data files, each written by SaveV2 and merged by MergeV2Checkpoints,
    as tf.compat.v1.train.Saver(sharded=True) does for variables on several devices."""
    tf = _tf()
    prefix.parent.mkdir(parents=True, exist_ok=True)
    parts = []
    rows = tensor_bytes // 4 // 1024
    for s in range(shards):
        part = prefix.parent / f"{prefix.name}_temp/part-{s:05d}-of-{shards:05d}"
        part.parent.mkdir(parents=True, exist_ok=True)
        names = [f"shard_{s}/layer_{k}/kernel" for k in range(per_shard)]
        tensors = [tf.constant(_fill(rows * 1024, s * 100 + k).reshape(rows, 1024)) for k in range(per_shard)]
        tf.raw_ops.SaveV2(prefix=str(part), tensor_names=names, shape_and_slices=[""] * per_shard, tensors=tensors)
        parts.append(str(part))
        del tensors
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=parts, destination_prefix=str(prefix), delete_old_dirs=True)


def write_huge(prefix: Path, gib: int = 4) -> None:
    tf = _tf()
    prefix.parent.mkdir(parents=True, exist_ok=True)
    rows = (gib << 30) // 4 // 1024
    value = _fill(rows * 1024, 7).reshape(rows, 1024)
    value[123, 45] = np.nan  # statistics must count it, and keep it out of min/max
    t = tf.constant(value)
    del value
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=["embedding/table"], shape_and_slices=[""], tensors=[t])


def write_series(last: Path, steps: int = 10, layers: int = 6, rows: int = 2048, cols: int = 1870) -> None:
    """A model_dir of `steps` checkpoints (model.ckpt-0 .. -N) of the same model, as a training
    job saves it: kernels, biases, layer-norm gammas and betas, a global_step; each checkpoint
    the one before plus a small update (so update ratios, norms and the rest have work to do)."""
    tf = _tf()
    last.parent.mkdir(parents=True, exist_ok=True)
    names, values = [], []
    for i in range(layers):
        for suffix, shape in (("kernel", (rows, cols)), ("bias", (cols,)), ("gamma", (cols,)), ("beta", (cols,))):
            scope = "dense" if suffix in ("kernel", "bias") else "norm"
            names.append(f"layer_{i}/{scope}/{suffix}")
            values.append(_fill(math.prod(shape), 10 * i + len(names)).reshape(shape))
    step_noise = _fill(rows * cols, 99)
    for step in range(steps):
        prefix = last.parent / f"model.ckpt-{step}"
        tensors = [tf.constant(v + np.float32(1e-3 * step) * step_noise[: v.size].reshape(v.shape)) for v in values]
        tensors.append(tf.constant(np.int64(step * 100)))
        tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=[*names, "global_step"],
                          shape_and_slices=[""] * (len(names) + 1), tensors=tensors)  # fmt: skip
    state = f'model_checkpoint_path: "model.ckpt-{steps - 1}"\n'
    state += "".join(f'all_model_checkpoint_paths: "model.ckpt-{s}"\n' for s in range(steps))
    (last.parent / "checkpoint").write_text(state)


def write_all(work: Path = DEFAULT, keys: set[str] | None = None) -> dict[str, Path]:
    """The checkpoints (those of ``keys`` only, when given) written unless already there."""
    p = paths(work)
    sys.path.insert(0, str(ROOT))
    want = keys if keys is not None else set(p)
    if "many100k" in want and not _done(p["many100k"]):
        write_many(p["many100k"], 100_000)
    if "many1m" in want and not _done(p["many1m"]):
        write_many(p["many1m"], 1_000_000)
    if want & {"a", "b"} and (not _done(p["a"]) or not _done(p["b"])):
        from benchmarks.bert import write_bert

        write_bert(p["a"], seed=0)
        write_bert(p["b"], seed=0, perturb=1e-3)
    if "shards8" in want and not _done(p["shards8"]):
        write_sharded(p["shards8"])
    if "huge" in want and not _done(p["huge"]):
        write_huge(p["huge"])
    if "bucket" in want and not _done(p["bucket"]):
        # 16 shards of 32 MiB: moto's server reads a whole object for every ranged GET, so one
        # 1.3 GB object would measure moto (~5 MB/s), not the reads.
        write_sharded(p["bucket"], shards=16, per_shard=2, tensor_bytes=16 << 20)
    if "health10" in want and not _done(p["health10"]):
        write_series(p["health10"])
    return p


if __name__ == "__main__":
    for key, prefix in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT).items():
        print(key, prefix)
