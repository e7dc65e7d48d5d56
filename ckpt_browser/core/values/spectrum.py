"""The heavy-tailed spectral metric alpha of a 2-D weight matrix, as weightwatcher computes it.

weightwatcher (Martin, Peng & Mahoney, Nat. Commun. 2021; its 0.7 analyze() defaults) takes the
eigenvalues of W^T W -- the squared singular values of W, the min(N, M) largest, no normalisation
--, keeps those above 1e-5, and fits a power law p(x) ~ x^-alpha to their tail: for every
candidate xmin the maximum-likelihood alpha, keeping the xmin whose Kolmogorov-Smirnov distance
is smallest (below 20 eigenvalues, its small-sample variant). We get the same eigenvalues from the
Gram matrix W^T W (or W W^T, the smaller one), which can be summed chunk by chunk of rows: the
tensor is never held whole for it.
"""

from __future__ import annotations

import numpy as np

MIN_EVALS = 8  # weightwatcher's min_evals: smaller layers get no alpha
MAX_EVALS = 15000  # its max_evals: the smaller side
MAX_N = 50000  # its max_N: the larger side
EVALS_THRESH = 1e-5  # eigenvalues at or below this are zeros of a rank-deficient matrix
SMALL_N = 20  # below this many eigenvalues, the small-sample fit
FIT_CELLS = 1 << 22  # (xmin, x) pairs the fit looks at in one block: 32 MB of float64 at most


def eligible(shape: tuple[int, ...]) -> bool:
    """Whether weightwatcher would fit this matrix (2-D, within its size limits)."""
    return len(shape) == 2 and MIN_EVALS <= min(shape) <= MAX_EVALS and max(shape) <= MAX_N


class Gram:
    """The Gram matrix of the smaller side of an (N, M) matrix fed as chunks of whole rows, float64."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.rows, self.cols = shape
        self.tall = self.rows >= self.cols
        if self.tall:  # W^T W: M x M, summed over chunks of rows
            self.g = np.zeros((self.cols, self.cols))
        else:  # W W^T needs every pair of rows: keep the rows (the tensor's one copy), multiply at the end
            self.w = np.empty((self.rows, self.cols))
        self.filled = 0

    def add(self, rows64: np.ndarray) -> None:
        """rows64: the next rows of the matrix, float64, shape (k, cols)."""
        if self.tall:
            self.g += rows64.T @ rows64
        else:
            self.w[self.filled : self.filled + len(rows64)] = rows64
        self.filled += len(rows64)

    def eigenvalues(self) -> np.ndarray:
        """The min(N, M) eigenvalues of W^T W, ascending."""
        g = self.g if self.tall else self.w @ self.w.T
        return np.sort(np.linalg.eigvalsh(g))


def alpha_of(evals: np.ndarray) -> float | None:
    """weightwatcher's power-law alpha of these eigenvalues (None when no fit is possible)."""
    data = np.sort(np.asarray(evals, dtype=np.float64))
    data = data[data > EVALS_THRESH]
    if len(data) < 2:
        return None
    fit = _fit_small(data) if len(data) < SMALL_N else _fit_standard(data)
    return None if fit is None or not np.isfinite(fit) else float(fit)


def _fit_standard(data: np.ndarray) -> float:
    """For each xmin, alpha = 1 + n / sum(log(x / xmin)); keep the one of least KS distance
    (weightwatcher's WWFit.fit_power_law_standard, its loop over xmin done a block of rows at a time)."""
    n_all = len(data)
    log_data = np.log(data)
    idx = np.arange(n_all - 1)
    n = (n_all - idx).astype(np.float64)
    tail_log = np.cumsum(log_data[::-1])[::-1][:-1]  # sum(log_data[i:]) for each i
    alphas = 1 + n / (tail_log - n * log_data[:-1])
    ds = np.ones(n_all - 1)  # weightwatcher's D where alpha <= 1
    block = max(1, FIT_CELLS // n_all)  # rows of the (xmin, x) table at a time: bounded memory
    j = np.arange(n_all)
    for lo in range(0, n_all - 1, block):
        i = idx[lo : lo + block, None]
        a = alphas[lo : lo + block, None]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            model = 1 - np.exp((1 - a) * (log_data[None, :] - log_data[i]))  # (x / xmin) ** (1 - alpha)
            gap = np.abs(model - (j[None, :] - i) / n[lo : lo + block, None])
        gap[j[None, :] < i] = -np.inf  # only x >= xmin count
        d = gap.max(axis=1)
        ok = alphas[lo : lo + block] > 1
        ds[lo : lo + block][ok] = d[ok]
    best = int(np.argmin(ds))  # the first minimum, as weightwatcher's np.argmin picks
    return float(alphas[best])


def _fit_small(data: np.ndarray, k_min: int = 8) -> float:
    """weightwatcher's small-sample fit (WWFit.fit_powerlaw_smallN, then its __init__): the
    bias-corrected alpha = 1 + (n - 1) / sum(log(x / xmin)) over tails of >= 8 values, the
    tail of least KS distance kept (its own score, KS - 0.868 / sqrt(n), only decides the
    fallback: when no tail qualifies, the whole set is the tail)."""
    n_all = len(data)
    log_data = np.log(data)
    alphas = np.zeros(n_all - 1)
    ds = np.ones(n_all - 1)
    any_scored = False
    for i in range(n_all - 1):
        n = n_all - i
        if n < k_min:
            continue
        s = np.sum(log_data[i:]) - n * log_data[i]
        if s <= 1e-12:
            continue
        alpha = 1.0 + (n - 1.0) / s
        alphas[i] = alpha
        if alpha <= 1.0:
            continue
        f_fit = 1.0 - (data[i:] / data[i]) ** (1.0 - alpha)
        ds[i] = float(np.max(np.abs(np.arange(n) / n - f_fit)))
        any_scored = True
    if not any_scored:
        s = np.sum(log_data) - n_all * log_data[0]
        if s <= 1e-12:
            return 1.0
        alphas[0] = 1.0 + (n_all - 1.0) / s
        ds[0] = float(np.max(np.abs(np.arange(n_all) / n_all - (1.0 - (data / data[0]) ** (1.0 - alphas[0])))))
    return float(alphas[int(np.argmin(ds))])
