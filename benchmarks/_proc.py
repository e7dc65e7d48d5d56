"""Whole-process measurements: wall time and peak RSS of a command, medians over runs."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_measured(argv: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of one run of argv, output discarded."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{argv[:4]} exited {proc.returncode}: {err[-500:]}")
    return wall, usage.ru_maxrss / 1024, proc.returncode


def output_size(argv: list[str], env: dict | None = None) -> int:
    """Bytes argv writes to stdout (one untimed run of ours: the size the ls floor writes)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    assert proc.stdout is not None
    size = 0
    while chunk := proc.stdout.read(1 << 20):
        size += len(chunk)
    if proc.wait() != 0:
        raise RuntimeError(f"{argv[:4]} exited {proc.returncode}")
    return size


def probe(argv: list[str], n: int = 3) -> tuple[float, float]:
    """(median seconds the program itself reports since its launch, peak RSS MiB)."""
    seconds, peaks = [], []
    for _ in range(n):
        env = {**os.environ, "CKPT_PROBE_T0": repr(time.time())}
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        out = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not out.strip():
            raise RuntimeError(f"{argv} failed")
        seconds.append(float(out.split()[-1]))
        peaks.append(usage.ru_maxrss / 1024)
    return statistics.median(seconds), max(peaks)


def median_of(argv: list[str], n: int = 3, env: dict | None = None) -> tuple[float, float]:
    runs = [run_measured(argv, env) for _ in range(n)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def python() -> str:
    return sys.executable


def cli(*args: str) -> list[str]:
    return [python(), "-m", "ckpt_browser", *args]
