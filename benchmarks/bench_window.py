"""The window's start-up against its floor (issues 21 and 23), whole processes, alternated in the
same run, medians of RUNS: `ckpt-browser --screenshot` (launch, the checkpoint listed, the tree
painted and saved, exit) against a bare PySide6 + pyqtgraph window (benchmarks/gui_probe.py
--bare; for 100,000 and 1,000,000 variables the bare window shows every name of the same index,
--bare PATH; the small one is given too).

Run: .venv/bin/python benchmarks/bench_window.py [WORKDIR]   (the many-variable checkpoints of
scale_fixtures.py, written once by TensorFlow). BENCH_RUNS (default 5).
"""

from __future__ import annotations

import compileall
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._proc import ROOT, python, run_measured  # noqa: E402
from benchmarks.scale_fixtures import DEFAULT, paths, write_many  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TARGETS = {"iris": 1.5, "100,000 variables": 1.5, "1,000,000 variables": 2.0}  # issues 21, 23


def alternated(env: dict, *commands: list[str]) -> list[tuple[float, float]]:
    """(median seconds, max peak MiB) of each command, run in turn RUNS times."""
    runs: list[list[tuple[float, float, int]]] = [[] for _ in commands]
    for _ in range(RUNS):
        for i, argv in enumerate(commands):
            runs[i].append(run_measured(argv, env))
    return [(statistics.median(r[0] for r in rs), max(r[1] for r in rs)) for rs in runs]


def main() -> None:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    p = paths(work)
    for key, n in (("many100k", 100_000), ("many1m", 1_000_000)):
        if not Path(str(p[key]) + ".index").exists():
            write_many(p[key], n)
    # An installed package has its bytecode compiled (pip does it): so does this checkout, else
    # every run would compile the app's modules again where PYTHONDONTWRITEBYTECODE is set.
    compileall.compile_dir(str(ROOT / "ckpt_browser"), quiet=1)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CKPT_BROWSER_CONFIG_DIR": tempfile.mkdtemp()}
    shot = str(Path(tempfile.mkdtemp()) / "shot.png")
    print(f"window start-up, {RUNS} alternated runs each ({os.cpu_count()} cores)")
    cases = [("iris", ROOT / "tests" / "data" / "estimator" / "iris", False)]
    cases += [("100,000 variables", p["many100k"].parent, True), ("1,000,000 variables", p["many1m"].parent, True)]
    small = [python(), "benchmarks/gui_probe.py", "--bare"]
    for label, path, names in cases:
        ours_argv = [python(), "-m", "ckpt_browser", "--screenshot", shot, str(path)]
        if not names:
            ours, floor = alternated(env, ours_argv, small)
            print(f"window, {label}: ckpt-browser {ours[0]:.2f} s, {ours[1]:.0f} MiB | bare PySide6 + pyqtgraph window "
                  f"with a small tree {floor[0]:.2f} s, {floor[1]:.0f} MiB | {ours[0] / floor[0]:.2f}x "
                  f"(target <= {TARGETS[label]}x)")  # fmt: skip
            continue
        ours, floor, bare = alternated(env, ours_argv, [*small, str(path)], small)
        print(f"window, {label}: ckpt-browser {ours[0]:.2f} s, {ours[1]:.0f} MiB | the bare window with a tree of "
              f"every name of the index {floor[0]:.2f} s, {floor[1]:.0f} MiB: {ours[0] / floor[0]:.2f}x "
              f"(target <= {TARGETS[label]}x) | with a small tree {bare[0]:.2f} s: "
              f"{ours[0] / bare[0]:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
