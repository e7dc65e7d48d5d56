"""One variable across checkpoints: a summary per step, and the difference to another."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ckpt_browser.core.errors import CheckpointError
from ckpt_browser.core.model_dir.scan import CheckpointInfo
from ckpt_browser.core.progress import Progress
from ckpt_browser.core.reader import open_checkpoint
from ckpt_browser.core.values.slicing import PlotData, SliceSpec, plot_data
from ckpt_browser.core.values.stats import TensorDiff, delta, diff_tensors, summarize


@dataclass
class History:
    variable: str
    how: str
    names: list[str] = field(default_factory=list)  # checkpoints that have the variable
    x: list[float] = field(default_factory=list)  # step, or position when there is no step
    values: list[float] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "model.ckpt-100: why"


def variable_history(
    checkpoints: list[CheckpointInfo],
    variable: str,
    how: str = "L2 norm",
    element: tuple[int, ...] | None = None,
    progress: Progress | None = None,
) -> History:
    out = History(variable, how)
    for i, info in enumerate(checkpoints):
        try:
            if not info.on_disk:
                raise CheckpointError(info.problem or "files missing")
            value = open_checkpoint(info.prefix).read(variable)
            if element is not None and (value.ndim != len(element) or any(
                not 0 <= e < d for e, d in zip(element, value.shape)
            )):  # fmt: skip
                raise CheckpointError(f"has shape {list(value.shape)}, no element {list(element)}")
            number = summarize(value, how, element)
        except CheckpointError as exc:
            out.skipped.append(f"{info.name}: {exc}")
        else:
            out.names.append(info.name)
            out.x.append(float(info.step) if info.step is not None else float(i))
            out.values.append(number)
        if progress:
            progress(i + 1, len(checkpoints), f"reading {info.name}")
    return out


@dataclass
class Comparison:
    """The selected tensor (A) against another (B): another checkpoint's, or its EMA shadow."""

    label_b: str
    diff: TensorDiff | None  # None when shapes or dtypes differ
    plot: PlotData | None  # B - A, drawn like the tensor itself
    problem: str = ""


def compare_variable(a: np.ndarray, prefix_b: Path, name_b: str, label_b: str) -> Comparison:
    b = open_checkpoint(prefix_b).read(name_b)
    if b.shape != a.shape:
        return Comparison(label_b, None, None, f"{label_b} has shape {list(b.shape)}, this one {list(a.shape)}")
    if b.dtype != a.dtype:
        return Comparison(label_b, None, None, f"{label_b} is {b.dtype}, this one {a.dtype}")
    d = diff_tensors(a, b)
    if a.dtype.kind in "OS":
        return Comparison(label_b, d, None)
    return Comparison(label_b, d, plot_data(delta(a, b), SliceSpec.default(a.ndim)))
