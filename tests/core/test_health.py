"""Training health against the truth the fixtures were built with (tests/data/health/README.md),
and its figures against numpy on what TensorFlow's own reader returns."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.core.model_dir.contents import open_source
from ckpt_browser.core.model_dir.runs import find_runs
from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.core.values import health as health_module
from ckpt_browser.core.values.health import model_dir_health

RUNS = Path(__file__).resolve().parent.parent / "data" / "health"
CKPTS = ["model.ckpt-0", "model.ckpt-25", "model.ckpt-50", "model.ckpt-75", "model.ckpt-100"]
MODEL = ["bn1/beta", "bn1/gamma", "dense1/bias", "dense1/kernel", "dense2/bias", "dense2/kernel", "logits/bias",
         "logits/kernel"]  # fmt: skip

# (kind, variable, checkpoint) of every finding each run must give, and no other.
TRUTH = {
    "healthy": set(),
    "nan": {("nan", "dense2/kernel", "model.ckpt-60")} | {("nan", v, "model.ckpt-75") for v in MODEL if v != "dense2/kernel"},
    "inf": {("inf", "dense1/bias", "model.ckpt-50")} | {("nan", v, "model.ckpt-75") for v in MODEL},
    "frozen": {("frozen", "dense2/kernel", "model.ckpt-100"), ("frozen", "dense2/bias", "model.ckpt-100")},
    "dead": {("dead", "dense1/kernel", "model.ckpt-0"), ("dead", "bn1/gamma", "model.ckpt-0")},
    "explode": {("exploding", "logits/kernel", "model.ckpt-25")},
    "vanish": {("vanishing", "dense2/kernel", "model.ckpt-25")},
    "frozen_tf2": {("frozen", f"model/layer_with_weights-1/{v}/.ATTRIBUTES/VARIABLE_VALUE", "ckpt-24")
                   for v in ("kernel", "bias")},
}  # fmt: skip


def report_of(run: str | Path, include_all: bool = False):
    return model_dir_health(open_source(RUNS / run if isinstance(run, str) else run).model_dir, include_all)


@pytest.mark.parametrize("run", sorted(TRUTH))
def test_each_fault_is_found_exactly_where_it_was_made(run):
    report = report_of(run)
    assert {(f.kind, f.variable, f.checkpoint) for f in report.findings} == TRUTH[run]
    assert report.failing == bool(TRUTH[run] & {t for t in TRUTH[run] if t[0] in ("nan", "inf", "frozen", "dead")})


def test_findings_say_what_and_how_much():
    nan = report_of("nan").findings[0]
    assert (nan.kind, nan.step, nan.detail) == (
        "nan",
        60,
        "1 of 4,096 values are NaN (finite in every earlier checkpoint)",
    )
    dead = {f.variable: f for f in report_of("dead").findings}
    assert dead["dense1/kernel"].units == [5] and dead["bn1/gamma"].units == [7]
    assert "unit 5 " in dead["dense1/kernel"].detail and "unit 7 of 64" in dead["bn1/gamma"].detail
    (boom,) = report_of("explode").findings
    assert "x314" in boom.detail


@pytest.mark.parametrize("run", ["healthy", "nan", "inf"])
@pytest.mark.parametrize("include_all", [False, True])
def test_norms_updates_and_counts_equal_numpy_on_what_tensorflow_reads(run, include_all):
    report = report_of(run, include_all)
    previous: dict[str, np.ndarray] = {}
    seen_optimizer = False
    for c in report.checkpoints:
        reader = tf().train.load_checkpoint(str(RUNS / run / c.name))
        shapes = reader.get_variable_to_shape_map()
        floats = {n for n in shapes if reader.get_variable_to_dtype_map()[n].is_floating}
        expected = set(MODEL) if not include_all else floats
        assert {v.name for v in c.variables} == expected
        for v in c.variables:
            value = reader.get_tensor(v.name).astype(np.float64)
            finite = value[np.isfinite(value)]
            assert v.nan == int(np.isnan(value).sum()) and v.inf == int(np.isinf(value).sum())
            assert v.norm == pytest.approx(float(np.linalg.norm(finite)), rel=1e-12, abs=1e-300)
            before = previous.get(v.name)
            if before is None or not np.isfinite(before).all() or not np.isfinite(value).all() or not before.any():
                assert v.update_ratio is None
            else:
                want = np.linalg.norm(value - before) / np.linalg.norm(before)
                assert v.update_ratio == pytest.approx(float(want), rel=1e-12)
            seen_optimizer |= "/Adam" in v.name
        previous = {v.name: reader.get_tensor(v.name).astype(np.float64) for v in c.variables}
    assert seen_optimizer == include_all


def test_chunk_by_chunk_equals_one_chunk(monkeypatch):
    """A tensor split into many row-aligned chunks (as big tensors are) gives the same figures."""
    whole = report_of("dead").to_json()
    monkeypatch.setattr(health_module, "CHUNK_ELEMENTS", 100)  # 64-wide rows: chunks of one row
    chunked = report_of("dead").to_json()
    for a, b in zip(whole["checkpoints"], chunked["checkpoints"]):
        for va, vb in zip(a["variables"], b["variables"]):
            assert va["dead_units"] == vb["dead_units"] and va["nan"] == vb["nan"]
            for key in ("norm", "update_ratio", "alpha"):
                assert (va[key] is None) == (vb[key] is None)
                if va[key] is not None:
                    assert math.isclose(va[key], vb[key], rel_tol=1e-9)
    assert whole["findings"] == chunked["findings"]


@pytest.mark.parametrize("cells", [1 << 22, 1000])  # the fit over xmin in one block, and in many
def test_alpha_equals_weightwatcher_on_the_same_matrices(monkeypatch, cells):
    from ckpt_browser.core.values import spectrum

    monkeypatch.setattr(spectrum, "FIT_CELLS", cells)
    ww = pytest.importorskip("weightwatcher")
    keras = pytest.importorskip("keras")
    compared = 0
    for run in ("healthy", "explode", "vanish", "dead"):
        report = report_of(run)
        for c in report.checkpoints:
            reader = tf().train.load_checkpoint(str(RUNS / run / c.name))
            kernels = ["dense1/kernel", "dense2/kernel", "logits/kernel"]
            model = keras.Sequential([keras.Input((32,))] + [keras.layers.Dense(n) for n in (64, 64, 10)])
            for layer, name in zip(model.layers, kernels):
                k = reader.get_tensor(name)
                layer.set_weights([k, np.zeros(k.shape[1], np.float32)])
            theirs = ww.WeightWatcher(model=model).analyze()["alpha"].tolist()
            ours = {v.name: v.alpha for v in c.variables}
            for name, alpha in zip(kernels, theirs):
                assert ours[name] == pytest.approx(alpha, rel=1e-6), (run, c.name, name)
                compared += 1
            assert all(ours[n] is None for n in ours if n not in kernels)  # 1-D: no alpha
    assert compared == 4 * 5 * 3


def test_a_folder_of_runs_lists_each_run():
    assert [p.name for p in find_runs(RUNS)] == sorted(TRUTH)


def test_a_damaged_tensor_is_named_and_the_rest_still_checked(tmp_path):
    run = tmp_path / "healthy"
    shutil.copytree(RUNS / "healthy", run)
    reader = tf().train.load_checkpoint(str(run / "model.ckpt-50"))
    assert reader.get_tensor("dense2/kernel").size
    data = run / "model.ckpt-50.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    from ckpt_browser.core.formats.reader import open_checkpoint

    entry = open_checkpoint(run / "model.ckpt-50").entry_info("dense2/kernel")
    raw[entry.offset + 10] ^= 0xFF
    data.write_bytes(bytes(raw))
    report = report_of(run)
    by_name = {v.name: v for v in report.checkpoints[2].variables}
    assert "checksum mismatch in dense2/kernel" in by_name["dense2/kernel"].error
    assert by_name["dense1/kernel"].error is None and by_name["dense1/kernel"].norm > 0
    after = {v.name: v for v in report.checkpoints[3].variables}
    assert after["dense2/kernel"].update_ratio is None and after["dense1/kernel"].update_ratio is not None
    # What could not be read is a finding, never "nothing wrong found" (issue 30).
    (finding,) = report.findings
    assert (finding.kind, finding.variable, finding.checkpoint) == ("unreadable", "dense2/kernel", "model.ckpt-50")
    assert finding.detail == by_name["dense2/kernel"].error and report.failing and not report.read_nothing
