"""Build mode: run a training script with the user's Python up to the first point where it would
train or save, and take the variables its writer writes there, as TensorFlow writes them.

Only on explicit request (check --build, the Check tab's button). The script runs in a child of
ours (core/child.spawn: killed with us) started as `PYTHON -I build_hook.py TEMP SCRIPT ARGS`, in
the script's folder, with HOME and TMPDIR in a temporary folder; the child moves every writer's
path into that folder and refuses Python-level writes elsewhere (build_hook*.py). What was written
is read with our own readers, then the folder is removed. Failures are one line each.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ckpt_browser.core.base.child import PATH_VAR, child_env, spawn
from ckpt_browser.core.base.errors import CheckpointError

HOOK = Path(__file__).with_name("build_hook.py")
DEFAULT_TIMEOUT = 120.0
_TAIL = 50  # lines of the script's output kept (each stream)

# The process is ending: a build under way in a worker thread stops at once (worker threads are
# joined at exit, by the hook concurrent.futures registers the same way, which runs after ours).
_CLOSING = threading.Event()
getattr(threading, "_register_atexit", lambda fn: None)(_CLOSING.set)


@dataclass
class Write:
    """One checkpoint the script's writer wrote into the temporary folder."""

    writer: str  # "tf.estimator (model_dir)", "tf.train.CheckpointManager", "ModelCheckpoint", ...
    points_to: str  # where the script would have written it
    name: str  # the checkpoint's name in its folder (model.ckpt-0, ckpt-1, model.keras)
    format: str  # "tf" or "keras"
    variables: dict[str, tuple[list[int], str]]


@dataclass
class Built:
    script: str  # its file name, as the report says it
    interpreter: str  # "python3.11 (TensorFlow 2.15.1)"
    stopped_at: str  # "train.py:88, classifier.train"
    what: str  # "Estimator.train", "Model.fit", ...
    writes: list[Write] = field(default_factory=list)
    output: list[str] = field(default_factory=list)  # the last lines the script printed

    @property
    def variables(self) -> dict[str, tuple[list[int], str]]:
        """The first writer's variables (the one the stop point belongs to)."""
        return self.writes[0].variables if self.writes else {}

    @property
    def how(self) -> str:
        return f"built by running {self.script} with {self.interpreter} up to {self.stopped_at}"

    def to_json(self) -> dict:
        return {
            "script": self.script,
            "interpreter": self.interpreter,
            "stopped_at": self.stopped_at,
            "what": self.what,
            "how": self.how,
            "writes": [
                {"writer": w.writer, "points_to": w.points_to, "checkpoint": w.name, "variables": len(w.variables)}
                for w in self.writes
            ],
        }


def default_python() -> str:
    """The interpreter the app runs on, when it has TensorFlow (looked up, never imported here)."""
    if not getattr(sys, "frozen", False) and importlib.util.find_spec("tensorflow") is not None:
        return sys.executable
    raise CheckpointError(
        "build mode runs the script with a Python that has TensorFlow, and this one has none: "
        "name your training environment's with --python PATH"
    )


def _python(python: str | os.PathLike[str] | None) -> str:
    if python is None:
        return default_python()
    found = shutil.which(os.fspath(python))
    if found is None:
        raise CheckpointError(f"--python {os.fspath(python)}: no such program")
    return found


