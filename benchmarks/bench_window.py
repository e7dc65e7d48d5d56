"""The window's start-up against its floor (issues 21 and 23), whole processes, alternated in the
same run, medians of RUNS: `ckpt-browser --screenshot` (launch, the checkpoint listed, the tree
painted and saved, exit) against a bare PySide6 + pyqtgraph window (benchmarks/gui_probe.py
--bare; for 100,000 and 1,000,000 variables the bare window shows every name of the same index,
--bare PATH).

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
    for label, path, names in cases:
        floor_argv = [python(), "benchmarks/gui_probe.py", "--bare"] + ([str(path)] if names else [])
        ours, floor = alternated(env, [python(), "-m", "ckpt_browser", "--screenshot", shot, str(path)], floor_argv)
        what = "with a tree of every name of the index" if names else "with a small tree"
        ratio = ours[0] / floor[0]
        print(f"window, {label}: ckpt-browser {ours[0]:.2f} s, {ours[1]:.0f} MiB | bare PySide6 + pyqtgraph window "
              f"{what} {floor[0]:.2f} s, {floor[1]:.0f} MiB | {ratio:.2f}x (target <= {TARGETS[label]}x: "
              f"{'met' if ratio <= TARGETS[label] else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
