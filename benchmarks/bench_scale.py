"""Issue 23 figures: each target beside its peer, whole processes, alternated, medians of RUNS.

Run: .venv/bin/python benchmarks/bench_scale.py [WORKDIR] [--only verify,diff]   (the checkpoints of
scale_fixtures.py, written once by TensorFlow, ~17 GB; --only: just those rows of ls, verify, diff,
stats, dask). BENCH_RUNS (default 5), BENCH_DASK=0 to skip the cluster part.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import floors  # noqa: E402
from benchmarks._proc import ROOT, cli, output_size, python, run_measured  # noqa: E402
from benchmarks.scale_fixtures import DEFAULT, write_all  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
INSPECT = ["-m", "tensorflow.python.tools.inspect_checkpoint", "--file_name"]
# Bytecode cached as an installed package has it: with PYTHONDONTWRITEBYTECODE set (as in some
# shells here) every run of ours compiled ckpt_browser's modules from source, ~70 ms of `ls`.
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "TF_CPP_MIN_LOG_LEVEL": "3"}


def alternated(*commands: list[str], before=None) -> list[tuple[float, float]]:
    """(median seconds, max peak MiB) of each command, run in turn RUNS times; before() runs
    ahead of each run, untimed (to give every command the same page cache)."""
    runs: list[list[tuple[float, float, int]]] = [[] for _ in commands]
    for _ in range(RUNS):
        for i, argv in enumerate(commands):
            if before is not None:
                before()
            runs[i].append(run_measured(argv, ENV))
    return [(statistics.median(r[0] for r in rs), max(r[1] for r in rs)) for rs in runs]


def snippet(code: str) -> list[str]:
    return [python(), "-c", code]


CRC_FLOOR = """
import glob, os, sys, crc32c
from concurrent.futures import ThreadPoolExecutor
def one(path):
    buf = bytearray(8 << 20); crc = 0
    with open(path, "rb", buffering=0) as f:
        while (n := f.readinto(buf)):
            crc = crc32c.crc32c(memoryview(buf)[:n], crc)
with ThreadPoolExecutor(os.cpu_count()) as pool:
    list(pool.map(one, sorted(glob.glob(sys.argv[1] + ".data-*"))))
