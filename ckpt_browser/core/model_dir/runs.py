"""A folder of runs: the model_dirs below a folder that holds no checkpoint itself."""

from __future__ import annotations

from stat import S_ISDIR

from ckpt_browser.core import storage
from ckpt_browser.core.model_dir.state import STATE_FILE

MAX_DEPTH = 2  # runs/<name>/ and runs/<group>/<name>/, as TensorBoard's logdirs are laid out
MAX_RUNS = 1000


def _holds_checkpoints(names: list[str]) -> bool:
    return any(n == STATE_FILE or n.endswith(".index") for n in names)


def find_runs(folder, depth: int = MAX_DEPTH) -> list:
    """The subfolders (to ``depth`` levels down) that hold checkpoints, sorted by path; a folder
    with checkpoints of its own is not looked into further. Works on a bucket URL too."""
    out: list = []
    base = storage.as_path(folder)
    pending = [(base, 0)]
    while pending and len(out) < MAX_RUNS:
        path, level = pending.pop(0)
        listing = storage.list_dir(path)
        if level > 0 and _holds_checkpoints([n for n, _ in listing]):
            out.append(path)
            continue
        if level >= depth:
            continue
        for name, st in sorted(listing):
            if st is not None and S_ISDIR(st.st_mode) and not name.startswith("."):
                pending.append((path / name, level + 1))
    return sorted(out, key=str)
