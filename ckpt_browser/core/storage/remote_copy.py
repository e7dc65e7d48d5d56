"""Local copies of objects behind a URL, for TensorFlow (which reads local files only): fetched
into the cache folder, written as NAME.part and renamed, the object's mtime kept so that a second
copy of an unchanged checkpoint fetches nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage.remote import RemoteFile, list_dir


def cache_folder():
    from ckpt_browser.core.storage.cache import cache_dir  # deferred: start-up: loads platformdirs (+22 modules)

    return cache_dir() / "remote"


def local_copy(prefix, progress=None):
    """Fetch one checkpoint's files (.index, .data-*, .meta) into the cache folder for TensorFlow,
    which reads local files only. Returns the local prefix. progress(done_bytes, total, text)."""
    base = prefix.name
    names = [
        name
        for name, _ in list_dir(prefix.parent)
        if name in (base + ".index", base + ".meta") or name.startswith(base + ".data-")
    ]
    if base + ".index" not in names:
        raise CheckpointError(f"{base}.index is missing in {str(prefix.parent)[:300]}")
    return fetch(prefix.parent, names, progress) / base


def local_file(path, progress=None):
    """One object fetched into the cache folder (the Fit view's data file)."""
    return fetch(path.parent, [path.name], progress) / path.name


def fetch(folder, names: list[str], progress=None):
    """Copy the named objects of a folder into its cache folder; a file already there with the
    object's size and time is kept (a second restore fetches nothing). Returns the cache folder."""

    listed = dict(list_dir(folder))
    missing = [n for n in names if n not in listed]
    if missing:
        raise CheckpointError(f"{missing[0]} is missing in {str(folder)[:300]}")
    out = Path(cache_folder()) / hashlib.sha256(str(folder).encode()).hexdigest()[:16]
    out.mkdir(parents=True, exist_ok=True)
    total = sum(listed[n].st_size for n in names)
    done = 0
    step = 8 << 20
    for name in names:
        st = listed[name]
        target = out / name
        here = target.stat() if target.is_file() else None
        if not (here and here.st_size == st.st_size and here.st_mtime_ns == st.st_mtime_ns):
            part = target.with_name(target.name + ".part")
            source = RemoteFile(folder / name)
            with open(part, "wb") as f:
                for start in range(0, st.st_size, step):
                    f.write(source._fetch(start, min(start + step, st.st_size)))
                    if progress is not None:
                        progress(done + min(start + step, st.st_size), total, f"Fetching {name}")
            os.utime(part, ns=(st.st_mtime_ns, st.st_mtime_ns))  # the next copy sees it is current
            os.replace(part, target)
        done += st.st_size
    return out
