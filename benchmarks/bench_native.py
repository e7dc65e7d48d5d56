"""Issue 10 figures: the native reader against TensorFlow's tools and numpy, same run.

Run: .venv/bin/python benchmarks/bench_native.py [WORKDIR]   (needs ~3 GB of disk; the
checkpoints are written once by TensorFlow in a subprocess and kept in WORKDIR)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._proc import ROOT, cli, median_of, probe, python  # noqa: E402
from benchmarks.bench_values import PeakRSS, rss_mb, size_of  # noqa: E402

INSPECT = ["-m", "tensorflow.python.tools.inspect_checkpoint", "--file_name"]


def write_fixtures(work: Path) -> tuple[Path, Path, Path]:
    a, b, many = work / "a" / "model.ckpt-1", work / "b" / "model.ckpt-2", work / "many" / "model.ckpt-1"
    code = f"""
import numpy as np
from pathlib import Path
from benchmarks.bert import write_bert
from ckpt_browser.core.tf.tfimport import tf
a, b, many = Path({str(a)!r}), Path({str(b)!r}), Path({str(many)!r})
if not Path(str(a) + ".index").exists():
    write_bert(a, seed=0)
    write_bert(b, seed=0, perturb=1e-3)
if not Path(str(many) + ".index").exists():
    t = tf(); N = 100_000
    names = [f"block_{{i // 1000}}/layer_{{i % 1000 // 10}}/w_{{i % 10}}" for i in range(N)]
    many.parent.mkdir(parents=True, exist_ok=True)
    t.raw_ops.SaveV2(prefix=str(many), tensor_names=names, shape_and_slices=[""] * N,
                     tensors=[t.constant(np.float32(i)) for i in range(N)])
"""
    subprocess.run([python(), "-c", code], check=True, cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return a, b, many


def ls_against_inspect(prefix: Path, label: str) -> None:
    ours_t, ours_m = median_of(cli("ls", str(prefix)))
    tf_t, tf_m = median_of([python(), *INSPECT, str(prefix)])
    print(
        f"ls of {label}: ckpt-browser {ours_t:.2f} s, {ours_m:.0f} MiB | inspect_checkpoint {tf_t:.2f} s, "
        f"{tf_m:.0f} MiB | {tf_t / ours_t:.1f}x faster"
    )


def gui_open(paths: list[Path]) -> None:
    bare_t, bare_m = probe([python(), "benchmarks/gui_probe.py", "--bare"])
    print(
        f"GUI, process start to a bare PySide6 + pyqtgraph window with a tree painted: {bare_t:.2f} s, {bare_m:.0f} MiB"
    )
    for p in paths:
        t, m = probe([python(), "benchmarks/gui_probe.py", str(p)])
        print(f"GUI, process start to a populated variable tree, {p.parent.name}/{p.name}: {t:.2f} s, {m:.0f} MiB "
              f"({t / bare_t:.2f}x the bare window)")  # fmt: skip


def page_cache_numpy(path: Path, offset: int, count: int) -> float:
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        np.fromfile(path, np.float32, count=count, offset=offset)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "ckpt-bench-native"
    a, b, many = write_fixtures(work)
    index_bytes = Path(str(a) + ".index").stat().st_size
    print(f"BERT-base-sized checkpoint: {size_of(a) / 1e9:.2f} GB, index {index_bytes:,} bytes")
    print(f"100,000-variable checkpoint: index {Path(str(many) + '.index').stat().st_size / 1e6:.1f} MB")

    ls_against_inspect(a, "the BERT-sized checkpoint (438 variables)")
    ls_against_inspect(many, "the 100,000-variable checkpoint")
    gui_open([ROOT / "tests" / "data" / "estimator" / "iris", a, many])

    from ckpt_browser.core.formats.bundle import BundleReader
    from ckpt_browser.core.model_dir.scan import scan_model_dir
    from ckpt_browser.core.values.diff import diff_checkpoints
    from ckpt_browser.core.values.verify import verify_model_dir

    reader = BundleReader(a)
    name = "bert/embeddings/word_embeddings"
    entry = reader.entry_info(name)
    data = reader.shard_path(entry.shard)
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        reader.read(name)
        times.append(time.perf_counter() - t0)
    ours = statistics.median(times)
    ref = page_cache_numpy(data, entry.offset, entry.size // 4)
    print(f"read the [30522, 768] embedding with its crc32c: {ours * 1e3:.0f} ms | numpy.fromfile of the same bytes "
          f"(page cache) {ref * 1e3:.0f} ms | ratio {ours / ref:.2f} (target <= 1.3)")  # fmt: skip

    def read_all(prefix: Path) -> None:
        for f in prefix.parent.glob(prefix.name + ".data-*"):
            np.fromfile(f, np.uint8)

    t0 = time.perf_counter()
    read_all(a)
    read_all(b)
    t_read_both = time.perf_counter() - t0
    ra, rb = BundleReader(a), BundleReader(b)
    t0 = time.perf_counter()
    for v in ra.variables():
        ra.read(v.name)
        rb.read(v.name)
    t_ours_both = time.perf_counter() - t0
    base = rss_mb()
    t0 = time.perf_counter()
    with PeakRSS() as peak:
        result = diff_checkpoints(a, b)
    t_diff = time.perf_counter() - t0
    print(f"diff of two {size_of(a) / 1e9:.2f} GB checkpoints: {t_diff:.2f} s | reading both with numpy.fromfile "
          f"{t_read_both:.2f} s: ratio {t_diff / t_read_both:.2f} (target <= 1.5) | reading every tensor of both with "
          f"our reader {t_ours_both:.2f} s: ratio {t_diff / t_ours_both:.2f}; {result.counts()['changed']} changed; "
          f"memory +{peak.peak - base:.0f} MB = {(peak.peak - base) / (size_of(a) / 1e6):.0%} of one checkpoint "
          f"(target <= 25%)")  # fmt: skip

    t0 = time.perf_counter()
    read_all(a)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    with open(Path(str(a) + ".data-00000-of-00001"), "rb", buffering=0) as f:  # the floor: 8 MiB reads
        buf = bytearray(8 << 20)
        while f.readinto(buf):
            pass
    t_floor = time.perf_counter() - t0
    report = verify_model_dir(scan_model_dir(a.parent))
    print(f"verify of the {size_of(a) / 1e9:.2f} GB checkpoint: {report.seconds:.2f} s, "
          f"{report.bytes / report.seconds / 1e9:.2f} GB/s | numpy.fromfile {t_read:.2f} s: ratio "
          f"{report.seconds / t_read:.2f} (target <= 1.5) | plain 8 MiB reads into one buffer {t_floor:.2f} s: ratio "
          f"{report.seconds / t_floor:.2f}; {report.count('ok')} ok")  # fmt: skip


if __name__ == "__main__":
    main()
