"""Issue 35's table: each measure beside its floor (benchmarks/floors.py: the least work that gives
the same answer, with the same checks) and its peer, in one run, as README.md shows it.

Run: .venv/bin/python benchmarks/bench_floors.py [WORKDIR] [--only ls,health,diff]
WORKDIR holds scale_fixtures.py's checkpoints, written once by TensorFlow (many1m: 25 MB;
health10: 0.9 GB; a/b: 2.6 GB). Whole processes, each row's commands alternated (A B C A B C
...), RUNS (BENCH_RUNS, default 5) of each: medians, the peak RSS the largest of the runs; the
ratio is ours over the floor's median. The load average is printed before and after.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import floors  # noqa: E402
from benchmarks._proc import cli, output_size, python  # noqa: E402
from benchmarks.bench_scale import ENV, INSPECT, alternated  # noqa: E402
from benchmarks.scale_fixtures import DEFAULT, write_all  # noqa: E402


def _s(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 0.1 else f"{seconds:.2f} s"


def _row(measure: str, target: str, ours, floor, peer=None, peer_name: str = "") -> str:
    text = f"| {measure} | {_s(ours[0])}, {ours[1]:.0f} MiB | {_s(floor[0])}, {floor[1]:.0f} MiB | "
    text += f"**{ours[0] / floor[0]:.2f}x** | "
    text += f"{peer_name} {peer[0]:.2f} s, {peer[1]:.0f} MiB: **{peer[0] / ours[0]:.1f}x faster** | " if peer else "| "
    return text + target + " |"


def ls_rows(p: dict, work: Path) -> list[str]:
    prefix = str(p["many1m"])
    floor = str(floors.write_script(work, "ls"))
    listing = work / "py_listing.py"
    listing.write_text(floors.PY_LISTING)
    text, json_ = output_size(cli("ls", prefix), ENV), output_size(cli("ls", "--json", prefix), ENV)
    ours, peer, floor_t, ours_j, floor_j, py = alternated(
        cli("ls", prefix), [python(), *INSPECT, prefix], [python(), floor, prefix, str(text)],
        cli("ls", "--json", prefix), [python(), floor, prefix, str(json_)], [python(), str(listing), prefix],
    )  # fmt: skip
    reference = (
        f"not a floor: a per-entry listing in Python (sstable.read_table), text, {py[0]:.2f} s, {py[1]:.0f} MiB: "
        f"ls {ours[0] / py[0]:.2f}x of it"
    )
    return [
        _row(f"ls, 1,000,000 variables (21 MB index; {text / 1e6:.0f} MB of text)",
             "≥ 10x inspect_checkpoint, ≤ 200 MiB", ours, floor_t, peer, "inspect_checkpoint"),
        _row(f"ls --json, the same ({json_ / 1e6:.0f} MB of JSON)", "≤ 2x the floor", ours_j, floor_j),
        f"| (ls) | | {reference} | | | |",
    ]  # fmt: skip


def health_row(p: dict, work: Path) -> list[str]:
    run = p["health10"].parent
    spec = str(floors.write_spec(work, "health", floors.health_spec(run)))
    ours, floor = alternated(cli("health", str(run), "--json", "--no-alpha"),
                             [python(), str(floors.write_script(work, "health")), spec])  # fmt: skip
    size = sum(f.stat().st_size for f in run.glob("*.data-*"))
    return [
        _row(
            f"health --no-alpha, 10 checkpoints of a 92 MB model ({size / 1e9:.2f} GB)", "≤ 1.5x the floor", ours, floor
        )
    ]


def diff_row(p: dict, work: Path) -> list[str]:
    a, b = p["a"], p["b"]
    spec = str(floors.write_spec(work, "diff", floors.diff_spec(a, b)))
    ours, floor = alternated(cli("diff", str(a), str(b)), [python(), str(floors.write_script(work, "diff")), spec])
    return [_row("diff of two 1.3 GB checkpoints", "≤ 1.5x the floor", ours, floor)]


def main() -> None:
    args = sys.argv[1:]
    only = args[args.index("--only") + 1].split(",") if "--only" in args else ["ls", "health", "diff"]
    if "--only" in args:
        del args[args.index("--only") : args.index("--only") + 2]
    work = Path(args[0]) if args else DEFAULT
    needs = {"ls": {"many1m"}, "health": {"health10"}, "diff": {"a", "b"}}
    p = write_all(work, set().union(*(needs[name] for name in only)))
    rows = {"ls": ls_rows, "health": health_row, "diff": diff_row}
    load0, t0 = os.getloadavg(), time.time()
    runs = os.environ.get("BENCH_RUNS", "5")
    load = " / ".join(f"{x:.1f}" for x in load0)
    print(f"issue 35: {runs} alternated runs of each command, whole processes, medians; {os.cpu_count()} cores; "
          f"load average {load} (1/5/15 min) at the start")  # fmt: skip
    lines = []
    with tempfile.TemporaryDirectory(prefix="ckpt-floors-") as scratch:
        for name in only:
            lines += rows[name](p, Path(scratch))
    load1 = os.getloadavg()
    print("| measure | ckpt-browser | floor, same run | vs floor | peer, same run | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(lines))
    print(f"load average {load1[0]:.1f} / {load1[1]:.1f} / {load1[2]:.1f} at the end, {time.time() - t0:.0f} s later")
    print("floors (benchmarks/floors.py):")
    for name in only:
        print(f"- {name}: {floors.FLOORS[name][0]}")


if __name__ == "__main__":
    main()
