"""What a restored graph is fed: values typed by the user (parsed, never evaluated), and an
Estimator graph's inputs: the input pipeline's outputs (``IteratorGetNext:k``) named by the
feature keys the model reads them as, so that a restored graph can be fed ``SepalLength=5.1``.

The features dict of an input_fn is flattened in sorted key order (tf.nest), then the labels;
the key of each output is read from the feature column scope that consumes it
(``dnn/input_from_feature_columns/input_layer/SepalLength_1/ExpandDims``), and trusted only when
the keys found are in that sorted order."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.dtypes import dtype_name

PIPELINE_OPS = {"IteratorGetNext", "IteratorGetNextSync", "QueueDequeueManyV2", "QueueDequeueUpToV2"}
_COLUMN_SCOPES = {"input_layer", "linear_model", "input_from_feature_columns"}
_COLUMN_SUFFIX = re.compile(r"(_indicator|_embedding|_bucketized|_weighted_by_.*)?(_\d+)?$")


@dataclass(frozen=True)
class FeatureInput:
    """One output of the input pipeline: what to feed in its place."""

    key: str  # the feature key ("SepalLength"), "labels", or the tensor name when unknown
    tensor: str  # "IteratorGetNext:2"
    dtype: str
    shape: tuple[int | None, ...] | None

    @property
    def name(self) -> str:  # what the user feeds it as (a placeholder's name, for the feed forms)
        return self.key

    @property
    def shape_text(self) -> str:
        if self.shape is None:
            return "any shape"
        return "[" + ", ".join("?" if d is None else str(d) for d in self.shape) + "]"


def feature_inputs(graph_def) -> list[FeatureInput]:
    """The outputs of the graph's input pipeline op (one per graph; Estimators make one), keyed."""
    pipeline = next((n for n in graph_def.node if n.op in PIPELINE_OPS), None)
    if pipeline is None:
        return []
    types = list(pipeline.attr["output_types"].list.type) or list(pipeline.attr["component_types"].list.type)
    shapes = list(pipeline.attr["output_shapes"].list.shape)
    consumers: dict[int, list[str]] = {k: [] for k in range(len(types))}
    for n in graph_def.node:
        for inp in n.input:
            base, _, idx = inp.lstrip("^").partition(":")
            if base == pipeline.name and not inp.startswith("^"):
                consumers.setdefault(int(idx or 0), []).append(n.name)
    keys = [_key_of(consumers.get(k, [])) for k in range(len(types))]
    keys = _trusted(keys)
    out = []
    for k, dtype in enumerate(types):
        tensor = f"{pipeline.name}:{k}"
        shape = None
        if k < len(shapes) and not shapes[k].unknown_rank:
            shape = tuple(None if d.size < 0 else int(d.size) for d in shapes[k].dim)
        out.append(FeatureInput(keys[k] or tensor, tensor, dtype_name(dtype), shape))
    return out


def _key_of(consumers: list[str]) -> str | None:
    for name in consumers:
        parts = name.split("/")
        if parts[0] == "head" and any("label" in p for p in parts):
            return "labels"
        scopes = [i for i, p in enumerate(parts[:-1]) if p in _COLUMN_SCOPES]
        if scopes and scopes[-1] + 1 < len(parts) - 1:
            column = parts[scopes[-1] + 1]
            return _COLUMN_SUFFIX.sub("", column) or column
    return None


def _trusted(keys: list[str | None]) -> list[str | None]:
    """Keys kept only when the features among them come in sorted order, each once (as tf.nest
    flattened them); otherwise none is trusted and outputs go by tensor name."""
    features = [k for k in keys if k is not None and k != "labels"]
    if features != sorted(features) or len(set(features)) != len(features):
        return [None] * len(keys)
    return keys


def parse_values(text: str) -> np.ndarray:
    """A feed typed by the user: a number, a JSON list, or start:stop:num (a linspace).

    Parsed, never evaluated.
    """
    text = text.strip()
    shown = text if len(text) <= 60 else text[:57] + "..."
    wrong = CheckpointError(f"{shown!r} is not a number, a JSON list or start:stop:num")
    if len(text) > 50_000_000:
        raise CheckpointError(f"a value of {len(text):,} characters is too long to feed")
    m = re.fullmatch(r"([-+0-9.eE]{1,40}):([-+0-9.eE]{1,40}):(\d{1,9})", text)
    if m:
        try:
            start, stop, num = float(m.group(1)), float(m.group(2)), int(m.group(3))
        except ValueError:
            raise wrong from None
        if not (math.isfinite(start) and math.isfinite(stop)):
            raise wrong
        if num < 1 or num > 10_000_000:
            raise CheckpointError(f"{shown}: the number of points must be between 1 and 10,000,000")
        return np.linspace(start, stop, num)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError, a 5000-digit int, 30,000 nested "["
        raise wrong from None
    if not _numeric_nest(value):
        raise wrong
    try:
        array = np.asarray(value)
    except (ValueError, OverflowError) as exc:  # ragged lists, ints beyond 64 bits
        raise CheckpointError(f"{shown!r}: {str(exc).splitlines()[0][:120]}") from None
    if array.dtype == object:
        raise CheckpointError(f"{shown!r}: numbers too big, or lists of different lengths")
    return array


def _numeric_nest(value, depth: int = 0) -> bool:
    """A number, or lists of them (no strings, objects or nulls), at most 32 levels deep."""
    if isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, list) and depth < 32:
        return all(_numeric_nest(v, depth + 1) for v in value)
    return False


def feed_array(value, dtype: str, shape: tuple[int | None, ...] | None, name: str) -> np.ndarray:
    """A value to feed a tensor of this dtype: text is parsed (strings taken as they are, for a
    string feature); a single value fed to a batch ([?]) becomes a batch of one."""
    if isinstance(value, str):
        if dtype == "string":
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = value
            if isinstance(parsed, list) and all(isinstance(v, str) for v in parsed):
                array = np.array([v.encode() for v in parsed], dtype=object)
            else:
                array = np.array(parsed.encode() if isinstance(parsed, str) else value.encode(), dtype=object)
        else:
            array = parse_values(value)
    else:
        array = np.asarray(value)
    if shape is not None and len(shape) == array.ndim + 1 and shape[0] is None:
        array = array[None] if array.ndim else array.reshape(1)
    if dtype != "string":
        try:
            array = array.astype(np.dtype(dtype))
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"{name}: cannot feed {array.dtype} values as {dtype} ({exc})") from None
    return array
