"""Compare two checkpoints variable by variable, one tensor pair in memory at a time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.base.progress import Progress
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.core.formats.variables import display_name
from ckpt_browser.core.model_dir.contents import open_source
from ckpt_browser.core.model_dir.scan import CheckpointInfo
from ckpt_browser.core.storage import Location, locate
from ckpt_browser.core.values.slicing import PlotData, SliceSpec, plot_data
from ckpt_browser.core.values.stats import delta, diff_tensors

SAME, CHANGED, ONLY_A, ONLY_B, SHAPE, DTYPE = "same", "changed", "only_a", "only_b", "shape", "dtype"
STATUSES = (SAME, CHANGED, ONLY_A, ONLY_B, SHAPE, DTYPE)


@dataclass
class DiffRow:
    name: str
    status: str
    max_abs_diff: float | None = None
    rel_change: float | None = None
    shape_a: tuple[int, ...] | None = None
    shape_b: tuple[int, ...] | None = None
    dtype_a: str | None = None
    dtype_b: str | None = None
    name_b: str | None = None  # its name in B, when the files name their weights differently
    path: str | None = None  # its object-graph path (formats/object_graph.py), when it differs from the name
    path_b: str | None = None  # B's, when B names it otherwise

    @property
    def display_name(self) -> str:
        shown = self.path or display_name(self.name)
        if self.name_b and (self.path_b or display_name(self.name_b)) != shown:
            return f"{shown} = {self.path_b or display_name(self.name_b)}"
        return shown

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "max_abs_diff": self.max_abs_diff,
            "rel_change": self.rel_change,
            "shape_a": None if self.shape_a is None else list(self.shape_a),
            "shape_b": None if self.shape_b is None else list(self.shape_b),
            "dtype_a": self.dtype_a,
            "dtype_b": self.dtype_b,
            "name_b": self.name_b or self.name,
            **({"path": self.path} if self.path else {}),
        }


@dataclass
class CheckpointDiff:
    a: Location
    b: Location
    rows: list[DiffRow]
    pairing: str = "by name"  # or by position, for two files that name one model's weights differently

    @property
    def identical(self) -> bool:
        return all(r.status == SAME for r in self.rows)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.rows:
            out[r.status] += 1
        return out


def resolve_checkpoint(path: str | os.PathLike | Location) -> Location:
    """A checkpoint prefix from a prefix, one of its files, or a model_dir (its latest). A damaged
    checkpoint is an error naming it, never silently replaced by an older one."""
    source = open_source(path)
    md = source.model_dir
    if source.selected is None and md.latest is not None:
        latest = md.find(md.latest)
        if latest is not None and latest.problem:
            raise CheckpointError(
                f"the latest checkpoint of {md.path}, {latest.name}, is damaged: {latest.problem} "
                "(name another checkpoint to use it)"
            )
    info = source.checkpoint()
    if info.problem and not info.being_written:
        raise CheckpointError(f"{info.name} is damaged: {info.problem}")
    return info.prefix


def default_pair(checkpoints: list[CheckpointInfo], current: CheckpointInfo):
    """The diff window's first pair: the checkpoint before the current one (among those with
    files), and the current one; the current one twice when it is the first."""
    on_disk = [c for c in checkpoints if c.on_disk]
    i = next((k for k, c in enumerate(on_disk) if c.name == current.name), 0)
    before = on_disk[max(i - 1, 0)] if on_disk else current
    return before.prefix, current.prefix


def diff_checkpoints(a: Location, b: Location, progress: Progress | None = None, engine=None) -> CheckpointDiff:
    """Every variable of A against B's. engine: where tensors stored whole are compared, in byte
    ranges (values/tasks.py: every core here by default, or a Dask cluster)."""
    ra, rb = open_checkpoint(a), open_checkpoint(b)
    from ckpt_browser.core.values.mapping import cross_framework_view

    crossed = cross_framework_view(ra, rb)  # a TF checkpoint against its PyTorch conversion
    if crossed is not None:
        ra, rb, _ = crossed
    va = {v.name: v for v in ra.variables()}
    vb = {v.name: v for v in rb.variables()}
    from ckpt_browser.core.values.pairing import graph_file_pairs

    by_file = graph_file_pairs(ra, rb)  # a Keras 3 model's tf.train.Checkpoint against its Keras file
    if by_file is not None and any(x in vb and x != y for x, y in by_file):
        by_file = None  # a name of A means another variable in B: by name
    pairs = by_file if by_file is not None else _pairs(ra, rb, va, vb)
    by_path = graph_pairs(ra, rb, va, vb) if pairs is None else None
    if by_path:  # keys of one model stored under other first paths (formats/object_graph.py)
        vb = {**{k: v for k, v in vb.items() if k not in {y for _, y in by_path}}, **{x: vb[y] for x, y in by_path}}
        pairs = []
    slots = slot_pairs(va, vb, pairs or [])  # optimizer slots a legacy .h5 spells flat
    renamed = {}
    for name_a, name_b in (pairs or []) + slots:  # compare weight with weight, say how they paired
        vb[name_a] = vb.pop(name_b)
        renamed[name_a] = name_b
    renamed.update(by_path or [])
    names = sorted(set(va) | set(vb))
    # Progress by bytes to read, so one huge embedding does not stall the bar at one row.
    weights = {n: max(1, _nbytes(va.get(n)) + _nbytes(vb.get(n))) for n in names}
    total = sum(weights.values())
    from ckpt_browser.core.values.diff_tasks import diff_all

    both = [(n, renamed.get(n, n)) for n in names if n in va and n in vb and va[n].shape == vb[n].shape]
    moved = (lambda d, _t, what: progress(d * 2, total, what)) if progress else None
    tasked, done = diff_all(ra, rb, [(x, y) for x, y in both if va[x].dtype == vb[x].dtype], engine, moved)
    rows = []
    for name in names:
        x, y = va.get(name), vb.get(name)
        if x is None:
            assert y is not None  # the name came from one side or the other
            rows.append(DiffRow(name, ONLY_B, shape_b=y.shape, dtype_b=y.dtype))
        elif y is None:
            rows.append(DiffRow(name, ONLY_A, shape_a=x.shape, dtype_a=x.dtype))
        elif x.dtype != y.dtype:
            rows.append(DiffRow(name, DTYPE, None, None, x.shape, y.shape, x.dtype, y.dtype))
        elif x.shape != y.shape:
            rows.append(DiffRow(name, SHAPE, None, None, x.shape, y.shape, x.dtype, y.dtype))
        else:
            d = tasked.get(name) or diff_tensors(ra.read(name), rb.read(renamed.get(name, name)))
            if isinstance(d, CheckpointError):
                raise d  # in name order, as reading it here would have
            status = SAME if d.equal else CHANGED
            rows.append(DiffRow(name, status, d.max_abs_diff, d.rel_change, x.shape, y.shape, x.dtype, y.dtype))
        if name in renamed:
            rows[-1].name_b = renamed[name]
        done += 0 if name in tasked else weights[name]
        if progress:
            progress(done, total, "comparing")
    for row in rows if crossed is not None else []:  # B's PyTorch name beside A's TF name
        row.name_b = getattr(rb, "renamed", {}).get(row.name, row.name_b)
    _graph_paths(ra, rb, rows)
    out = CheckpointDiff(locate(a), locate(b), rows)
    out.pairing = "by position (model order), as load_weights pairs a legacy file" if pairs else "by name"
    if by_file:
        out.pairing = "by the checkpoint's object graph: weights by path, optimizer variables by their index"
    if by_path:
        out.pairing = f"by path in the object graph ({len(by_path)} stored under another key in B)"
    if crossed is not None:
        out.pairing = crossed[2]
    if slots:
        out.pairing += f"; {len(slots)} optimizer slots by their flattened names (a legacy .h5 writes a/b_c for a/b/c)"
    return out


def _pairs(ra, rb, va: dict, vb: dict) -> list[tuple[str, str]] | None:
    """Positional pairs when the two files share few names but list the same model's weights."""
    from ckpt_browser.core.values.pairing import positional_pairs

    common = set(va) & set(vb)
    if len(common) * 2 >= min(len(va), len(vb)):
        return None
    pairs = positional_pairs(ra, rb)
    if pairs is None or any(tuple(va[x].shape) != tuple(vb[y].shape) for x, y in pairs):
        return None  # not the same model: by name, as before
    if any(x in vb and x != y for x, y in pairs):
        return None  # a name of A means another weight in B: pairing would hide it
    return [(x, y) for x, y in pairs if x != y]


