"""What part of an N-D tensor is on screen, and how one element is written as text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class SliceSpec:
    """Two displayed axes (rows, columns) and an index for every other axis.

    For a 1-D tensor only ``rows`` is used; for a scalar nothing is.
    """

    rows: int = 0
    cols: int = 1
    index: dict[int, int] = field(default_factory=dict)

    @classmethod
    def default(cls, ndim: int) -> SliceSpec:
        # The last two axes are shown: for conv kernels [h, w, in, out] that is the
        # in x out matrix of one tap, which is what people usually look for.
        if ndim <= 2:
            return cls(0, 1)
        return cls(ndim - 2, ndim - 1, {ax: 0 for ax in range(ndim - 2)})

    def normalized(self, shape: tuple[int, ...]) -> SliceSpec:
        ndim = len(shape)
        if ndim < 2:
            return SliceSpec(0, 1)
        rows, cols = self.rows, self.cols
        if not (0 <= rows < ndim and 0 <= cols < ndim) or rows == cols:
            return SliceSpec.default(ndim)
        index = {}
        for ax in range(ndim):
            if ax not in (rows, cols):
                index[ax] = min(max(self.index.get(ax, 0), 0), max(shape[ax] - 1, 0))
        return SliceSpec(rows, cols, index)


def view2d(a: np.ndarray, spec: SliceSpec) -> np.ndarray:
    """A view (no copy) of what is shown: 0-D -> 1x1, 1-D -> n x 1, N-D -> the chosen plane."""
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(-1, 1)
    spec = spec.normalized(a.shape)
    key = tuple(slice(None) if ax in (spec.rows, spec.cols) else spec.index[ax] for ax in range(a.ndim))
    plane = a[key]
    return plane.T if spec.rows > spec.cols else plane


def slice_label(shape: tuple[int, ...], spec: SliceSpec) -> str:
    """numpy-style index of the shown plane, e.g. [0, 2, :, :]."""
    if len(shape) < 3:
        return ""
    spec = spec.normalized(shape)
    parts = [":" if ax in (spec.rows, spec.cols) else str(spec.index[ax]) for ax in range(len(shape))]
    return "[" + ", ".join(parts) + "]"


def decode_text(value) -> str:
    """A string element: UTF-8 text when it is, else the bytes with escapes."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return repr(value)[2:-1]
    return str(value)


def formatter(dtype: np.dtype) -> Callable[[object], str]:
    """One function per dtype, chosen once, that writes one element."""
    kind = dtype.kind
    if kind == "O" or kind == "S":
        return decode_text
    if kind == "b":
        return _bool_text
    if kind in "iu":
        return _int_text
    if kind == "c":
        return _complex_text
    return _float_text


def _bool_text(v: Any) -> str:
    return "true" if v else "false"


def _int_text(v: Any) -> str:
    return str(int(v))


def _complex_text(v: Any) -> str:
    return f"{v.real:.6g}{v.imag:+.6g}j"


def _float_text(v: Any) -> str:
    return f"{float(v):.6g}"


def to_jsonable(a: np.ndarray):
    """Nested lists for JSON: strings decoded, complex as [re, im], NaN/Inf as strings."""
    if a.dtype.kind in "OS":
        return np.vectorize(decode_text, otypes=[object])(a).tolist() if a.size else a.tolist()
    if a.dtype.kind == "c":
        return np.stack([a.real, a.imag], axis=-1).tolist() if a.size else []
    if a.dtype.kind == "V" or a.dtype.name == "bfloat16":
        a = a.astype(np.float32)
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        out = a.astype(object)
        out[np.isnan(a)] = "NaN"
        out[np.isposinf(a)] = "Infinity"
        out[np.isneginf(a)] = "-Infinity"
        return out.tolist()
    return a.tolist()


@dataclass
class PlotData:
    """What the plot tab draws for a tensor and slice, prepared off the UI thread."""

    kind: str  # "line", "image" or "none"
    values: np.ndarray | None = None  # the shown elements, original dtype (readout)
    numbers: np.ndarray | None = None  # as floats for drawing
    levels: tuple[float, float] = (0.0, 1.0)
    note: str = ""  # e.g. "|z| of complex values"


def plot_data(a: np.ndarray, spec: SliceSpec) -> PlotData:
    if a.dtype.kind in "OS":
        return PlotData("none", note="strings have no plot")
    if a.ndim == 0:
        return PlotData("none", note="a scalar: see its value above")
    shown = a if a.ndim == 1 else view2d(a, spec)
    note = ""
    if shown.dtype.kind == "c":
        numbers = np.abs(shown).astype(np.float32)
        note = "|z| of complex values"
    else:
        numbers = shown.astype(np.float32) if shown.dtype != np.float32 else np.ascontiguousarray(shown)
    finite = numbers[np.isfinite(numbers)]
    levels = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return PlotData("line" if a.ndim == 1 else "image", shown, numbers, levels, note)
