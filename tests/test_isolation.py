"""Issue 30, the worker processes: they import only our code (a hostile h5py.py, numpy.py, ...
in the current folder never runs), the packaged app serves as its own worker, a bug in a worker is
one line (its traceback in the error log), and no worker outlives its parent, however it ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
KERAS = ROOT / "tests" / "data" / "keras" / "fuzz" / "model.weights.h5"  # written by Keras
# Each, if imported, leaves a marker file. sitecustomize/usercustomize: what `site` would import
# at start-up; ckpt_browser.py: in place of our own package.
HOSTILE = ("h5py", "numpy", "tensorflow", "ml_dtypes", "sitecustomize", "usercustomize", "ckpt_browser")


def hostile_folder(folder: Path, modules=HOSTILE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for m in modules:
        (folder / f"{m}.py").write_text(f"open({str(folder / ('RAN-' + m))!r}, 'w').write('ran')\n")
    return folder


def ran(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("RAN-*"))


def console_script(tmp_path: Path) -> Path:
    """What pip writes as the ckpt-browser command (sys.path[0] is its own folder, not the cwd),
    run by this interpreter on this source tree (PYTHONPATH, which the workers do not get)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "ckpt-browser"
    script.write_text("import sys\nfrom ckpt_browser.cli import main\nsys.exit(main())\n")
    return script


def run(argv: list[str], cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(argv, cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout)


def test_modules_in_the_current_folder_never_run_in_the_command_or_its_worker(tmp_path):
    """The console script from a folder holding every hostile module: nothing of theirs runs, in
    the command or in the HDF5 worker, and the answers are those of the API here."""
    import ckpt_browser as cb

    bad = hostile_folder(tmp_path / "bad")
    (bad / "model.weights.h5").write_bytes(KERAS.read_bytes())
    script = console_script(tmp_path)
    ls = run([sys.executable, str(script), "ls", "model.weights.h5", "--json"], bad)
    show = run([sys.executable, str(script), "show", "model.weights.h5", "hidden/kernel", "--json"], bad)
    assert ls.returncode == show.returncode == 0, (ls.stderr, show.stderr)
    assert ran(bad) == []
    here = cb.open(bad / "model.weights.h5")
    assert json.loads(ls.stdout)["variables"] == here.ls()["variables"]
    shown = json.loads(show.stdout)
    assert shown == here.selected.show("hidden/kernel")
    import h5py

    with h5py.File(KERAS) as f:  # Keras wrote it: hidden/kernel is layers/dense/vars/0
        np.testing.assert_array_equal(shown["values"], f["layers/dense/vars/0"][()])


def test_python_dash_m_keeps_the_workers_imports_ours(tmp_path):
    """`python -m ckpt_browser` puts the current folder first on the command's own path (Python's
    doing: a numpy.py there is the user's numpy); its workers still import nothing from there."""
    bad = hostile_folder(tmp_path / "bad", ("h5py", "tensorflow", "sitecustomize", "usercustomize"))
    (bad / "model.weights.h5").write_bytes(KERAS.read_bytes())
    out = run([sys.executable, "-m", "ckpt_browser", "ls", "model.weights.h5"], bad)
    assert out.returncode == 0 and "22 variables" in out.stdout, out.stderr
    assert ran(bad) == []


FROZEN_APPS = {
    # packaging/launcher.py, the PyInstaller build's entry script; the console script's cli.main
    "launcher": "import runpy; runpy.run_path({launcher!r}, run_name='__main__')",
    "console script": "from ckpt_browser.cli import main; sys.exit(main())",
}


@pytest.mark.parametrize("entry", FROZEN_APPS)
def test_the_packaged_app_serves_as_its_own_worker(tmp_path, monkeypatch, entry):
    """In the frozen build the worker is the app itself, started with --native-worker (no python
    -c there): the app's entry must answer it. A stand-in for the built app: this interpreter,
    isolated, running the entry script; the worker lists a Keras file from a hostile folder."""
    from ckpt_browser.core.formats import isolated
    from ckpt_browser.core.formats.keras_worker import scan

    body = FROZEN_APPS[entry].format(launcher=str(ROOT / "packaging" / "launcher.py"))
    app = tmp_path / "ckpt-browser"
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); sys.argv[0] = {str(app)!r}; {body}"
    app.write_text(f'#!/bin/sh\nexec {sys.executable} -I -c "{code}" "$@"\n')
    app.chmod(0o755)
    bad = hostile_folder(tmp_path / "bad")
    monkeypatch.chdir(bad)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app))
    worker = isolated.Worker("the HDF5 library")
    try:
        found = worker.call("ckpt_browser.core.formats.keras_worker:scan", str(KERAS), what=KERAS.name)
        assert worker._proc.args == [str(app), isolated.WORKER_ARG]
    finally:
        worker.close()
    assert [e.name for e in found["entries"]] == [e.name for e in scan(str(KERAS))["entries"]]
    assert ran(bad) == []