def _graph_paths(ra, rb, rows: list[DiffRow]) -> None:
    """Each row's object-graph path, where a side's graph names it otherwise than its key."""
    ka = ra.kinds() if hasattr(ra, "kinds") and not hasattr(ra, "entries") else None
    kb = rb.kinds() if hasattr(rb, "kinds") and not hasattr(rb, "entries") else None
    for row in rows:
        role_a = (ka or {}).get(row.name) if row.status != ONLY_B else None
        role_b = (kb or {}).get(row.name_b or row.name) if row.status != ONLY_A else None
        if role_a is not None and len(role_a) > 2 and role_a.path != display_name(row.name):
            row.path = role_a.path
        if role_b is not None and len(role_b) > 2:
            if role_a is None:
                row.path = role_b.path if role_b.path != display_name(row.name) else None
            elif role_b.path != display_name(row.name_b or row.name):
                row.path_b = role_b.path


def graph_pairs(ra, rb, va: dict, vb: dict) -> list[tuple[str, str]] | None:
    """(key in A, key in B) for the variables both checkpoints' object graphs put at one path under
    different keys (a Keras 3 model saved before and after its optimizer was built); None when
    either has no graph, nothing differs, or a key of A names another variable in B."""
    ka = ra.kinds() if hasattr(ra, "kinds") else None
    kb = rb.kinds() if hasattr(rb, "kinds") else None
    if not ka or not kb or len(next(iter(ka.values()))) < 3 or len(next(iter(kb.values()))) < 3:
        return None
    path_b = {role.path: key for key, role in kb.items()}
    pairs = [(x, path_b[role.path]) for x, role in ka.items() if role.path in path_b and x in va]
    moved = [(x, y) for x, y in pairs if x != y and y in vb and tuple(va[x].shape) == tuple(vb[y].shape)]
    taken = {y for _, y in moved}
    if any(x in vb and x not in taken for x, _ in moved):
        return None  # A's key is another variable of B that stays: leave them by name
    return moved or None


