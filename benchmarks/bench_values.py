"""Issue 3 figures: reading one variable, statistics vs numpy, diffing two 1.3 GB checkpoints.

Run: .venv/bin/python benchmarks/bench_values.py [WORKDIR]   (needs ~3 GB of disk)
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bert import write_bert  # noqa: E402
from ckpt_browser.core.formats.reader import open_checkpoint  # noqa: E402
from ckpt_browser.core.tf.tfimport import tf  # noqa: E402
from ckpt_browser.core.values.diff import diff_checkpoints  # noqa: E402
from ckpt_browser.core.values.stats import compute_stats  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


def rchar() -> int:
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("rchar"):
                return int(line.split()[1])
    return 0


class PeakRSS:
    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()

    def __enter__(self):
        self.peak = rss_mb()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def size_of(prefix: Path) -> int:
    return sum(p.stat().st_size for p in prefix.parent.glob(prefix.name + ".*"))


def numpy_reference(a: np.ndarray) -> None:
    x = a.ravel()
    finite = x[np.isfinite(x)]
    finite.min(), finite.max(), finite.mean(), finite.std(), np.linalg.norm(finite)
    np.count_nonzero(x), np.isnan(x).sum(), np.isinf(x).sum()
    np.histogram(finite, bins=64)


def best_of(fn, n=3) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(work: Path) -> None:
    tf()
    a, b = work / "a" / "model.ckpt-1", work / "b" / "model.ckpt-2"
    t0 = time.perf_counter()
    if not Path(str(a) + ".index").exists():
        write_bert(a, seed=0)
        write_bert(b, seed=0, perturb=1e-3)
    print(f"checkpoints: {size_of(a) / 1e9:.2f} GB each, written in {time.perf_counter() - t0:.1f} s  ({work})")

    # 1. One variable: bytes read from the data file vs. the checkpoint's size.
    reader = open_checkpoint(a)
    before = rchar()
    t0 = time.perf_counter()
    small = reader.read("bert/pooler/dense/bias")
    t_small = time.perf_counter() - t0
    read_small = rchar() - before
    before = rchar()
    t0 = time.perf_counter()
    emb = reader.read("bert/embeddings/word_embeddings")
    t_emb = time.perf_counter() - t0
    read_emb = rchar() - before
    print(f"read one [768] bias: {t_small * 1e3:.1f} ms, {read_small:,} bytes read ({small.nbytes:,} in the tensor)")
    print(
        f"read the [30522, 768] embedding: {t_emb * 1e3:.0f} ms, {read_emb / 1e6:.1f} MB read "
        f"({emb.nbytes / 1e6:.1f} MB in the tensor; checkpoint {size_of(a) / 1e9:.2f} GB)"
    )

    # 2. Statistics of the 94 MB embedding vs numpy on the array in memory.
    ours = best_of(lambda: compute_stats(emb))
    ref = best_of(lambda: numpy_reference(emb))
    print(
        f"statistics of {emb.nbytes / 1e6:.0f} MB float32: ours {ours * 1e3:.0f} ms, "
        f"numpy {ref * 1e3:.0f} ms, ratio {ours / ref:.2f} (target <= 2)"
    )
    emb = None  # free the 94 MB before the diff measures memory

    # 3. Diff of two 1.3 GB checkpoints: time and peak memory above the baseline.
    base = rss_mb()
    done = []
    t0 = time.perf_counter()
    with PeakRSS() as peak:
        result = diff_checkpoints(a, b, progress=lambda d, t, _: done.append(d / t))
    t_diff = time.perf_counter() - t0
    print(
        f"diff of two {size_of(a) / 1e9:.2f} GB checkpoints: {t_diff:.1f} s, {len(result.rows)} variables, "
        f"{result.counts()['changed']} changed, {len(done)} progress updates"
    )
    print(
        f"  memory: baseline {base:.0f} MB (TensorFlow loaded), peak {peak.peak:.0f} MB, "
        f"added {peak.peak - base:.0f} MB = {(peak.peak - base) / (size_of(a) / 1e6):.0%} of one checkpoint"
    )


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Given a folder, the files stay there for the next run; else they go with the temporary one.
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory(prefix="ckpt-bench-") as scratch:
            main(Path(scratch))