def build_variables(
    script: str | os.PathLike[str],
    *,
    python: str | os.PathLike[str] | None = None,
    args: tuple[str, ...] | list[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    cancel: threading.Event | None = None,
    memory_limit: int | None = None,
) -> Built:
    """Run `script` with `python` up to its first train or save; what its writer writes there.
    memory_limit: bytes of address space (default 3/4 of this machine's memory, at least 4 GiB)."""
    path = Path(script).expanduser().absolute()
    if not path.is_file():
        raise CheckpointError(f"{script}: no such file")
    if path.suffix not in (".py", ".ipynb"):
        raise CheckpointError(f"{script}: build mode runs a .py script or an .ipynb notebook")
    exe = _python(python)
    if not HOOK.is_file():
        raise CheckpointError(f"this installation lacks build mode's {HOOK.name} (looked in {HOOK.parent})")
    temp = tempfile.mkdtemp(prefix="ckpt-build-")
    try:
        return _run(path, exe, [str(a) for a in args], timeout, cancel, temp, memory_limit)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _env(temp: str, memory_limit: int | None) -> dict[str, str]:
    env = child_env(keep_python_vars=False)
    env.pop(PATH_VAR, None)  # the user's Python never imports ours
    for var in ("KERAS_HOME", "TFHUB_CACHE_DIR", "TF_CPP_VMODULE"):
        env.pop(var, None)
    env.update(HOME=temp, TMPDIR=temp, XDG_CACHE_HOME=os.path.join(temp, ".cache"),
               XDG_CONFIG_HOME=os.path.join(temp, ".config"), XDG_DATA_HOME=os.path.join(temp, ".local"),
               MPLCONFIGDIR=os.path.join(temp, ".config", "matplotlib"))  # fmt: skip
    if memory_limit:
        env["CKPT_BROWSER_BUILD_MEMORY"] = str(int(memory_limit))
    return env


def _tail(stream, keep: collections.deque) -> None:
    """The last lines of a stream, bounded however much it prints (lines cut at 1,000 characters)."""
    pending = b""
    while chunk := stream.read(65536):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        keep.extend(line[:1000].decode("utf-8", "replace") for line in lines)
        pending = pending[-1000:]
    if pending:
        keep.append(pending.decode("utf-8", "replace"))


def _run(path: Path, exe: str, args: list[str], timeout: float, cancel, temp: str, memory_limit: int | None) -> Built:
    proc = spawn(
        [exe, "-I", str(HOOK), temp, str(path), *args],
        cwd=str(path.parent), env=_env(temp, memory_limit), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    out: collections.deque[str] = collections.deque(maxlen=_TAIL)
    err: collections.deque[str] = collections.deque(maxlen=_TAIL)
    readers = [
        threading.Thread(target=_tail, args=(s, q), daemon=True) for s, q in ((proc.stdout, out), (proc.stderr, err))
    ]
    for t in readers:
        t.start()
    end = time.monotonic() + timeout
    try:
        while proc.poll() is None:
            if (cancel is not None and cancel.is_set()) or _CLOSING.is_set():
                raise CheckpointError(f"the build of {path.name} was cancelled")
            if time.monotonic() > end:
                raise CheckpointError(
                    f"{path.name} did not reach a point where it trains or saves within {timeout:g} s: stopped "
                    "(--timeout S allows more)"
                )
            time.sleep(0.05)
    finally:
        _kill(proc)
        for t in readers:
            t.join(timeout=2)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    result_file = Path(temp) / "result.json"
    if not result_file.is_file():
        raise CheckpointError(_no_result(path, proc.returncode, list(err)))
    result = json.loads(result_file.read_text(encoding="utf-8"))
    return _outcome(path, exe, result, temp, list(out), list(err))


def _kill(proc: subprocess.Popen) -> None:
    """The child and whatever it started (its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
    else:
        try:  # processes the script started and left behind
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait()


def _last(lines: list[str]) -> str:
    for line in reversed(lines):
        if line.strip():
            return line.strip()[:300]
    return ""


def _no_result(path: Path, code: int | None, err: list[str]) -> str:
    last = _last(err)
    if code is not None and code < 0:
        sig = -code
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        why = " (out of memory: build mode limits a script to 3/4 of this machine's memory)" if sig in (6, 9) else ""
        return f"{path.name} was killed by {name}{why}" + (f": {last}" if last and not why else "")
    if any("bad_alloc" in line or "MemoryError" in line for line in err):
        return f"{path.name} ran out of memory (build mode limits a script to 3/4 of this machine's memory)"
    return f"{path.name} ended (status {code}) before build mode could report" + (f": {last}" if last else "")


def _outcome(path: Path, exe: str, result: dict, temp: str, out: list[str], err: list[str]) -> Built:
    status = result.get("status")
    name = path.name
    if status == "refused":
        raise CheckpointError(result.get("message") or f"{name}: build mode cannot use {result.get('what')}")
    if status == "error":
        raise CheckpointError(f"{name} failed: {result.get('error')}")
    if status == "memory":
        limit = result.get("memory_limit") or 0
        within = f"build mode's limit of {limit / (1 << 30):.1f} GiB" if limit else "this machine's memory"
        raise CheckpointError(f"{name} ran out of memory within {within}")
    if status == "exited":
        last = result.get("message") or _last(err)
        raise CheckpointError(f"{name} exited (status {result.get('exit_status')})" + (f": {last}" if last else ""))
    if status != "stopped":
        raise CheckpointError(
            f"{name} ended without training or saving: build mode stops a script at Estimator.train / evaluate, "
            "Keras fit / train_on_batch, apply_gradients, or a save, and it reached none"
        )
    built = Built(
        name, result.get("interpreter") or Path(exe).name, result.get("stopped_at") or "", result.get("what") or ""
    )
    built.output = out + err
    for entry in result.get("written", []):
        built.writes += _read_writes(Path(temp) / entry["path"], entry.get("writer", ""), entry.get("points_to", ""))
    if not built.writes:
        raise CheckpointError(
            f"{name} reached {built.stopped_at} before making any checkpoint writer (tf.train.Checkpoint, "
            "CheckpointManager, ModelCheckpoint, an Estimator): what it saves later, build mode cannot tell"
        )
    return built


def _read_writes(where: Path, writer: str, points_to: str) -> list[Write]:
    """Every checkpoint in what a writer wrote (a folder, a Keras file, a SavedModel's variables/),
    read with our readers."""
    # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+150 modules)
    from ckpt_browser.core.checks.mismatch import stored_variables

    # deferred: start-up: loads google.protobuf, google_crc32c (+48 modules)
    from ckpt_browser.core.model_dir.contents import open_source

    if not where.exists():
        return []
    folders = [where] if where.is_file() else []
    for top, _dirs, names in os.walk(where):
        if any(n.endswith((".index", ".keras", ".h5")) for n in names):
            folders.append(Path(top))
    out = []
    for folder in folders:
        try:
            md = open_source(folder).model_dir
        except CheckpointError:
            continue
        for info in md.checkpoints:
            if not info.files_ok:
                continue
            variables = {n: (list(v.shape), v.dtype) for n, v in stored_variables(info).items()}
            out.append(Write(writer, points_to, info.name, info.format, variables))
    return out
