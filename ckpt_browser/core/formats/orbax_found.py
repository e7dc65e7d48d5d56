"""An Orbax folder's steps as the registry's FoundCheckpoints (core/formats/registry.py)."""

from __future__ import annotations

import os

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import orbax_layout
from ckpt_browser.core.formats.registry import FoundCheckpoint


def found_checkpoints(folder: storage.Location) -> list[FoundCheckpoint] | None:
    """A root: one per step folder (being written ones too); a step or an item folder: itself.
    None when the folder is not Orbax's."""
    folder = storage.locate(folder)  # a Location as it is
    try:
        kind = orbax_layout.kind_of(folder)
    except CheckpointError:
        if folder.is_remote:
            raise
        return None
    if kind is None:
        return None
    if kind == "root":
        steps = orbax_layout.steps(folder)
    else:
        number, tmp = orbax_layout.step_number(folder.name)
        if kind == "item":
            st = storage.stat(folder / orbax_layout.TREE_META)
            steps = [orbax_layout.Step(folder.name, folder, number, getattr(st, "st_mtime", None))]
        else:
            steps = [orbax_layout.describe_step(folder, folder.name, number, tmp)]
    return [FoundCheckpoint(s.name, s.path, s.step, s.timestamp, s.complete, s.problem, _bytes(s.path)) for s in steps]


def _bytes(path: storage.Location) -> int:
    """The bytes of a local step's files (a bucket's would cost a listing per folder: 0, unknown)."""
    if path.is_remote:
        return 0
    total = 0
    for where, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(where, name)).st_size
            except OSError:
                pass
    return total
