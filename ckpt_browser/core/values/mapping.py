"""Will this TensorFlow checkpoint map onto that PyTorch model? Every TF variable paired with a PyTorch
tensor by named rules (mapping_rules.py), each pair's shape checked after the rule's transform, the
transposes proved by value when both files hold values, what is left over on each side listed with its
nearest candidates. Read with our own readers: no TensorFlow, no torch."""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass, field
from typing import Any

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import registry
from ckpt_browser.core.formats.records import VariableEntry
from ckpt_browser.core.storage import Location
from ckpt_browser.core.values.mapping_rules import Rules, load_rules

OK, SHAPE, VALUES, UNTRANSPOSED, EXTRA_TRANSPOSE = "ok", "shape", "values", "untransposed", "transposed"


@dataclass
class Pair:
    tf: str
    torch: str
    transposed: bool
    tf_shape: tuple[int, ...]
    torch_shape: tuple[int, ...]
    status: str = OK
    detail: str = ""
    by_value: bool = False  # the values were compared (and equal, when status is ok)
    tied: list[str] = field(default_factory=list)  # other PyTorch names sharing this tensor's storage

    def to_json(self) -> dict:
        return {"tf": self.tf, "torch": self.torch, "transposed": self.transposed, "tf_shape": list(self.tf_shape),
                "torch_shape": list(self.torch_shape), "status": self.status, "detail": self.detail,
                "by_value": self.by_value, "tied": self.tied}  # fmt: skip


@dataclass
class Leftover:
    name: str
    shape: tuple[int, ...]
    dtype: str
    nearest: list[str]
    expected: str = ""  # TF side: the PyTorch name the rules gave


@dataclass
class Mapping:
    tf_path: str
    torch_path: str
    rules: str
    pairs: list[Pair] = field(default_factory=list)
    tf_left: list[Leftover] = field(default_factory=list)
    torch_left: list[Leftover] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # TF names the rules drop (optimizer slots, global_step)
    buffers: list[str] = field(default_factory=list)  # PyTorch integer tensors no TF weight feeds (position_ids)
    values_checked: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def failing(self) -> list[Pair]:
        return [p for p in self.pairs if p.status != OK]

    @property
    def ok(self) -> bool:
        return not self.failing and not self.tf_left and not self.torch_left

    def to_json(self) -> dict:
        return {
            "tf": self.tf_path, "torch": self.torch_path, "rules": self.rules, "ok": self.ok,
            "pairs": [p.to_json() for p in self.pairs],
            "tf_left": [{"name": x.name, "shape": list(x.shape), "dtype": x.dtype, "expected": x.expected,
                         "nearest": x.nearest} for x in self.tf_left],
            "torch_left": [{"name": x.name, "shape": list(x.shape), "dtype": x.dtype, "nearest": x.nearest}
                           for x in self.torch_left],
            "skipped": len(self.skipped), "buffers": self.buffers, "values_checked": self.values_checked,
            "notes": self.notes,
        }  # fmt: skip


def _transposed_shape(shape: tuple[int, ...], transpose: bool) -> tuple[int, ...]:
    return tuple(reversed(shape)) if transpose else tuple(shape)


def _ties(reader) -> dict[str, str]:
    """PyTorch names whose tensor is another's (the same storage, offset, shape and strides): the
    tied weights torch.save keeps twice (a decoder tied to the word embeddings). name -> first name."""
    tensors = getattr(reader, "tensors", None)
    if tensors is None and hasattr(reader, "shards"):
        return {k: v for shard in reader.shards.values() for k, v in _ties(shard).items()}
    out: dict[str, str] = {}
    first: dict[tuple, str] = {}
    tensors = tensors or {}
    for name in sorted(tensors):
        t = tensors[name]
        key = (t.storage.key, t.storage.view_offset, t.offset, t.shape, t.stride, t.dtype)
        if key in first:
            out[name] = first[key]
        else:
            first[key] = name
    return out


def compare_values(pair: Pair, tf_value, torch_value) -> None:
    """Set pair.status from the values: equal after the rule's transform (cast to PyTorch's dtype, as
    the converter's assignment casts), or which transform would have made them equal."""
    import numpy as np

    pair.by_value = True
    expected = np.transpose(tf_value) if pair.transposed else tf_value
    if expected.shape == torch_value.shape and _equal(expected, torch_value):
        return
    square = tf_value.ndim == 2 and tf_value.shape[0] == tf_value.shape[1]
    if pair.transposed and square and _equal(tf_value, torch_value):
        pair.status = UNTRANSPOSED
        pair.detail = "holds the TF kernel as stored: loaded without its transpose"
    elif not pair.transposed and square and _equal(np.transpose(tf_value), torch_value):
        pair.status = EXTRA_TRANSPOSE
        pair.detail = "holds the TF value transposed; the rules say it is not"
    else:
        diff = _max_diff(expected, torch_value)
        pair.status = VALUES
        pair.detail = "values differ from the TF variable's" + (f" (max |difference| {diff:.3g})" if diff else "")


