"""One variable across checkpoints: a summary per step, and the difference to another."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.base.progress import Progress
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.core.model_dir.scan import CheckpointInfo
from ckpt_browser.core.values.slicing import PlotData, SliceSpec, plot_data
from ckpt_browser.core.values.stats import (
    BAND,
    TensorDiff,
    compute_stats,
    default_summary,
    delta,
    diff_tensors,
    summarize,
)


@dataclass
class History:
    variable: str
    how: str
    names: list[str] = field(default_factory=list)  # checkpoints that have the variable
    x: list[float] = field(default_factory=list)  # step, or position when there is no step
    values: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)  # min and max at each step (the band), for BAND
    high: list[float] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "model.ckpt-100: why"


def variable_history(
    checkpoints: list[CheckpointInfo],
    variable: str,
    how: str | None = "L2 norm",
    element: tuple[int, ...] | None = None,
    progress: Progress | None = None,
    engine=None,
) -> History:
    """The variable's summary at every checkpoint (how: see stats.SUMMARIES; None: what the
    History tab shows first -- its value when it has one element, else the mean in its
    min-to-max band). engine: where statistics read in ranges are figured (a Dask cluster's)."""
    from ckpt_browser.core.formats.object_graph import path_of, stored_key

    out = History(variable, how or BAND)
    asked = variable
    path = None  # the variable's object-graph path, from the first checkpoint that stores it so
    for info in checkpoints:
        try:
            path = path_of(open_checkpoint(info.prefix), asked) if info.on_disk else None
        except CheckpointError:
            continue
        if path is not None:
            break
    for i, info in enumerate(checkpoints):
        try:
            if not info.on_disk:
                raise CheckpointError(info.problem or "files missing")
            reader = open_checkpoint(info.prefix)
            # A Keras 3 weight's key changes once its optimizer is built: follow it by path.
            variable = stored_key(reader, asked, path)
            big = _big_stats(reader, variable, engine) if element is None and how in _RANGED else None
            if big is not None:  # summarized from its file in ranges, never held whole
                s, shape = big
                how = how or default_summary(shape)
                out.how = how
                figures = {BAND: s.mean, "L2 norm": s.l2, "mean": s.mean, "min": s.min, "max": s.max, "std": s.std}
                number, low, high = (math.nan if x is None else x for x in (figures[how], s.min, s.max))
            else:
                value = reader.read(variable)
                if element is not None and (value.ndim != len(element) or any(
                    not 0 <= e < d for e, d in zip(element, value.shape)
                )):  # fmt: skip
                    raise CheckpointError(f"has shape {list(value.shape)}, no element {list(element)}")
                if how is None:
                    how = out.how = default_summary(value.shape)
                if how == BAND:
                    s = compute_stats(value, bins=2)
                    number, low, high = (math.nan if x is None else x for x in (s.mean, s.min, s.max))
                else:
                    number = summarize(value, how, element)
        except (CheckpointError, ValueError) as exc:
            out.skipped.append(f"{info.name}: {exc}")
        else:
            out.names.append(info.name)
            out.x.append(float(info.step) if info.step is not None else float(i))
            out.values.append(number)
            if how == BAND:
                out.low.append(low)
                out.high.append(high)
        if progress:
            progress(i + 1, len(checkpoints), f"reading {info.name}")
    return out


_RANGED = (None, BAND, "L2 norm", "mean", "min", "max", "std")  # summaries statistics give


def _big_stats(reader, variable: str, engine=None):
    """(statistics, shape) of a numeric tensor stored whole of more than a chunk of elements,
    from its data file in ranges (values/stats_tasks.py, on engine); None: read it (small, or not
    a bundle's: the same figures either way, a small one is not worth a round trip to a cluster)."""
    from ckpt_browser.core.values.diff_tasks import plain
    from ckpt_browser.core.values.stats import CHUNK
    from ckpt_browser.core.values.stats_tasks import stats_of_entry

    entry = plain(reader, variable)
    if entry is None or math.prod(entry.shape) <= CHUNK:
        return None
    return stats_of_entry(reader, variable, engine, bins=2), entry.shape


@dataclass
class Comparison:
    """The selected tensor against another: the same variable in another checkpoint (drawn as
    newer minus older), or its EMA shadow (shadow minus variable)."""

    label_b: str
    diff: TensorDiff | None  # None when shapes or dtypes differ
    plot: PlotData | None  # the difference, drawn like the tensor itself
    problem: str = ""
    b_is_newer: bool = True  # False: the other checkpoint is older, so the difference is A - B

    @property
    def title(self) -> str:
        return "B − A" if self.b_is_newer else "A − B"


def compare_variable(
    a: np.ndarray, prefix_b: Path, name_b: str, label_b: str, b_is_newer: bool = True, path: str | None = None
) -> Comparison:
    """The difference newer minus older: B - A when B is newer (or A's shadow), else A - B. path:
    the variable's object-graph path, which finds it in B when B stores it under another key (a
    Keras 3 weight's key changes once its optimizer is built)."""
    from ckpt_browser.core.formats.object_graph import stored_key

    reader = open_checkpoint(prefix_b)
    b = reader.read(stored_key(reader, name_b, path))
    if b.shape != a.shape:
        return Comparison(label_b, None, None, f"{label_b} has shape {list(b.shape)}, this one {list(a.shape)}")
    if b.dtype != a.dtype:
        return Comparison(label_b, None, None, f"{label_b} is {b.dtype}, this one {a.dtype}")
    older, newer = (a, b) if b_is_newer else (b, a)
    d = diff_tensors(older, newer)
    if a.dtype.kind in "OS":
        return Comparison(label_b, d, None, b_is_newer=b_is_newer)
    return Comparison(label_b, d, plot_data(delta(older, newer), SliceSpec.default(a.ndim)), b_is_newer=b_is_newer)
