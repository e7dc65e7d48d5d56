"""What a user opened (an argument, a dialog, a drop) as (model_dir, checkpoint to select): a
folder, a checkpoint prefix or one of its files, a state file, or a file of any registered format
-- a file the user named is settled by its first bytes where its name does not tell (a bare .bin)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import registry
from ckpt_browser.core.formats.reader import remember_format
from ckpt_browser.core.model_dir.state import STATE_FILE
from ckpt_browser.core.storage import Location

# Digits are bounded: int() of thousands of digits is slow or refused, and no real name has them.
DATA_RE = re.compile(r"\.data-(\d{1,30})-of-(\d{1,30})$")
_CHECKPOINT_SUFFIXES = (".index", ".meta")
HEAD_BYTES = 16  # what a format's magic is compared with: a zip's or a pickle's first bytes


def strip_checkpoint_suffix(path: Path | Location) -> str | None:
    """Prefix of a checkpoint file name, or None if the file is not a checkpoint file."""
    name = path.name
    for suffix in _CHECKPOINT_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    m = DATA_RE.search(name)
    if m:
        return name[: m.start()]
    return None


def resolve_path(path: str | os.PathLike | Location) -> tuple[Location, str | None]:
    """Turn what a user opened into (model_dir, checkpoint name to select or None).

    Accepts a model_dir, a SavedModel folder, a checkpoint prefix, one of its files
    (.index, .data-*, .meta), a ``checkpoint`` state file, or a file of a registered format.
    """
    where = storage.locate(path)  # a Location as it is
    if where.is_remote:
        return _resolve_url(where)
    local = where.local
    if registry.claims_file(local.name) is not None and os.path.isfile(local):
        named = _named_file(storage.locate(local.resolve()))
        if named is not None:  # always: a format claims its name
            return named
    # os.path's checks answer False for names the system refuses (too long, NUL bytes) where
    # Path's raise: either way the user gets one sentence.
    try:
        p = local
        if os.path.isdir(p):
            return storage.locate(p.resolve()), None
        if p.name == STATE_FILE and os.path.isfile(p):
            return storage.locate(p.parent.resolve()), None
        stem = strip_checkpoint_suffix(p) if os.path.exists(p) else None
        if stem is not None:
            return _dir_and_name(storage.locate(p.parent.resolve()), stem)
        # A prefix names no file itself: model.ckpt-300 -> model.ckpt-300.index
        if os.path.exists(str(p) + ".index") or os.path.exists(str(p) + ".meta"):
            return _dir_and_name(storage.locate(p.parent.resolve()), p.name)
        if os.path.isfile(p):  # a name no format claims (weights.bin): its first bytes may
            found = _named_file(storage.locate(p.resolve()))
            if found is not None:
                return found
    except (OSError, ValueError, RuntimeError) as exc:  # RuntimeError: a symlink loop in resolve()
        raise CheckpointError(f"cannot open {str(path)[:200]}: {getattr(exc, 'strerror', None) or exc}") from exc
    if not os.path.exists(p):
        raise CheckpointError(f"{str(p)[:300]} does not exist")
    if os.path.isfile(p):  # neither its name nor its bytes: say what its folder holds, if anything
        raise CheckpointError(f"{p.name} is not a checkpoint file: its name and first bytes are of no format read here"
                              + _beside(storage.locate(p.parent.resolve())))  # fmt: skip
    raise CheckpointError(
        f"{p.name} is not a checkpoint file: expected a model_dir, a checkpoint prefix, "
        "its .index/.data/.meta file, or a 'checkpoint' state file"
    )


def _beside(folder: Location) -> str:
    """'; its folder holds model.json: open that' -- the files a format claims beside a file that
    is none (a TF.js weight file beside its model.json), or ''."""
    try:
        claimed = sorted(n for n, st in storage.list_dir(folder) if registry.claims_file(n) is not None)
    except CheckpointError:
        return ""
    if not claimed:
        return ""
    more = f" and {len(claimed) - 2} more" if len(claimed) > 2 else ""
    return f"; its folder holds {', '.join(claimed[:2])}{more}: open {'that' if len(claimed) == 1 else 'one of those'}"


def _named_file(p: Location) -> tuple[Location, str] | None:
    """(folder, name) of a file the user named, when a format claims it by its name or, failing
    that, by its first bytes; None otherwise. A part of another checkpoint of its folder (a TF.js
    shard of model.json) that no format claims is one line naming its owner. The format is
    remembered for this path: the folder's scans list the file, even one that is a part (a shard
    of an index.json the user opened on its own)."""
    if registry.claims_file(p.name) is None:
        owner = registry.parts_of([name for name, _ in storage.list_dir(p.parent)]).get(p.name)
        if owner is not None:
            whole = registry.claims_file(owner)
            what = f"the {whole.label} {owner}" if whole is not None else owner
            raise CheckpointError(f"{p.name} is a part of {what}: open {owner} (or its folder)")
    fmt = registry.of_file(p.name, lambda: _head(p))  # the bytes are read only when the name does not settle it
    if fmt is None:
        return None
    remember_format(p, fmt)
    if fmt.warm is not None and not p.is_remote:  # e.g. a library's worker, started while we scan
        registry.call(fmt.warm, str(p))
    return p.parent, p.name


def _head(path: Location) -> bytes:
    """The first bytes of a file (HEAD_BYTES at most, one read)."""
    f = storage.open_file(path)
    try:
        return f.read(0, min(HEAD_BYTES, f.size))
    finally:
        f.close()


def _resolve_url(p: Location) -> tuple[Location, str | None]:
    """resolve_path for a URL: the same answers, asked of the bucket (a prefix is a folder when
    objects lie under it)."""
    storage.forget_listings(p.parent)
    st = storage.stat(p)
    if st is not None and stat.S_ISDIR(st.st_mode):
        return p, None
    if st is not None and p.name == STATE_FILE:
        return p.parent, None
    if st is not None and registry.claims_file(p.name) is not None:
        return _named_file(p) or (p.parent, p.name)
    stem = strip_checkpoint_suffix(p) if st is not None else None
    if stem is not None:
        return _dir_and_name(p.parent, stem)
    if storage.exists(p.plus(".index")) or storage.exists(p.plus(".meta")):
        return _dir_and_name(p.parent, p.name)
    if st is None:
        raise CheckpointError(f"{str(p)[:300]} does not exist")
    found = _named_file(p) if stat.S_ISREG(st.st_mode) else None
    if found is not None:
        return found
    raise CheckpointError(f"{p.name} is not a checkpoint file: expected a model_dir, a checkpoint prefix, or its files")


def _dir_and_name(parent: Location, stem: str) -> tuple[Location, str]:
    # A SavedModel's variables/variables belongs to the SavedModel folder.
    if parent.name == "variables" and storage.exists(parent.parent / "saved_model.pb"):
        return parent.parent, f"variables/{stem}"
    return parent, stem
