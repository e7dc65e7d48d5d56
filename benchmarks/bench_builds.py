"""The two desktop builds (make package, make package-lite): size, window start-up and `ls`, whole processes.

Window: `ckpt-browser --screenshot FILE iris` from launch to exit (the window opened, the model_dir
listed, the tree painted and saved), against a bare PySide6 + pyqtgraph window with a small tree
(benchmarks/gui_probe.py --bare) from launch to exit, alternated in the same run, medians of 5.
`ls`: `ckpt-browser-cli ls iris --json`. A build not in dist/ (or DIST=...) is skipped.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._proc import ROOT, python, run_measured  # noqa: E402

IRIS = ROOT / "tests" / "data" / "estimator" / "iris"
RUNS = 5
TARGET_MB, TARGET_RATIO = 250, 1.5  # the light build's targets (issue 21)


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def measure(app: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CKPT_BROWSER_CONFIG_DIR": tempfile.mkdtemp()}
    shot = Path(tempfile.mkdtemp()) / "shot.png"
    window, bare, peaks = [], [], []
    for _ in range(RUNS):  # alternated: the machine's load moves both alike
        t, peak, _ = run_measured([str(app / "ckpt-browser"), "--screenshot", str(shot), str(IRIS)], env)
        window.append(t)
        peaks.append(peak)
        bare.append(run_measured([python(), "benchmarks/gui_probe.py", "--bare"], env)[0])
    ls = [run_measured([str(app / "ckpt-browser-cli"), "ls", str(IRIS), "--json"], env)[0] for _ in range(RUNS)]
    has_tf = (app / "_internal" / "tensorflow").is_dir()
    w, b = statistics.median(window), statistics.median(bare)
    mb = size_mb(app)
    print(f"{app.name}: {mb:,.0f} MB ({'with' if has_tf else 'without'} TensorFlow)")
    print(f"  window, launch to the iris tree painted and saved: {w:.2f} s, {max(peaks):.0f} MiB peak")
    print(f"  bare PySide6 + pyqtgraph window, same run: {b:.2f} s: {w / b:.2f}x")
    print(f"  ls --json of iris: {statistics.median(ls):.2f} s")
    if not has_tf:
        ok = mb <= TARGET_MB and w / b <= TARGET_RATIO
        print(f"  targets: <= {TARGET_MB} MB, <= {TARGET_RATIO}x: {'met' if ok else 'NOT met'}")


def main() -> None:
    dist = Path(os.environ.get("DIST", ROOT / "dist"))
    built = [dist / name for name in ("ckpt-browser", "ckpt-browser-lite") if (dist / name / "ckpt-browser").is_file()]
    if not built:
        print(f"no desktop build in {dist} (make package, make package-lite): skipped")
        return
    for app in built:
        measure(app)


if __name__ == "__main__":
    main()
