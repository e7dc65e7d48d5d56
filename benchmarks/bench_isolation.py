"""Issue 25: what running HDF5 in a worker process costs. Whole processes (`ls`, `show`, `verify` of
a .keras file written by Keras 3), the worker against CKPT_BROWSER_IN_PROCESS=1 (h5py in the
app's own process, as before), alternated in the same run, medians of 5; then reads of one
variable after another inside one process, where the worker is warm.

Run: .venv/bin/python benchmarks/bench_isolation.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._proc import ROOT, cli, python, run_measured  # noqa: E402

MODEL = ROOT / "tests" / "data" / "keras" / "fuzz" / "model.keras"
RUNS = 5


def whole_processes() -> None:
    commands = {
        "ls": cli("ls", str(MODEL)),
        "show": cli("show", str(MODEL), "hidden/kernel"),
        "verify": cli("verify", str(MODEL)),
    }
    worker_env = {k: v for k, v in os.environ.items() if k != "CKPT_BROWSER_IN_PROCESS"}
    inproc_env = {**worker_env, "CKPT_BROWSER_IN_PROCESS": "1"}
    for label, argv in commands.items():
        times: dict[str, list[float]] = {"worker": [], "in process": []}
        for _ in range(RUNS):  # alternated: the machine's load falls on both alike
            times["worker"].append(run_measured(argv, worker_env)[0])
            times["in process"].append(run_measured(argv, inproc_env)[0])
        w, i = statistics.median(times["worker"]), statistics.median(times["in process"])
        print(f"{label} model.keras: worker {w:.2f} s | in process {i:.2f} s | cost {w - i:+.2f} s ({w / i:.2f}x)")


READS = """
import os, sys, time
from ckpt_browser.core.formats.keras import KerasFile
t0 = time.perf_counter(); f = KerasFile(sys.argv[1]); opened = time.perf_counter() - t0
names = [v.name for v in f.variables()]
t0 = time.perf_counter()
for _ in range(10):
    for n in names:
        f.read(n)
per = (time.perf_counter() - t0) / (10 * len(names))
print(f"{opened:.4f} {per * 1e3:.3f}")
"""


def reads_in_one_process() -> None:
    out: dict[str, list[tuple[float, float]]] = {"worker": [], "in process": []}
    for _ in range(RUNS):
        for label, extra in (("worker", {}), ("in process", {"CKPT_BROWSER_IN_PROCESS": "1"})):
            env = {**{k: v for k, v in os.environ.items() if k != "CKPT_BROWSER_IN_PROCESS"}, **extra}
            r = subprocess.run([python(), "-c", READS, str(MODEL)], capture_output=True, text=True, env=env, cwd=ROOT)
            opened, per = (float(x) for x in r.stdout.split())
            out[label].append((opened, per))
    w_open = statistics.median(o for o, _ in out["worker"])
    i_open = statistics.median(o for o, _ in out["in process"])
    w_read = statistics.median(p for _, p in out["worker"])
    i_read = statistics.median(p for _, p in out["in process"])
    print(f"open model.keras (the worker starts): worker {w_open:.3f} s | in process {i_open:.3f} s")
    print(f"read one variable, warm: worker {w_read:.2f} ms | in process {i_read:.2f} ms")


if __name__ == "__main__":
    t = time.perf_counter()
    whole_processes()
    reads_in_one_process()
    print(f"({time.perf_counter() - t:.0f} s)")
