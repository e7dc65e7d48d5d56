"""Past one machine (issue 35): `verify` of a checkpoint served over HTTP, here and on Dask
LocalClusters of 1..4 worker processes, and `health --no-alpha` of a 10-checkpoint model_dir the
same way. Throughput per worker, and the CPU each party spent: where and why it stops scaling
(docs/scaling.md has a run and its reading).

Run: .venv/bin/python benchmarks/bench_cluster.py [WORKDIR] [--workers 1,2,3,4] [--health]
WORKDIR: scale_fixtures.py's checkpoints (shards8: 8.6 GB in 8 shards; health10). The server is
benchmarks/range_server.py (ranged GETs by sendfile from the page cache), a process of its own;
the data files are read once first, so every run finds them in memory. Commands alternated
(here, 1 worker, 2, ... then again), BENCH_RUNS (default 3) of each, medians. CPU seconds:
the command's process (rusage), the workers' and the server's (/proc/PID/stat), and this process's
(the clusters' schedulers and nannies run here) over the run.
"""

from __future__ import annotations

import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._proc import ROOT, cli, python  # noqa: E402
from benchmarks.bench_scale import warm  # noqa: E402
from benchmarks.scale_fixtures import DEFAULT, write_all  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start_server(root: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([python(), str(ROOT / "benchmarks" / "range_server.py"), str(root), str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    assert server.stdout is not None and server.stdout.readline().strip() == b"ready"
    return server, f"http://127.0.0.1:{port}"


def timed(argv: list[str], watch: list[int]) -> tuple[float, float, float, float]:
    """(wall s, the command's CPU s, CPU s of the watched processes, this process's CPU s)."""
    before = [cpu_of(p) for p in watch]
    own = time.process_time()
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{argv[3:6]} failed: {proc.stderr.read().decode()[-400:] if proc.stderr else ''}")
    watched = sum(cpu_of(p) for p in watch) - sum(before)
    return wall, usage.ru_utime + usage.ru_stime, watched, time.process_time() - own


def measure(label: str, args: list[str], size: int, workers: list[int], clusters: dict, server_pid: int) -> None:
    """One table: here, then each cluster; alternated RUNS times; medians."""
    from distributed import Client

    pids = {}
    for n, cluster in clusters.items():
        with Client(cluster.scheduler_address) as client:
            pids[n] = list(client.run(os.getpid).values())
    configs = [0, *workers]
    runs: dict[int, list[tuple[float, float, float, float, float]]] = {n: [] for n in configs}
    for _ in range(RUNS):
        for n in configs:
            argv = cli(*args) if n == 0 else cli(*args, "--dask", clusters[n].scheduler_address)
            before_server = cpu_of(server_pid)
            wall, own, on_workers, scheduler = timed(argv, pids.get(n, []))
            runs[n].append((wall, own, on_workers, cpu_of(server_pid) - before_server, scheduler))
    here = statistics.median(r[0] for r in runs[0])
    print(f"\n{label}: {size / 1e9:.2f} GB, medians of {RUNS}")
    print("| where | time | throughput | per worker | vs here | CPU s: command / workers / server / this process |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n in configs:
        med = [statistics.median(r[i] for r in runs[n]) for i in range(5)]
        where = "here (one process, every core)" if n == 0 else f"{n} worker process{'es' if n > 1 else ''}"
        rate = size / med[0] / 1e6
        per = f"{rate / n:.0f} MB/s" if n else ""
        print(f"| {where} | {med[0]:.2f} s | {rate:.0f} MB/s | {per} | {here / med[0]:.2f}x | "
              f"{med[1]:.1f} / {med[2]:.1f} / {med[3]:.1f} / {med[4]:.1f} |")  # fmt: skip


def main() -> None:
    args = sys.argv[1:]
    workers = [1, 2, 3, 4]
    if "--workers" in args:
        i = args.index("--workers")
        workers = [int(x) for x in args[i + 1].split(",")]
        del args[i : i + 2]
    with_health = "--health" in args
    args = [a for a in args if a != "--health"]
    work = Path(args[0]) if args else DEFAULT
    p = write_all(work, {"shards8", "health10"} if with_health else {"shards8"})
    shards = sorted(p["shards8"].parent.glob("model.ckpt-1.data-*"))
    size = sum(f.stat().st_size for f in shards)
    warm(str(p["shards8"]))
    load0 = os.getloadavg()
    print(f"issue 35, past one machine: {os.cpu_count()} cores, load average {load0[0]:.1f} / {load0[1]:.1f} / "
          f"{load0[2]:.1f} at the start")  # fmt: skip
    from distributed import LocalCluster

    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    server, base = start_server(work)
    try:
        with ExitStack() as stack:
            clusters = {
                n: stack.enter_context(
                    LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0")
                )
                for n in workers
            }
            url = f"{base}/{p['shards8'].parent.name}/model.ckpt-1"
            measure(f"verify {url} (8 shards)", ["verify", url], size, workers, clusters, server.pid)
            if with_health:
                run = p["health10"].parent
                hsize = sum(f.stat().st_size for f in run.glob("*.data-*"))
                for ckpt in sorted(run.glob("*.index")):
                    warm(str(ckpt)[: -len(".index")])
                measure(f"health --no-alpha {base}/{run.name} (10 checkpoints)",
                        ["health", f"{base}/{run.name}", "--json", "--no-alpha"], hsize, workers, clusters,
                        server.pid)  # fmt: skip
    finally:
        server.terminate()
        server.wait()
    load1 = os.getloadavg()
    print(f"load average {load1[0]:.1f} / {load1[1]:.1f} / {load1[2]:.1f} at the end")


if __name__ == "__main__":
    main()