def slot_pairs(va: dict, vb: dict, taken: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Optimizer slots named alike but for their separators -- ``optimizer/adam/hidden/kernel/momentum``
    in a .keras, ``optimizer/adam/hidden_kernel_momentum`` in the legacy .h5 of the same model --
    paired when the flattened name is unique on both sides and the shapes agree."""
    used_a, used_b = {a for a, _ in taken}, {b for _, b in taken}

    def flat(names) -> dict[str, str]:
        out: dict[str, list[str]] = {}
        for n in names:
            if n.startswith("optimizer/"):
                head, _, rest = n.partition("/")[2].partition("/")
                out.setdefault(f"{head}/{rest.replace('/', '_')}", []).append(n)
        return {k: v[0] for k, v in out.items() if len(v) == 1}

    fa = flat(n for n in va if n not in vb and n not in used_a)
    fb = flat(n for n in vb if n not in va and n not in used_b)
    return [(fa[k], fb[k]) for k in sorted(fa.keys() & fb.keys()) if tuple(va[fa[k]].shape) == tuple(vb[fb[k]].shape)]


def _nbytes(v) -> int:
    if v is None:
        return 0
    from ckpt_browser.core.formats.records import itemsize

    size = itemsize(v.dtype) or 8
    n = 1
    for d in v.shape:
        n *= d
    return n * size


@dataclass
class PairPlots:
    """What the diff view draws for one variable: A, B and B - A where they exist."""

    name: str
    a: PlotData | None
    b: PlotData | None
    delta: PlotData | None


def pair_plots(a: Path, b: Path, name: str) -> PairPlots:
    ra, rb = open_checkpoint(a), open_checkpoint(b)
    names_a = {v.name for v in ra.variables()}
    names_b = {v.name for v in rb.variables()}
    xa = ra.read(name) if name in names_a else None
    xb = rb.read(name) if name in names_b else None

    def draw(x):
        return None if x is None else plot_data(x, SliceSpec.default(x.ndim))

    d = None
    if xa is not None and xb is not None and xa.shape == xb.shape and xa.dtype == xb.dtype:
        if xa.dtype.kind not in "OS":
            d = draw(delta(xa, xb))
    return PairPlots(name, draw(xa), draw(xb), d)
