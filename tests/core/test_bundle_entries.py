"""Issue 25: bundle entries that lie, refused or flagged by verify the way TensorFlow words it.
The checkpoints are written by TensorFlow; their indexes are edited (tests/bundle_edit.py) and
TensorFlow's own reader is asked the same question where it answers without aborting."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.cli import main
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.formats.bundle import BundleReader
from ckpt_browser.core.tf.tfimport import tf
from tests import bundle_edit
from tests.conftest import ESTIMATOR

NAME = "dnn/logits/kernel"


@pytest.fixture
def ckpt(tmp_path) -> Path:
    for f in (ESTIMATOR / "iris").glob("model.ckpt-300.*"):
        shutil.copy(f, tmp_path / f.name)
        (tmp_path / f.name).chmod(0o644)
    reader_module._cache.clear()
    return tmp_path / "model.ckpt-300"


def tf_error(prefix: Path, name: str | None = None) -> str:
    """What TensorFlow's reader says (only for edits it answers without aborting the process)."""
    t = tf()  # outside the try: without TensorFlow this oracle is absent (the test is skipped), not an answer
    try:
        r = t.train.load_checkpoint(str(prefix))
        for n in [name] if name else sorted(r.get_variable_to_shape_map()):
            r.get_tensor(n)
    except Exception as exc:  # noqa: BLE001 - whatever TensorFlow raises
        return str(exc).splitlines()[0]
    return ""


def verify(capsys, prefix: Path) -> tuple[int, str]:
    code = main(["verify", str(prefix)])
    return code, capsys.readouterr().out


def test_the_edit_itself_changes_nothing(ckpt, capsys):
    index = Path(str(ckpt) + ".index")
    bundle_edit.write_table(index, bundle_edit.read_pairs(index))
    assert tf_error(ckpt) == ""
    assert verify(capsys, ckpt)[0] == 0


@pytest.mark.parametrize("size", [-4, 12])
def test_a_size_that_disagrees_with_the_shape(ckpt, capsys, size):
    bundle_edit.edit_entry(Path(str(ckpt) + ".index"), NAME, lambda e: setattr(e, "size", e.size + size))
    theirs = tf_error(ckpt, NAME)
    assert theirs.startswith(f"Invalid size in bundle entry: key {NAME}; stored size {120 + size}; expected size 120")
    code, out = verify(capsys, ckpt)
    assert code == 1 and theirs in out
    with pytest.raises(CheckpointError, match="Invalid size in bundle entry"):
        BundleReader(ckpt).read(NAME)


def test_a_shape_whose_size_disagrees_with_the_stored_bytes(ckpt, capsys):
    bundle_edit.edit_entry(Path(str(ckpt) + ".index"), NAME, lambda e: e.shape.dim[0].__setattr__("size", 11))
    theirs = tf_error(ckpt, NAME)
    assert "stored size 120; expected size 132" in theirs
    code, out = verify(capsys, ckpt)
    assert code == 1 and theirs in out


def test_negative_dimensions_are_an_invalid_shape(ckpt, capsys):
    """TensorFlow's reader aborts the process on this one (a CHECK failure): not asked here."""
    bundle_edit.edit_entry(Path(str(ckpt) + ".index"), NAME, lambda e: e.shape.dim[0].__setattr__("size", -10))
    code, out = verify(capsys, ckpt)
    assert code == 1 and f"Invalid tensor shape: {NAME} dim {{ size: -10 }} dim {{ size: 3 }}" in out


def test_a_terabyte_entry_is_refused_before_it_is_allocated(ckpt, capsys):
    def huge(e):
        e.shape.dim[0].size = 1 << 40
        e.size = (1 << 40) * 12

    bundle_edit.edit_entry(Path(str(ckpt) + ".index"), NAME, huge)
    code = main(["show", str(ckpt), NAME])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "are past its end (1,560 bytes)" in err[0]


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda h: setattr(h.version, "min_consumer", 5), "Checkpoint min consumer version 5 above current version 1"),
        (lambda h: h.version.bad_consumers.append(1), "Checkpoint disallows consumer version 1"),
    ],
    ids=["newer-reader", "bad-consumer"],
)
def test_a_header_needing_a_newer_reader_is_refused_as_tensorflow_refuses_it(ckpt, capsys, edit, words):
    bundle_edit.edit_header(Path(str(ckpt) + ".index"), edit)
    assert words in tf_error(ckpt)
    code = main(["ls", str(ckpt)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and words in err[0] and "Please upgrade TensorFlow" in err[0]


def test_unsorted_keys_are_flagged_by_verify(ckpt, capsys):
    index = Path(str(ckpt) + ".index")
    pairs = bundle_edit.read_pairs(index)
    pairs[1], pairs[2] = pairs[2], pairs[1]
    bundle_edit.write_table(index, pairs)
    moved = pairs[2][0].decode()
    assert f"Key {moved} not found in checkpoint" in tf_error(ckpt)
    code, out = verify(capsys, ckpt)
    assert code == 1 and f"'Key {moved} not found in checkpoint'" in out


def test_partitioned_slices_that_do_not_fit(written, tmp_path, capsys):
    (src,) = sorted(p.with_suffix("") for p in written["partitioned"].glob("*.index"))
    for f in src.parent.glob(src.name + ".*"):
        shutil.copy(f, tmp_path / f.name)
    prefix = tmp_path / src.name
    bundle_edit.edit_entry(
        Path(str(prefix) + ".index"), "emb", lambda e: e.slices[1].extent[0].__setattr__("start", 90)
    )
    reader_module._cache.clear()
    for command in (["show", str(prefix), "emb"], ["verify", str(prefix)]):
        code = main(command)
        captured = capsys.readouterr()
        text = captured.err + captured.out
        assert code in (1, 2) and "a slice of emb does not fit its shape [100, 8]" in text, text
        assert "unexpected error" not in text


def test_tensorflows_reader_aborting_costs_its_worker_not_the_app(tmp_path, capsys):
    """A DataType the native reader does not know (float4, written by TF 2.21) sends the
    checkpoint to TensorFlow's reader; a negative dimension makes that reader abort (SIGABRT).
    In the worker: one line naming the checkpoint, and the next checkpoint reads."""
    import ml_dtypes

    t = tf()
    prefix = tmp_path / "ckpt"
    f4 = np.array([0.5, 1.0, -2.0], dtype=ml_dtypes.float4_e2m1fn)
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=["f4", "ok"], shape_and_slices=["", ""],
                     tensors=[t.constant(f4), t.constant([1.0])])  # fmt: skip
    bundle_edit.edit_entry(Path(str(prefix) + ".index"), "f4", lambda e: e.shape.dim[0].__setattr__("size", -3))
    reader_module._cache.clear()
    for command in (["ls", str(prefix)], ["verify", str(prefix)], ["show", str(prefix), "ok"]):
        code = main(command)
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1, (command, err)
        assert "TensorFlow's checkpoint reader crashed reading ckpt (SIGABRT)" in err[0]
    assert main(["show", str(ESTIMATOR / "iris" / "model.ckpt-300"), NAME]) == 0
