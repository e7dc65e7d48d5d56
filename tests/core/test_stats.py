"""Statistics, histograms and tensor differences against numpy on the same values."""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest

from ckpt_browser.core.values.stats import compute_stats, diff_tensors, summarize


def _numpy_figures(a: np.ndarray) -> dict:
    x = a.astype(np.float64).ravel()
    finite = x[np.isfinite(x)]
    return {
        "min": finite.min(), "max": finite.max(), "mean": finite.mean(), "std": finite.std(),
        "l2": np.linalg.norm(finite), "zeros": np.mean(x == 0),
        "nan": int(np.isnan(x).sum()), "inf": int(np.isinf(x).sum()),
    }  # fmt: skip


@pytest.mark.parametrize(
    "array",
    [
        np.random.default_rng(0).standard_normal(10_001).astype(np.float32),
        np.random.default_rng(1).standard_normal((37, 53)) * 1e3 + 5e6,  # large mean: stable std
        np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -3.0], np.float32),
        np.random.default_rng(2).integers(-50, 50, (300, 7)).astype(np.int64),
        np.array([True, False, True, True]),
        np.arange(12, dtype=np.uint8),
        np.array([1.5, -2.0, 0.0], np.float16),
    ],
    ids=["f32", "f64-offset", "nan-inf", "int64", "bool", "uint8", "f16"],
)
@pytest.mark.parametrize("chunk", [7, 1 << 20])  # chunk boundaries must not change the answer
def test_figures_match_numpy(array, chunk):
    s = compute_stats(array, chunk=chunk)
    want = _numpy_figures(array)
    for key in ("min", "max", "mean", "std", "l2", "zeros"):
        assert getattr(s, key) == pytest.approx(want[key], rel=1e-9, abs=1e-9), key
    assert (s.nan, s.inf) == (want["nan"], want["inf"])
    assert s.count == array.size
    assert sum(s.hist_counts) == s.finite == array.size - s.nan - s.inf
    assert len(s.hist_edges) == len(s.hist_counts) + 1


def test_histogram_matches_numpy():
    a = np.random.default_rng(3).standard_normal(5000)
    s = compute_stats(a, chunk=999, bins=20)
    counts, edges = np.histogram(a, bins=20, range=(a.min(), a.max()))
    np.testing.assert_allclose(s.hist_edges, edges)
    assert s.hist_counts == counts.tolist()


def test_integer_histogram_has_a_bin_per_value():
    s = compute_stats(np.array([0, 1, 1, 3, 3, 3], np.int32))
    assert s.hist_counts == [1, 2, 0, 3]


def test_bfloat16_and_complex():
    bf = np.array([1.0, -0.5, 2.0], ml_dtypes.bfloat16)
    s = compute_stats(bf)
    assert (s.min, s.max) == (-0.5, 2.0)
    z = np.array([3 + 4j, 0j], np.complex64)
    s = compute_stats(z)
    assert s.of == "magnitudes" and s.max == 5.0 and s.zeros == 0.5


def test_strings_have_no_figures():
    s = compute_stats(np.array([b"a", b"b"], object))
    assert s.count == 2 and s.min is None and s.hist_counts == []


def test_all_nan():
    s = compute_stats(np.full(4, np.nan, np.float32))
    assert s.nan == 4 and s.finite == 0 and s.mean is None


def test_progress_reaches_total():
    seen = []
    compute_stats(np.zeros(100), progress=lambda d, t, _: seen.append((d, t)), chunk=10)
    assert seen[-1][0] == seen[-1][1] == 20


def test_diff_matches_numpy():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((50, 40)).astype(np.float32)
    b = a.copy()
    b[3, 4] += 0.5
    b[10] *= 1.01
    d = diff_tensors(a, b, chunk=13)
    delta = b.astype(np.float64) - a
    assert not d.equal
    assert d.max_abs_diff == pytest.approx(np.abs(delta).max())
    assert d.rel_change == pytest.approx(np.linalg.norm(delta) / np.linalg.norm(a.astype(np.float64)))
    assert d.changed == int(np.count_nonzero(delta))
    assert diff_tensors(a, a.copy()).equal


def test_diff_nan_in_both_is_unchanged_nan_in_one_is_not():
    a = np.array([1.0, np.nan, 2.0])
    assert diff_tensors(a, a.copy()).equal
    d = diff_tensors(a, np.array([1.0, 0.0, 2.0]))
    assert not d.equal and math.isinf(d.max_abs_diff)


def test_summaries():
    a = np.array([[3.0, 4.0], [0.0, 0.0]])
    assert summarize(a, "L2 norm") == 5.0
    assert summarize(a, "max") == 4.0
    assert summarize(a, "element", (0, 1)) == 4.0


def test_a_tensor_with_infinities_equals_itself():
    """Found by running diff on every fixture: inf - inf is NaN, and the dtypes checkpoint's
    [1, nan, inf, -inf, 0, -3] used to differ from itself."""
    import warnings

    from ckpt_browser.core.values.stats import diff_tensors

    a = np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -3.0], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = diff_tensors(a, a.copy())
    assert d.equal and d.changed == 0 and d.max_abs_diff == 0.0
    b = a.copy()
    b[2] = 5.0  # inf -> a number: a change, of infinite size
    d = diff_tensors(a, b)
    assert not d.equal and d.changed == 1 and math.isinf(d.max_abs_diff)


def test_huge_weights_do_not_overflow_the_norms():
    """A diverged SGD model (tests/data/estimator/canned/linear_regressor_sgd) holds -1.4e26:
    its float32 square overflows; the norms are summed in float64."""
    import warnings

    from ckpt_browser.core.values.stats import diff_tensors

    a = np.array([-1.47e26, -1.28e26, 3.0], np.float32)
    b = a * np.float32(1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = diff_tensors(a, b)
    want = np.linalg.norm(b.astype(np.float64) - a.astype(np.float64)) / np.linalg.norm(a.astype(np.float64))
    assert d.rel_change == pytest.approx(want, rel=1e-6)


def test_histogram_of_a_float32_range_wider_than_float32_can_hold():
    """Issue 25 (found by tests/fuzz): values near both ends of float32 made numpy's bins overflow."""
    import numpy as np

    from ckpt_browser.core.values.stats import compute_stats

    a = np.array([-3.4e38, 0.0, 3.4e38], np.float32)
    s = compute_stats(a)
    assert sum(s.hist_counts) == 3 and s.min == float(a[0]) and s.max == float(a[2])


def test_messages_are_one_line_whatever_they_quote():
    from ckpt_browser.core.base.errors import CheckpointError

    assert str(CheckpointError("name 'a\nb\x1ec'\r\n is bad")) == "name 'a b c' is bad"


@pytest.mark.parametrize(
    "values",
    [[5.967999650706227e16], [3e38], [6e16, 6e16 + 8, 6e16 + 16]],
    ids=["one-value-at-6e16", "one-value-at-3e38", "a-range-below-the-resolution"],
)
def test_histogram_where_bins_are_narrower_than_the_values_resolution(values):
    """Issue 25 (found by tests/fuzz): a scalar of 6e16 gave "Too many bins for data range"."""
    import numpy as np

    from ckpt_browser.core.values.stats import compute_stats

    for dtype in (np.float32, np.float64):
        a = np.array(values, dtype)
        assert sum(compute_stats(a).hist_counts) == a.size
