"""The `checkpoint` state file of a model_dir, parsed as tf.train.get_checkpoint_state does,
without TensorFlow (docs/formats.md), and never trusted further than it deserves."""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.protos import bundle_protos
from ckpt_browser.core.storage import Location, is_remote

STATE_FILE = "checkpoint"
MAX_STATE_BYTES = 1 << 20  # a state file is a few KB; anything this big is not one


def parse_state(data: bytes, model_dir: Location):
    """A ``checkpoint`` file's CheckpointState, with relative paths joined to the model_dir as
    tf.train.get_checkpoint_state does (text_format.Merge, the same parser). Raises CheckpointError."""
    from google.protobuf import text_format

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckpointError(f"'{STATE_FILE}' is not text (byte {exc.start:,} is not UTF-8)") from None
    state = bundle_protos().CheckpointState()
    try:
        text_format.Merge(text, state)
    except (text_format.ParseError, RecursionError, ValueError) as exc:
        raise CheckpointError(f"'{STATE_FILE}' is not a valid checkpoint state ({_first_line(exc)[:200]})") from None
    if not state.model_checkpoint_path:
        raise CheckpointError(f"'{STATE_FILE}' names no checkpoint")
    if not _is_absolute(state.model_checkpoint_path):
        state.model_checkpoint_path = _join(model_dir, state.model_checkpoint_path)
    for i, p in enumerate(state.all_model_checkpoint_paths):
        if not _is_absolute(p):
            state.all_model_checkpoint_paths[i] = _join(model_dir, p)
    return state


def _is_absolute(path: str) -> bool:
    return os.path.isabs(path) or is_remote(path)  # a job on a bucket writes gs://... paths


def _join(model_dir: Location, name: str) -> str:
    if model_dir.is_remote:
        return str(model_dir).rstrip("/") + "/" + name
    return os.path.join(model_dir.local, name)


def read_state(model_dir: Location) -> tuple[list[tuple[str, float | None, bool]], str | None, list[str]]:
    """Checkpoints the state file names -- (name, timestamp, is_latest), oldest first --, why it
    could not be used (or None), and notes for the user."""
    result = _Result()
    entries = _read_state(model_dir, result)
    return entries, result.state_error, result.notes


class _Result:
    def __init__(self) -> None:
        self.state_error: str | None = None
        self.notes: list[str] = []


def _read_state(model_dir: Location, result: _Result) -> list[tuple[str, float | None, bool]]:
    state_path = model_dir / STATE_FILE
    st = storage.stat(state_path)  # a bucket that cannot be asked raises: not "no state file"
    if st is None:
        return []
    if not stat.S_ISREG(st.st_mode):
        result.state_error = f"'{STATE_FILE}' is not a file; listing checkpoints from disk"
        return []
    if st.st_size > MAX_STATE_BYTES:
        result.state_error = (
            f"'{STATE_FILE}' is {st.st_size:,} bytes, far too big for a checkpoint state (a few KB); "
            "listing checkpoints from disk"
        )
        return []
    try:
        if state_path.is_remote:
            data = storage.read_whole(state_path, MAX_STATE_BYTES, "checkpoint state")
        else:
            with open(state_path.local, "rb") as f:
                data = f.read(MAX_STATE_BYTES + 1)
    except OSError as exc:
        result.state_error = f"cannot read '{STATE_FILE}': {exc.strerror}; listing checkpoints from disk"
        return []
    try:
        state = parse_state(data, model_dir)
    except CheckpointError as exc:
        result.state_error = f"{exc}; listing checkpoints from disk"
        return []

    paths = list(state.all_model_checkpoint_paths)
    latest_path = state.model_checkpoint_path
    if latest_path and latest_path not in paths:
        paths.append(latest_path)
    stamps: list[float | None] = [
        t if math.isfinite(t) and 0 <= t < 1e11 else None for t in state.all_model_checkpoint_timestamps
    ]
    if len(stamps) != len(state.all_model_checkpoint_paths):
        stamps = []

    foreign: list[str] = []
    out = []
    for i, raw in enumerate(paths):
        name = _name_in_dir(model_dir, raw, foreign)
        stamp = stamps[i] if i < len(stamps) else None
        out.append((name, stamp, raw == latest_path))
    if foreign:
        where = os.path.dirname(foreign[0])
        result.notes.append(
            f"The '{STATE_FILE}' file names paths of another machine or folder ({where}); "
            "checkpoints were matched by file name inside this folder."
        )
    return out


def _name_in_dir(model_dir: Location, raw: str, foreign: list[str]) -> str:
    """Name relative to model_dir of a path the state file gives (already made absolute)."""
    if model_dir.is_remote or is_remote(raw):  # raw: a path the state file holds, as text
        inside = str(model_dir).rstrip("/") + "/"
        if raw.startswith(inside):
            return raw[len(inside) :]
        foreign.append(raw)
        return raw.rstrip("/").rsplit("/", 1)[-1]
    p = Path(raw)
    try:
        rel = p.relative_to(model_dir.local)
        return rel.as_posix()
    except ValueError:
        pass
    try:
        # The same folder reached through a symlink or another spelling.
        if os.path.exists(p.parent) and os.path.samefile(p.parent, model_dir.local):
            return p.name
    except OSError:
        pass
    foreign.append(raw)
    return p.name


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "unreadable"