def _equal(a, b) -> bool:
    import numpy as np

    if a.shape != b.shape:
        return False
    try:
        cast = a.astype(b.dtype)
    except (TypeError, ValueError):
        return False
    return bool(np.array_equal(cast, b, equal_nan=cast.dtype.kind in "fc" or "float" in cast.dtype.name))


def _max_diff(a, b) -> float | None:
    import numpy as np

    if a.shape != b.shape:
        return None
    with np.errstate(all="ignore"):
        d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    return float(np.nanmax(d)) if d.size else None


def _nearest(name: str, pool: list[str]) -> list[str]:
    return difflib.get_close_matches(name, pool, n=3, cutoff=0.6)


def map_readers(tf_reader, torch_reader, rules: Rules, values: bool = True, tf_path: str = "", torch_path: str = "",
                progress: Any = None) -> Mapping:  # fmt: skip
    out = Mapping(tf_path, torch_path, rules.name)
    torch_vars = {v.name: v for v in torch_reader.variables()}
    ties = _ties(torch_reader)
    taken: dict[str, str] = {}  # PyTorch name -> the TF name paired with it
    unmatched: list[tuple[Any, str]] = []
    tf_vars = tf_reader.variables()
    for v in tf_vars:
        if rules.skipped(v.name):
            out.skipped.append(v.name)
            continue
        names, transposed = rules.candidates(v.name)
        found = next((n for n in names if n in torch_vars and n not in taken), None)
        if found is None:
            unmatched.append((v, names[0] if names else ""))
            continue
        taken[found] = v.name
        t = torch_vars[found]
        pair = Pair(v.name, found, transposed, tuple(v.shape), tuple(t.shape))
        pair.tied = sorted(n for n, first in ties.items() if first == found)
        if _transposed_shape(tuple(v.shape), transposed) != tuple(t.shape):
            pair.status = SHAPE
            pair.detail = f"TF {list(v.shape)}{' transposed' if transposed else ''} is not PyTorch's {list(t.shape)}"
        out.pairs.append(pair)
    left_torch = [n for n in torch_vars if n not in taken and n not in ties]
    for v, expected in unmatched:
        out.tf_left.append(Leftover(v.name, tuple(v.shape), v.dtype, _nearest(expected, left_torch), expected))
    for n in sorted(left_torch):
        t = torch_vars[n]
        if t.dtype.startswith(("int", "uint", "bool")):
            out.buffers.append(n)  # position_ids and such: PyTorch's own, no TF weight feeds them
            continue
        mapped = {rules.candidates(v.name)[0][0]: v.name for v, _ in unmatched if rules.candidates(v.name)[0]}
        out.torch_left.append(Leftover(n, tuple(t.shape), t.dtype, [mapped[m] for m in _nearest(n, list(mapped))]))
    if values:
        _check_values(out, tf_reader, torch_reader, progress)
    return out


def _check_values(out: Mapping, tf_reader, torch_reader, progress: Any) -> None:
    """Compare every shape-matching pair's values. When no pair holds equal values at all, the two
    files are not a conversion of one another: names and shapes are what was checked, and said."""
    candidates = [p for p in out.pairs if p.status == OK]
    for i, pair in enumerate(candidates):
        try:
            compare_values(pair, tf_reader.read(pair.tf), torch_reader.read(pair.torch))
        except CheckpointError as exc:
            pair.status, pair.detail = VALUES, f"cannot be read: {exc}"
        if progress is not None:
            progress(i + 1, len(candidates), "comparing values")
    equal = sum(p.by_value and p.status == OK for p in candidates)
    if candidates and equal == 0:
        for p in candidates:
            if p.status == VALUES and p.detail.startswith("values differ"):
                p.status, p.detail, p.by_value = OK, "", False
        out.notes.append(
            "no pair holds equal values: the PyTorch file is not a conversion of this checkpoint "
            "(names and shapes checked, transposes by shape only)"
        )
    else:
        out.values_checked = bool(candidates)


