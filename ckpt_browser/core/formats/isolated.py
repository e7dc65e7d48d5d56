"""Native parsers in a worker process of their own: HDF5 (h5py) and TensorFlow's checkpoint reader.

Both are C/C++ libraries that a damaged file can crash (SIGSEGV in HDF5, SIGABRT in TensorFlow's
reader), send into a loop, or make allocate terabytes. In our process that would kill the window or
hang it, and nothing the Python code does can stop it. So they run in a child process with a
memory limit, every call under a time limit: a crash or a hang costs the child, not the app, and
becomes one line naming the file. The child is started on first use and kept (warm): browsing a
Keras file pays the process hop per call, not a start-up (make bench: benchmarks/bench_isolation.py).

Calls name a module-level function ("package.module:function") run in the child with picklable
arguments; its value, or its CheckpointError, comes back. Set CKPT_BROWSER_IN_PROCESS=1 to run
them in this process instead (for the benchmark's comparison and for debugging).
"""

from __future__ import annotations

import importlib
import os
import pickle
import queue
import signal
import sys
import threading
import traceback
from typing import Any

from ckpt_browser.core.base.errors import CheckpointError

TIMEOUT_S = 60.0  # the most any call may take (CKPT_BROWSER_NATIVE_TIMEOUT sets it)
START_TIMEOUT_S = 120.0  # a fresh worker's imports (TensorFlow: seconds), before its first call
# A call's own limit grows with the bytes it works on: a listing or a read of a few KB answers in
# milliseconds, so one that has not answered in BASE_S has the library looping (a damaged file can
# cost HDF5 minutes on 30 KB); each byte adds time at the slowest rate a sound file is read at
# (a listing's bytes are metadata, parsed object by object: a slower rate).
BASE_S = 3.0
READ_RATE = 20e6  # bytes a second (a network file system, a busy disk)
LIST_RATE = 10e6
WORKER_ARG = "--native-worker"  # how the packaged app is asked to serve as a worker (child.FROZEN_CHILDREN)


