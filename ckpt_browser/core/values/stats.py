"""Statistics, histograms and differences of tensors: numpy, in chunks, never via Python objects."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ckpt_browser.core.base.progress import Progress

CHUNK = 1 << 20  # elements per chunk: a few MB, stays in cache, keeps progress moving
BINS = 64


@dataclass
class TensorStats:
    """Figures over the finite elements; NaN and Inf are counted, not included."""

    count: int
    finite: int
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    l2: float | None = None
    zeros: float | None = None  # fraction of elements equal to zero
    nan: int = 0
    inf: int = 0
    of: str = "values"  # "values", or "magnitudes" for complex tensors
    hist_counts: list[int] = field(default_factory=list)
    hist_edges: list[float] = field(default_factory=list)

    def to_json(self) -> dict:
        d = asdict(self)
        d["histogram"] = {"counts": d.pop("hist_counts"), "edges": d.pop("hist_edges")}
        return d

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) pairs as the window and the terminal show them."""

        def f(x):
            return "–" if x is None else f"{x:.6g}"

        out = [("elements", f"{self.count:,}")]
        if self.of == "magnitudes":
            out.append(("of", "|z| (complex magnitudes)"))
        out += [
            ("min", f(self.min)),
            ("max", f(self.max)),
            ("mean", f(self.mean)),
            ("std", f(self.std)),
            ("L2 norm", f(self.l2)),
            ("zeros", "–" if self.zeros is None else f"{100 * self.zeros:.3g} %"),
            ("NaN", f"{self.nan:,}"),
            ("Inf", f"{self.inf:,}"),
        ]
        return out


def numeric_view(a: np.ndarray) -> tuple[np.ndarray, str]:
    """The array as numbers stats can run on: complex -> magnitude, bool -> uint8,
    bfloat16 and other extension floats -> float32. Big arrays are converted chunk by chunk
    by the callers; this converts a chunk."""
    if a.dtype.kind == "c":
        return np.abs(a), "magnitudes"
    if a.dtype.kind == "b":
        return a.view(np.uint8), "values"
    if a.dtype.kind == "V" or a.dtype.name == "bfloat16":
        return a.astype(np.float32), "values"
    return a, "values"


def is_numeric(a: np.ndarray) -> bool:
    return a.dtype.kind in "biufcV" or a.dtype.name == "bfloat16"


def _chunks(flat: np.ndarray, chunk: int):
    for start in range(0, flat.size, chunk):
        yield start, flat[start : start + chunk]


