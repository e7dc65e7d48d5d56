"""An Orbax folder's steps as the registry's FoundCheckpoints (core/formats/registry.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import orbax_layout


@dataclass
class FoundCheckpoint:
    name: str
    path: object
    step: int | None = None
    timestamp: float | None = None
    complete: bool = True
    problem: str | None = None


def found_checkpoints(folder) -> list[FoundCheckpoint] | None:
    """A root: one per step folder (being written ones too); a step or an item folder: itself.
    None when the folder is not Orbax's."""
    folder = storage.as_path(folder)
    try:
        kind = orbax_layout.kind_of(folder)
    except CheckpointError:
        if storage.is_remote(folder):
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
    return [FoundCheckpoint(s.name, s.path, s.step, s.timestamp, s.complete, s.problem) for s in steps]