def _env_float(name: str, default: float) -> float:
    try:
        return max(1.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


def ceiling() -> float:
    """The most a call may take: CKPT_BROWSER_NATIVE_TIMEOUT seconds, else TIMEOUT_S."""
    return _env_float("CKPT_BROWSER_NATIVE_TIMEOUT", TIMEOUT_S)


def limit(nbytes: int | None, rate: float = READ_RATE) -> float:
    """The time limit of a call that works on nbytes (None: unknown, the ceiling): BASE_S plus
    nbytes at rate, at most the ceiling."""
    if nbytes is None:
        return ceiling()
    return min(ceiling(), BASE_S + max(0, nbytes) / rate)


def memory_limit() -> int:
    """Bytes of address space the worker may use: CKPT_BROWSER_NATIVE_MEMORY_GB, else 3/4 of the
    machine's memory (at least 4 GiB: the libraries map much more than they touch)."""
    gib = os.environ.get("CKPT_BROWSER_NATIVE_MEMORY_GB")
    if gib:
        try:
            return int(float(gib) * (1 << 30))
        except ValueError:
            pass
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        total = 16 << 30
    return max(4 << 30, total * 3 // 4)


def imported(module: str) -> bool:
    """Run in a fresh worker before its first call: the call's module imported, and its library
    (the module's warm(), for one it imports only when called: TensorFlow)."""
    try:
        warm = getattr(importlib.import_module(module), "warm", None)
        if warm is not None:
            warm()
    except (ImportError, CheckpointError):  # the call will say what is missing
        return False
    return True


class WorkerBug(RuntimeError):
    """An exception in the worker that is no CheckpointError: a bug of ours. Its message is one
    line (what failed, and where its traceback was written: the error log); ``details`` holds
    the worker's traceback."""

    def __init__(self, library: str, what: str, details: str) -> None:
        from ckpt_browser.core.storage.cache import write_error_log

        self.details = details
        first = (details.strip().splitlines() or ["no details"])[0][:300]
        where = write_error_log(f"{library}, reading {what}:\n{details}")
        super().__init__(f"{library} failed reading {what}: {first}" + (f" (details in {where})" if where else ""))


def main() -> None:
    """The worker: (function, args) frames in on stdin, ("ok", value) / ("error", class, text) /
    ("bug", text) frames out on the original stdout; anything the libraries print goes to stderr."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the replies
    inp = sys.stdin.buffer
    try:
        import resource

        limit = memory_limit()
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, ValueError, OSError):  # Windows, or a hard limit below ours: keep it
        pass
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the parent's to handle
    except ValueError:
        pass
    for module in filter(None, os.environ.get("CKPT_BROWSER_WORKER_PRELOAD", "").split(",")):
        if module in ("h5py", "tensorstore") or module.startswith("ckpt_browser."):
            try:
                importlib.import_module(module)
            except ImportError:  # the call that needs it will say so
                pass
    while True:
        request = _read_frame(inp)
        if request is None:
            return  # the parent is gone
        func, args = pickle.loads(request)
        _write_frame(out, pickle.dumps(_run(func, args), protocol=pickle.HIGHEST_PROTOCOL))


def _read_frame(stream) -> bytes | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    size = int.from_bytes(head, "little")
    data = stream.read(size)
    return data if len(data) == size else None


def _write_frame(stream, data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)
    stream.flush()


def _run(func: str, args: tuple) -> tuple:
    try:
        module, _, name = func.partition(":")
        if not module.startswith("ckpt_browser."):
            raise ValueError(f"not a function of ours: {func}")
        return ("ok", getattr(importlib.import_module(module), name)(*args))
    except CheckpointError as exc:
        return ("error", type(exc).__name__, str(exc))
    except MemoryError:
        return ("error", "CheckpointError", f"reading it needs more than the worker's {memory_limit() >> 30} GiB")
    except Exception as exc:  # noqa: BLE001 - sent back whole: a bug of ours, not the file's
        return ("bug", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")


class Worker:
    """One warm child process for one library; calls are serialized (one at a time)."""

    def __init__(self, library: str) -> None:
        self.library = library  # "the HDF5 library", "TensorFlow's checkpoint reader"
        self._lock = threading.Lock()
        self._proc: Any = None
        self._first = True  # the running worker has not imported its first call's module yet
        self._conn: Any = None
        self.started = 0  # processes started (a crash or a hang costs one)

    def call(self, func: str, *args, what: str, errors: dict[str, type[CheckpointError]] | None = None,
             timeout: float | None = None) -> Any:  # fmt: skip
        """func(*args) in the worker. ``what`` names the file for the messages; ``errors`` maps
        class names to the CheckpointError subclasses to raise again here; ``timeout``: the call's
        limit in seconds, from the work asked (limit()), at most the ceiling (default: the ceiling)."""
        if os.environ.get("CKPT_BROWSER_IN_PROCESS") == "1":
            reply = _run(func, args)
        else:
            reply = self._remote(func, args, what, timeout)
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "error":
            raise (errors or {}).get(reply[1], CheckpointError)(reply[2])
        raise WorkerBug(self.library, what, reply[1])

    def _remote(self, func: str, args: tuple, what: str, timeout: float | None) -> tuple:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            if self._first:
                # A fresh worker imports the call's module (and its library: TensorFlow takes
                # seconds) first, under the start-up limit; the call itself then has the call's
                # limit, so a file that hangs the library is stopped after that limit, first or not.
                self._exchange(("ckpt_browser.core.formats.isolated:imported", (func.partition(":")[0],)),
                               START_TIMEOUT_S, what, warming=True)  # fmt: skip
                self._first = False
            seconds = min(timeout, ceiling()) if timeout else ceiling()
            return pickle.loads(self._exchange((func, args), seconds, what))

    def _exchange(self, request: tuple, seconds: float, what: str, warming: bool = False) -> bytes:
        """One request to the worker and its reply, within the seconds given; else the worker is
        stopped and one line says so."""
        try:
            _write_frame(self._proc.stdin, pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
            reply = self._replies.get(timeout=seconds)
        except queue.Empty:
            self._stop()
            if warming:
                raise CheckpointError(f"{self.library} did not start in {seconds:.0f} s (to read {what})") from None
            raise CheckpointError(
                f"{self.library} looped on {what}: stopped after {max(1, round(seconds))} s"
            ) from None
        except OSError:  # the pipe broke: the worker is gone
            reply = None
        if reply is None:
            how = self._stop()
            raise CheckpointError(f"{self.library} crashed reading {what}{how}")
        return reply

    def prestart(self, preload: list[str]) -> None:
        """Start the worker now, importing ``preload`` there, so that it is warm by the time the
        first call comes (the app meanwhile scans the folder); no-op when running or in process."""
        if os.environ.get("CKPT_BROWSER_IN_PROCESS") == "1":
            return
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start(preload)

    def _start(self, preload: list[str] | None = None) -> None:
        import subprocess

        from ckpt_browser.core.base.child import child_env, python_argv, spawn

        argv = python_argv("ckpt_browser.core.formats.isolated", "main", frozen_arg=WORKER_ARG)
        env = child_env({"CKPT_BROWSER_WORKER_PRELOAD": ",".join(preload or [])})
        self._proc = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self._replies: queue.Queue[bytes | None] = queue.Queue()
        self._first = True
        threading.Thread(target=self._read_replies, args=(self._proc, self._replies), daemon=True).start()
        self.started += 1

    @staticmethod
    def _read_replies(proc, replies) -> None:
        while True:
            try:
                frame = _read_frame(proc.stdout)
            except (OSError, ValueError):
                frame = None
            replies.put(frame)
            if frame is None:
                return

    def _stop(self) -> str:
        """End the worker (it crashed, or is stuck); say how it ended."""
        proc, self._proc = self._proc, None
        if proc is None:
            return ""
        try:
            code = proc.wait(0.5)
        except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired: still running (stuck)
            proc.kill()
            proc.wait(5)
            code = None
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if code is not None and code < 0:
            try:
                return f" ({signal.Signals(-code).name})"
            except ValueError:
                return f" (signal {-code})"
        return f" (exit status {code})" if code else ""

    def close(self) -> None:
        with self._lock:
            self._stop()


HDF5 = Worker("the HDF5 library")
TENSORFLOW = Worker("TensorFlow's checkpoint reader")