def compute_stats(a: np.ndarray, progress: Progress | None = None, chunk: int = CHUNK, bins: int = BINS) -> TensorStats:
    """Two passes over the flat array in chunks: figures, then the histogram."""
    a = np.asarray(a)
    flat = a.reshape(-1)  # a view for the contiguous arrays the reader returns
    n = int(flat.size)
    if n == 0 or not is_numeric(a):
        return TensorStats(count=n, finite=0)
    total_steps = 2 * max(1, math.ceil(n / chunk))
    fold = StatsFold(n, a.dtype)
    for step, (_, raw) in enumerate(_chunks(flat, chunk)):
        fold.add(chunk_figures(raw, fold.float_like))
        if progress:
            progress(step + 1, total_steps, "statistics")
    edges = fold.edges(bins)
    if edges is not None:
        counts = np.zeros(len(edges) - 1, np.int64)
        for step, (_, raw) in enumerate(_chunks(flat, chunk)):
            counts += chunk_histogram(raw, edges, fold.float_like and not fold.all_finite)
            if progress:
                progress(total_steps // 2 + step + 1, total_steps, "histogram")
        fold.histogram(counts, edges)
    return fold.stats


def chunk_figures(raw: np.ndarray, float_like: bool) -> tuple:
    """(what the values are of, zeros, nan, inf, finite count, min, max, mean, squared deviations)
    of one chunk: what StatsFold.add folds, in order, chunk after chunk."""
    c, of = numeric_view(raw)
    zeros = int(c.size - np.count_nonzero(c))
    nan = inf = 0
    if float_like:
        finite = np.isfinite(c)
        if not finite.all():
            nan, inf = int(np.isnan(c).sum()), int(np.isinf(c).sum())
            c = c[finite]
    if not c.size:
        return of, zeros, nan, inf, 0, 0.0, 0.0, 0.0, 0.0
    # min and max in the stored dtype, sums accumulated in float64 without a float64 copy of the
    # chunk: the deviations are the one float64 array made.
    k = int(c.size)
    cmean = float(np.add.reduce(c, dtype=np.float64)) / k
    dev = np.subtract(c, cmean, dtype=np.float64)
    return of, zeros, nan, inf, k, float(c.min()), float(c.max()), cmean, float(np.dot(dev, dev))


def chunk_histogram(raw: np.ndarray, edges: np.ndarray, drop_nonfinite: bool) -> np.ndarray:
    c, _ = numeric_view(raw)
    if drop_nonfinite:
        c = c[np.isfinite(c)]
    if (edges[-1] - edges[0]) > 1e37 and c.dtype.kind == "f" and c.dtype.itemsize < 8:
        c = c.astype(np.float64)  # numpy bins in the data's type: a float32 range wider than 3e38 overflows
    # Equal-width bins given by count and range take numpy's fast path (no search per value).
    return _histogram(c, edges)


class StatsFold:
    """compute_stats' running figures, fed chunk by chunk (here, or by tasks reading a file)."""

    def __init__(self, n: int, dtype: np.dtype) -> None:
        self.stats = TensorStats(count=n, finite=0)
        self.float_like = dtype.kind in "fcV" or dtype.name == "bfloat16"
        self.integer = dtype.kind in "iub"
        self.lo, self.hi = math.inf, -math.inf
        self.count, self.mean, self.m2, self.sumsq, self.zeros = 0, 0.0, 0.0, 0.0, 0  # m2: Chan et al.

    def add(self, figures: tuple) -> None:
        of, zeros, nan, inf, k, lo, hi, cmean, cm2 = figures
        self.stats.of = of
        self.zeros += zeros
        self.stats.nan += nan
        self.stats.inf += inf
        if k:
            self.lo, self.hi = min(self.lo, lo), max(self.hi, hi)
            self.sumsq += cm2 + k * cmean * cmean  # sum of squares = deviations' + k * mean^2
            delta = cmean - self.mean
            total = self.count + k
            self.mean += delta * k / total
            self.m2 += cm2 + delta * delta * self.count * k / total
            self.count = total

    @property
    def all_finite(self) -> bool:
        return self.stats.nan == 0 and self.stats.inf == 0

    def edges(self, bins: int) -> np.ndarray | None:
        """The figures settled; the histogram's bin edges (None: no finite value, no histogram)."""
        s = self.stats
        s.finite = self.count
        s.zeros = self.zeros / s.count if s.count else None
        if not self.count:
            return None
        s.min, s.max, s.mean = self.lo, self.hi, self.mean
        s.std = math.sqrt(self.m2 / self.count)
        s.l2 = math.sqrt(self.sumsq)
        return _bin_edges(self.lo, self.hi, bins, self.integer)

    def histogram(self, counts: np.ndarray, edges: np.ndarray) -> None:
        self.stats.hist_counts = counts.tolist()
        self.stats.hist_edges = edges.tolist()


def _histogram(c: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin: numpy's fast path (count and range); where the bins are narrower than the
    values' resolution (a range of 1e-9 around 6e16) it refuses, and the edges are searched."""
    try:
        return np.histogram(c, bins=len(edges) - 1, range=(edges[0], edges[-1]))[0]
    except ValueError:
        idx = np.clip(np.searchsorted(edges, c, side="right") - 1, 0, len(edges) - 2)
        return np.bincount(idx, minlength=len(edges) - 1)


def _bin_edges(lo: float, hi: float, bins: int, integer: bool) -> np.ndarray:
    if integer and hi - lo < bins:
        return np.arange(lo - 0.5, hi + 1.5, 1.0)  # one bin per integer value
    if lo == hi:  # one value: a bin around it, wide enough to exist at its magnitude
        half = max(0.5, abs(lo) * 1e-6)
        return np.array([lo - half, hi + half])
    return np.linspace(lo, hi, bins + 1)


@dataclass
class TensorDiff:
    """How b differs from a, element-wise."""

    equal: bool
    max_abs_diff: float | None
    rel_change: float | None  # ||b - a|| / ||a||; None when ||a|| is 0 and they differ
    changed: int = 0  # elements that differ


def diff_tensors(a: np.ndarray, b: np.ndarray, chunk: int = CHUNK) -> TensorDiff:
    """Compare two same-shape tensors in chunks (no full-size temporaries)."""
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    fa, fb = a.reshape(-1), b.reshape(-1)
    if not (is_numeric(a) and is_numeric(b)):
        changed = sum(int(x != y) for x, y in zip(fa.tolist(), fb.tolist()))  # strings: small
        return TensorDiff(changed == 0, None, None, changed)
    max_abs = 0.0
    dsq = 0.0
    asq = 0.0
    changed = 0
    nan_mismatch = False
    fast = _fast_float(fa.dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf and overflows are handled below
        for start in range(0, fa.size, chunk):
            max_abs, dsq, asq, changed, nan_mismatch = _diff_chunk(
                fa[start : start + chunk], fb[start : start + chunk], fast, max_abs, dsq, asq, changed, nan_mismatch
            )
    equal = changed == 0
    if nan_mismatch:
        max_abs = math.inf
    norm_a = math.sqrt(asq)
    rel = 0.0 if equal else (math.sqrt(dsq) / norm_a if norm_a else None)
    if nan_mismatch:
        rel = math.inf
    return TensorDiff(equal, max_abs, rel, changed)


def _diff_chunk(fa, fb, fast, max_abs, dsq, asq, changed, nan_mismatch):
    """One chunk of diff_tensors: the running max |delta|, sums of squares and counts."""
    if fast is not None:
        # Real floats: subtract in the stored precision (float32 stays float32; x - y == 0
        # exactly when x == y), sum squares in float64 (pairwise): 3-4x fewer bytes moved.
        ca = fa.astype(fast, copy=False)
        d = fb.astype(fast, copy=False) - ca
        np.abs(d, out=d)
        top = float(d.max()) if d.size else 0.0
        if math.isfinite(top):  # no NaN or Inf in this chunk (they would win the max)
            changed += int(np.count_nonzero(d))
            max_abs = max(max_abs, top)
            # Squares in float64: float32 squares of large weights overflow (found on a
            # diverged SGD model, |w| > 1e19).
            dsq += float(np.add.reduce(np.square(d, dtype=np.float64)))
            asq += float(np.add.reduce(np.square(ca, dtype=np.float64)))
            return max_abs, dsq, asq, changed, nan_mismatch
    ca = _as_float(fa)
    cb = _as_float(fb)
    d = cb - ca
    # The same value in both places is unchanged: NaN and NaN, and +inf and +inf (whose
    # difference is NaN; a checkpoint with infinities used to differ from itself).
    same = (ca == cb) | (np.isnan(ca) & np.isnan(cb))
    if same.any():
        d[same] = 0
    bad = ~np.isfinite(d)
    if bad.any():
        nan_mismatch = True
        d = np.where(bad, 0, d)
        changed += int(bad.sum())
    mag = np.abs(d)
    changed += int(np.count_nonzero(mag))
    if mag.size:
        max_abs = max(max_abs, float(mag.max()))
    dsq += float(np.vdot(d, d).real)
    asq += _sum_sq_finite(ca)
    return max_abs, dsq, asq, changed, nan_mismatch


def _sum_sq_finite(c: np.ndarray) -> float:
    ok = c[np.isfinite(c)]
    return float(np.vdot(ok, ok).real)


def _fast_float(dtype: np.dtype) -> np.dtype | None:
    """The dtype to subtract real floats in (float16 and bfloat16 widen exactly to float32)."""
    if dtype == np.float32 or dtype == np.float64:
        return dtype
    if dtype == np.float16 or dtype.name == "bfloat16":
        return np.dtype(np.float32)
    return None


def _as_float(c: np.ndarray) -> np.ndarray:
    if c.dtype.kind == "c":
        return c.astype(np.complex128)
    if c.dtype.kind == "V" or c.dtype.name == "bfloat16" or c.dtype.kind in "biu":
        return c.astype(np.float64)
    return c.astype(np.float64, copy=False)


def delta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """b - a as floats (for plotting); complex stays complex."""
    return _as_float(b.reshape(-1)).reshape(b.shape) - _as_float(a.reshape(-1)).reshape(a.shape)


BAND = "mean, min to max"  # the mean drawn with a band from the min to the max
VALUE = "value"  # a one-element variable's value, signed (a bias of -1.0 plots as -1.0)
SUMMARIES = (BAND, VALUE, "L2 norm", "mean", "min", "max", "std", "element")


def default_summary(shape: tuple[int, ...]) -> str:
    """What History plots first: a one-element variable's value, else the mean in its range."""
    return VALUE if math.prod(shape) == 1 else BAND


def summarize(a: np.ndarray, how: str, element: tuple[int, ...] | None = None) -> float:
    """One number for a tensor: its norm, mean, min, max, std, its one value, or one element."""
    if how == VALUE:
        if a.size != 1:
            raise ValueError(f"{a.size:,} values: 'value' is for one-element variables")
        one = a.reshape(-1)[0]
        return float(np.abs(one)) if np.iscomplexobj(one) else float(one)
    if how == BAND:
        how = "mean"
    if how == "element":
        if element is None:
            raise ValueError("which element?")
        value = a[element]
        return float(np.abs(value)) if np.iscomplexobj(value) else float(value)
    s = compute_stats(a, bins=2)
    value = {"L2 norm": s.l2, "mean": s.mean, "min": s.min, "max": s.max, "std": s.std}[how]
    return math.nan if value is None else value