def test_a_bug_in_a_worker_is_one_line_and_its_traceback_is_in_the_log(tmp_path, monkeypatch):
    from ckpt_browser.core.formats import isolated

    monkeypatch.setenv("CKPT_BROWSER_CACHE_DIR", str(tmp_path))
    worker = isolated.Worker("the HDF5 library")
    try:
        with pytest.raises(isolated.WorkerBug) as bug:  # memory_limit() takes no argument: a TypeError there
            worker.call("ckpt_browser.core.formats.isolated:memory_limit", 1, what="x.h5")
    finally:
        worker.close()
    text = str(bug.value)
    assert len(text.splitlines()) == 1 and "Traceback" not in text, text
    assert text.startswith("the HDF5 library failed reading x.h5: TypeError: memory_limit() takes 0 positional")
    assert text.endswith(f"(details in {tmp_path / 'errors.log'})")
    logged = (tmp_path / "errors.log").read_text()
    assert "Traceback (most recent call last)" in logged and "memory_limit" in logged


# -- never outliving the parent -----------------------------------------------------------------


def slow_keras_file(path: Path) -> Path:
    """A Keras file of 70 KB whose hidden/bias takes HDF5 many seconds to read: a million
    one-element chunks, one in 1,024 stored (the rest fill values, which HDF5 makes one by one)."""
    import h5py

    path.write_bytes(KERAS.read_bytes())
    with h5py.File(path, "r+") as f:
        del f["layers/dense/vars/1"]
        f.create_dataset("layers/dense/vars/1", shape=(1 << 20,), dtype="f4", chunks=(1,))[::1024] = 1.0
    assert path.stat().st_size < 100_000
    return path


def _state(pid: int) -> str | None:
    """The process's state letter (R, S, Z, ...), None when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[0]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _busy(pid: int) -> int:
    """CPU ticks the process has used (utime + stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(os.readlink(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_a_worker_busy_in_hdf5_ends_within_two_seconds_of_its_parents_sigkill(tmp_path):
    """`show` on a file that keeps HDF5 busy; the command is SIGKILLed while its worker reads: the
    worker is gone (or a zombie: an orphan's reaper may not reap) within 2 s."""
    path = slow_keras_file(tmp_path / "slow.weights.h5")
    cli = subprocess.Popen(
        [sys.executable, "-m", "ckpt_browser", "show", str(path), "hidden/bias"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not workers and time.monotonic() < deadline:
            workers = _children(cli.pid)
            time.sleep(0.01)
        assert len(workers) == 1, "no worker started"
        worker = workers[0]
        # Busy in HDF5: the file open and running, seen again after a fifth of a second of CPU
        # (the listing takes less: this is the read, which takes HDF5 many seconds).
        first = None
        while time.monotonic() < deadline:
            if _has_open(worker, path) and _state(worker) == "R":
                first = _busy(worker) if first is None else first
                if _busy(worker) >= first + 20:
                    break
            time.sleep(0.01)
        assert cli.poll() is None and first is not None and _busy(worker) >= first + 20
        cli.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        while _state(worker) not in (None, "Z") and time.monotonic() < killed + 2:
            time.sleep(0.02)
        assert _state(worker) in (None, "Z"), f"the worker runs on {time.monotonic() - killed:.1f} s after"
    finally:
        cli.kill()
        cli.wait()
        for pid in workers:
            if _state(pid) not in (None, "Z"):
                os.kill(pid, signal.SIGKILL)


# -- time limits in proportion to the work --------------------------------------------------------


def test_a_small_file_that_keeps_hdf5_busy_is_stopped_in_seconds(tmp_path):
    """70 KB whose read takes HDF5 half a minute: stopped after 3 s (the limit of 4 MB of work),
    not the 60 s every call had; one line saying the library looped on it."""
    path = slow_keras_file(tmp_path / "slow.weights.h5")
    start = time.monotonic()
    out = run([sys.executable, "-m", "ckpt_browser", "show", str(path), "hidden/bias"], ROOT)
    took = time.monotonic() - start
    assert out.returncode == 2 and out.stderr.splitlines() == [
        "ckpt-browser show: the HDF5 library looped on hidden/bias in slow.weights.h5: stopped after 3 s"
    ], out.stderr
    assert took < 15, took


def test_the_limit_grows_with_the_bytes_asked_for_up_to_the_ceiling(monkeypatch):
    from ckpt_browser.core.formats import isolated

    monkeypatch.delenv("CKPT_BROWSER_NATIVE_TIMEOUT", raising=False)
    assert isolated.limit(20_000) == pytest.approx(3.0, abs=0.01)
    assert isolated.limit(500_000_000) == pytest.approx(28.0)  # 500 MB at 20 MB/s, plus 3 s
    assert isolated.limit(500_000_000, isolated.LIST_RATE) == pytest.approx(53.0)  # metadata: slower
    assert isolated.limit(50_000_000_000) == isolated.limit(None) == 60.0
    monkeypatch.setenv("CKPT_BROWSER_NATIVE_TIMEOUT", "5")
    assert isolated.limit(500_000_000) == isolated.limit(None) == 5.0