def _open_torch_side(path: str | os.PathLike | Location):
    """The PyTorch side: a .pt / .bin / .safetensors file, a sharded checkpoint's index, or a folder
    save_pretrained wrote (its index, model.safetensors or pytorch_model.bin)."""
    # deferred: start-up: loads google.protobuf, google_crc32c (+52 modules)
    from ckpt_browser.core.formats.reader import open_checkpoint, remember_format

    path = storage.locate(path)  # the map command's argument, parsed here once
    if storage.is_dir(path):
        for name in ("model.safetensors.index.json", "model.safetensors", "pytorch_model.bin.index.json",
                     "pytorch_model.bin"):  # fmt: skip
            inner = path / name
            if storage.is_file(inner):
                return _open_torch_side(inner)
        raise CheckpointError(f"{str(path)[:300]} holds no model.safetensors or pytorch_model.bin (and no index)")
    if not storage.exists(path):
        raise CheckpointError(f"{str(path)[:300]} does not exist")
    if registry.claims_file(path.name) is not None:
        return open_checkpoint(path)
    # A name no format claims (a .bin beside TF.js shards): its first bytes settle it (the registry's magic).
    f = storage.open_file(path)
    try:
        head = f.read(0, min(16, f.size))
    finally:
        f.close()
    fmt = registry.of_file(path.name, head)
    if fmt is not None:
        remember_format(path, fmt)
        return open_checkpoint(path)
    raise CheckpointError(f"{path.name} is neither a PyTorch (zip or pickle) nor a safetensors file")


def _open_tf_side(path: str):
    # deferred: start-up: loads google.protobuf, google_crc32c (+52 modules)
    from ckpt_browser.core.formats.reader import open_checkpoint

    # deferred: start-up: loads google.protobuf, google_crc32c (+57 modules)
    from ckpt_browser.core.model_dir.contents import open_source

    info = open_source(path).checkpoint()
    return open_checkpoint(info.prefix)


def map_checkpoint(tf_path: str, torch_path: str, rules: str | None = None, values: bool = True,
                   progress: Any = None) -> Mapping:  # fmt: skip
    """`ckpt-browser map`: the TF checkpoint (a prefix, file or model_dir: its latest) against a
    PyTorch file, by built-in rules (bert, albert, electra, t5; guessed from the TF names when not
    given) or a rules file (.json / .toml)."""
    tf_reader = _open_tf_side(tf_path)
    torch_reader = _open_torch_side(torch_path)
    chosen = load_rules(rules, [v.name for v in tf_reader.variables()])
    result = map_readers(tf_reader, torch_reader, chosen, values, str(tf_path), str(torch_path), progress)
    if rules is None:
        result.notes.insert(0, f"rules: {chosen.name} (guessed from the TF names; --rules to choose)")
    return result


def weights_count(m: Mapping) -> int:
    return sum(math.prod(p.torch_shape) for p in m.pairs)


class MappedView:
    """A PyTorch reader seen through a mapping: each paired tensor under its TF name, in TF's layout
    (transposed back), so that diff compares a TF checkpoint with its conversion weight by weight.
    Unpaired PyTorch tensors keep their own names."""

    native = True

    def __init__(self, torch_reader, m: Mapping) -> None:
        self._reader = torch_reader
        self.note = getattr(torch_reader, "note", None)
        self.renamed = {p.tf: p.torch for p in m.pairs if p.status != SHAPE}
        self._transposed = {p.tf for p in m.pairs if p.transposed and p.status != SHAPE}
        paired = set(self.renamed.values()) | {t for p in m.pairs for t in p.tied}  # a tied copy is its pair
        self._entries = {}

        by_name = {v.name: v for v in torch_reader.variables()}
        for tf_name, torch_name in self.renamed.items():
            v = by_name[torch_name]
            self._entries[tf_name] = VariableEntry(
                tf_name, _transposed_shape(tuple(v.shape), tf_name in self._transposed), v.dtype
            )
        for name, v in by_name.items():
            if name not in paired and name not in self._entries:
                self._entries[name] = v

    def variables(self):
        return [self._entries[n] for n in sorted(self._entries)]

    def read(self, name: str):
        import numpy as np

        value = self._reader.read(self.renamed.get(name, name))
        return np.ascontiguousarray(np.transpose(value)) if name in self._transposed else value

    def truncation(self) -> str | None:
        return self._reader.truncation()


def cross_framework_view(ra, rb):
    """(ra, rb, pairing) with the PyTorch side of a TF / PyTorch pair seen under the TF names by the
    mapping rules (guessed from the TF names); None when both or neither are PyTorch, or nothing pairs."""
    a_torch, b_torch = getattr(ra, "framework", "") == "pytorch", getattr(rb, "framework", "") == "pytorch"
    if a_torch == b_torch:
        return None
    tf_reader, torch_reader = (rb, ra) if a_torch else (ra, rb)
    try:
        rules = load_rules(None, [v.name for v in tf_reader.variables()])
        m = map_readers(tf_reader, torch_reader, rules, values=False)
    except CheckpointError:
        return None
    if not m.pairs:
        return None
    view = MappedView(torch_reader, m)
    said = f"by the {rules.name} mapping rules (TF name -> PyTorch name, kernels transposed back): {len(m.pairs)} pairs"
    return ((view, rb) if a_torch else (ra, view)) + (said,)