"""


def ls_rows(p: dict) -> None:
    with tempfile.TemporaryDirectory() as work:
        script = str(floors.write_script(Path(work), "ls"))
        for key, label in (("many1m", "1,000,000"), ("many100k", "100,000")):
            prefix = str(p[key])
            size = str(output_size(cli("ls", prefix), ENV))
            ours, peer, floor = alternated(
                cli("ls", prefix), [python(), *INSPECT, prefix], [python(), script, prefix, size]
            )
            print(f"ls {label} variables: ckpt-browser {ours[0]:.2f} s, {ours[1]:.0f} MiB | inspect_checkpoint "
                  f"{peer[0]:.2f} s, {peer[1]:.0f} MiB | {peer[0] / ours[0]:.1f}x faster (>= 10x; 1M: <= 200 MiB) "
                  f"| floor {floor[0]:.2f} s, {floor[1]:.0f} MiB: {ours[0] / floor[0]:.2f}x")  # fmt: skip
        prefix = str(p["many1m"])
        size = str(output_size(cli("ls", "--json", prefix), ENV))
        ours, floor = alternated(cli("ls", "--json", prefix), [python(), script, prefix, size])
        print(f"ls --json 1,000,000 variables: {ours[0]:.2f} s, {ours[1]:.0f} MiB | floor {floor[0]:.2f} s, "
              f"{floor[1]:.0f} MiB: {ours[0] / floor[0]:.2f}x (target <= 2x)")  # fmt: skip
    print(f"  floor: {floors.FLOORS['ls'][0]}")


def _shards(prefix: str) -> list[Path]:
    return sorted(Path(prefix).parent.glob(Path(prefix).name + ".data-*"))


def evict(prefix: str) -> None:
    """Drop the data files' pages from the page cache (only theirs): the next read is from disk."""
    for path in _shards(prefix):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def warm(prefix: str) -> None:
    """Read the data files once, so the timed run finds what the page cache can hold of them."""
    buf = bytearray(8 << 20)
    for path in _shards(prefix):
        with open(path, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass


def verify_row(p: dict) -> None:
    """verify against the crc32c floor (same reads: 8 MiB read() calls, a thread per core), from
    the same page cache: warmed by reading the files just before each run, and evicted before each."""
    prefix = str(p["shards8"])
    size = sum(f.stat().st_size for f in _shards(prefix))
    for state, before in (("warm", lambda: warm(prefix)), ("cold", lambda: evict(prefix))):
        ours, floor = alternated(cli("verify", prefix), snippet(CRC_FLOOR) + [prefix], before=before)
        print(f"verify {size / 1e9:.1f} GB in 8 shards, page cache {state}: ckpt-browser {ours[0]:.2f} s "
              f"({size / ours[0] / 1e9:.2f} GB/s) | crc32c of 8 MiB reads on {os.cpu_count()} threads "
              f"{floor[0]:.2f} s ({size / floor[0] / 1e9:.2f} GB/s) | {floor[0] / ours[0]:.2f}x the floor's "
              "throughput (target >= 0.9)")  # fmt: skip


def diff_row(p: dict) -> None:
    a, b = str(p["a"]), str(p["b"])
    with tempfile.TemporaryDirectory() as work:
        spec = str(floors.write_spec(Path(work), "diff", floors.diff_spec(p["a"], p["b"])))
        script = str(floors.write_script(Path(work), "diff"))
        ours, floor = alternated(cli("diff", a, b), [python(), script, spec])
    print(f"diff of two 1.3 GB checkpoints: ckpt-browser {ours[0]:.2f} s, {ours[1]:.0f} MiB | floor {floor[0]:.2f} s, "
          f"{floor[1]:.0f} MiB | {ours[0] / floor[0]:.2f}x (target <= 1.5)")  # fmt: skip
    print(f"  floor: {floors.FLOORS['diff'][0]}")


def stats_row(p: dict) -> None:
    t, mib, _ = run_measured(cli("show", str(p["huge"]), "embedding/table"), ENV)
    print(f"stats of a 4 GiB float32 tensor (show): {t:.1f} s, peak {mib:.0f} MiB (target <= 300 MiB)")


def _moto_process() -> tuple[subprocess.Popen, str]:
    """moto's S3 server as a process of its own (in this process its GIL capped reads at ~13 MB/s)."""
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [python(), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("moto's server did not start")


def dask_rows(p: dict) -> None:
    """verify of a bucket checkpoint (moto's S3 server, a process of its own on loopback) here and
    on LocalClusters of 1, 2 and 4 worker processes, alternated in the same run."""
    import logging
    from contextlib import ExitStack

    import s3fs
    from distributed import LocalCluster

    from tests.remote.wire import s3_env

    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # clusters closing log their comms' ends
    server, endpoint = _moto_process()
    os.environ.update(s3_env(endpoint))  # before the clusters start: their workers inherit it
    ENV.update(os.environ)
    try:
        fs = s3fs.S3FileSystem()
        fs.mkdir("bench")
        fs.put(str(Path(p["bucket"]).parent), "bench/bucket", recursive=True)
        url = "s3://bench/bucket/model.ckpt-1"
        size = sum(f.stat().st_size for f in _shards(str(p["bucket"])))
        with ExitStack() as stack:
            clusters = [
                stack.enter_context(
                    LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
                )
                for n in (1, 2, 4)
            ]  # fmt: skip
            local, *on = alternated(
                cli("verify", url), *(cli("verify", url, "--dask", c.scheduler_address) for c in clusters)
            )
        print(f"verify of a {size / 1e9:.2f} GB bucket checkpoint in 16 shards (moto's server, its own process), "
              f"here: {local[0]:.2f} s ({size / local[0] / 1e6:.0f} MB/s)")  # fmt: skip
        for n, (t, _) in zip((1, 2, 4), on):
            print(f"  on a LocalCluster of {n} worker process(es): {t:.2f} s ({size / t / 1e6:.0f} MB/s, "
                  f"{local[0] / t:.2f}x here's)")  # fmt: skip
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    args = sys.argv[1:]
    only = args[args.index("--only") + 1].split(",") if "--only" in args else None
    if only is not None:
        del args[args.index("--only") : args.index("--only") + 2]
    work = Path(args[0]) if args else DEFAULT
    rows = {"ls": ls_rows, "verify": verify_row, "diff": diff_row, "stats": stats_row}
    if os.environ.get("BENCH_DASK", "1") != "0":
        rows["dask"] = dask_rows
    rows = {name: row for name, row in rows.items() if only is None or name in only}
    needs = {
        "ls": {"many1m", "many100k"},
        "verify": {"shards8"},
        "diff": {"a", "b"},
        "stats": {"huge"},
        "dask": {"bucket"},
    }
    p = write_all(work, set().union(*(needs[name] for name in rows)))
    subprocess.run([python(), "-c", "pass"], cwd=ROOT, check=True)
    print(f"issue 23, {RUNS} alternated runs each ({work}, {os.cpu_count()} cores)")
    for row in rows.values():
        row(p)
    print("window at 1M / iris / 100k against the bare window: benchmarks/bench_window.py (gui_probe.py)")


if __name__ == "__main__":
    tempfile.tempdir = tempfile.gettempdir()
    main()
