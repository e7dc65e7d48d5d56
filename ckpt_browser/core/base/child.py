"""Child processes that import only our code and never outlive us.

Every process we start (the HDF5 and TensorFlow workers, build mode's run of a training script)
goes through here, for two promises:

- **Only our code.** `python -c` puts the current folder first on `sys.path`: an `h5py.py` or
  `numpy.py` lying there would run in place of the library. Children start as `python -I`
  (isolated: no current folder, no user site, no PYTHON* variables) and are given, through one
  variable of ours, the parent's own import path less the current folder.
- **Never orphaned.** A worker looping inside HDF5 would run on after its parent was killed
  (SIGKILL, the OOM killer, an editor's stop button) with a core busy for ever. On Linux the child
  asks the kernel for SIGKILL when its parent dies (PR_SET_PDEATHSIG). The kernel ties that to the
  *thread* that forked the child, so every child is forked by one thread that lives as long as the
  process (`spawn`); a pool thread ending would otherwise kill the children it happened to start.
  Elsewhere a thread in the child watches the parent's pid.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

PATH_VAR = "CKPT_BROWSER_CHILD_PATH"  # the import path a child of ours gets (a JSON list)
PARENT_VAR = "CKPT_BROWSER_PARENT_PID"
# The packaged app is its own child: started with one of these arguments, it serves as that child
# (packaging/launcher.py and cli.main ask serve_child first); python_argv's frozen_arg names one.
FROZEN_CHILDREN = {"--native-worker": ("ckpt_browser.core.formats.isolated", "main")}
_PR_SET_PDEATHSIG = 1

# Run by `python -I -c`: the import path from the parent, then the target. Kept to the standard
# library so that a child whose path is wrong still says why in one line.
BOOTSTRAP = """\
import json, os, sys
sys.path[:] = json.loads(os.environ.pop({path_var!r}, "[]")) or sys.path
from ckpt_browser.core.base.child import die_with_parent
die_with_parent()
from {module} import {func}
{func}()
"""


def _our_root() -> str:
    """The folder that holds the ckpt_browser package (site-packages, or a source checkout)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def import_path() -> list[str]:
    """The parent's import path without the current folder ('' or its absolute form), with the
    folder holding our package first, so that nothing lying where the user stands is imported."""
    here = os.path.abspath(os.getcwd()) if _cwd_exists() else None
    root = _our_root()
    path = [root]
    for entry in sys.path:
        if not entry or entry in path:
            continue
        if here is not None and os.path.abspath(entry) == here and here != root:
            continue
        path.append(entry)
    return path


def _cwd_exists() -> bool:
    try:
        os.getcwd()
    except OSError:  # the folder we stand in was removed
        return False
    return True


def python_argv(module: str, func: str, frozen_arg: str | None = None) -> list[str]:
    """The command that runs ``module.func()`` in an isolated child of this interpreter; the packaged
    app serves as its own child through ``frozen_arg`` (its bootloader never looks at the current folder)."""
    if getattr(sys, "frozen", False):
        if frozen_arg is None or FROZEN_CHILDREN.get(frozen_arg) != (module, func):
            raise RuntimeError(f"{module}:{func} has no entry in the packaged app")
        return [sys.executable, frozen_arg]
    return [sys.executable, "-I", "-c", BOOTSTRAP.format(path_var=PATH_VAR, module=module, func=func)]


def serve_child(argv: list[str]) -> bool:
    """In the packaged app (or the console script): when argv is one of FROZEN_CHILDREN's
    arguments alone, run that child here -- dying with the parent, as BOOTSTRAP's children do --
    and answer True once it is done; else False (argv is the user's command line)."""
    if len(argv) != 1 or argv[0] not in FROZEN_CHILDREN:
        return False

    os.environ.pop(PATH_VAR, None)  # a frozen app's import path is its bundle's, never the cwd
    die_with_parent()
    module, func = FROZEN_CHILDREN[argv[0]]
    getattr(importlib.import_module(module), func)()
    return True


def child_env(extra: dict[str, str] | None = None, keep_python_vars: bool = False) -> dict[str, str]:
    """The environment of a child: ours, without PYTHON* variables (-I ignores them anyway; a
    frozen child or a foreign interpreter would not), with our import path and our pid."""
    env = {k: v for k, v in os.environ.items() if keep_python_vars or not k.startswith("PYTHON")}
    env[PATH_VAR] = json.dumps(import_path())
    env[PARENT_VAR] = str(os.getpid())
    if extra:
        env.update(extra)
    return env


def die_with_parent() -> None:
    """In a child: end when the parent ends, however it ends. Called first thing."""
    parent = int(os.environ.pop(PARENT_VAR, "0") or 0) or os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # it died before we asked: we are already an orphan
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()


def _watch_parent(parent: int) -> None:
    """Without PR_SET_PDEATHSIG: look at the parent's pid once a second (a thread, so it runs only
    when the main thread lets go of the interpreter lock; the Linux path needs no lock at all)."""

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


class _Spawner:
    """The one long-lived thread that forks every child (see the module's docstring for why)."""

    def __init__(self) -> None:
        self._requests: queue.Queue[tuple[Callable[[], Any], queue.Queue]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, make: Callable[[], Any]) -> Any:
        if threading.current_thread() is self._thread:
            return make()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, daemon=True, name="child-spawner")
                self._thread.start()
        answer: queue.Queue = queue.Queue(maxsize=1)
        self._requests.put((make, answer))
        ok, value = answer.get()
        if ok:
            return value
        raise value

    def _serve(self) -> None:
        while True:
            make, answer = self._requests.get()
            try:
                answer.put((True, make()))
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller, raised there
                answer.put((False, exc))


_SPAWNER = _Spawner()


def spawn(argv: list[str], **popen_kwargs: Any) -> subprocess.Popen:
    """subprocess.Popen(argv, ...) forked by the process's long-lived spawner thread."""
    return _SPAWNER.run(lambda: subprocess.Popen(argv, **popen_kwargs))
