"""The Python API (docs/api.md) against TensorFlow's reader, and its records against the CLI's JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ckpt_browser as cb
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.bundle import ChecksumMismatch
from ckpt_browser.core.tf.tfimport import tf
from tests.conftest import ESTIMATOR

ROOT = Path(__file__).resolve().parent.parent
IRIS = ESTIMATOR / "iris"


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ckpt_browser", *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_iris_latest_and_checkpoints_as_tensorflow_sees_them():
    md = cb.open(IRIS)
    state = tf().train.get_checkpoint_state(str(IRIS))
    assert [c.name for c in md.checkpoints] == [Path(p).name for p in state.all_model_checkpoint_paths]
    assert md.latest is not None and md.latest.name == Path(tf().train.latest_checkpoint(str(IRIS))).name
    assert [c.step for c in md.checkpoints] == [100, 150, 200, 250, 300]


@pytest.mark.parametrize("kind", ["saver", "object", "sharded", "partitioned", "dtypes"])
def test_variables_and_values_equal_load_checkpoint(written, kind):
    folder = written[kind]
    md = cb.open(folder)
    ckpt = md.latest
    assert ckpt is not None
    reader = tf().train.load_checkpoint(ckpt.prefix)
    shapes, dtypes = reader.get_variable_to_shape_map(), reader.get_variable_to_dtype_map()
    ours = {v.name: v for v in ckpt.variables}
    assert set(ours) == set(shapes)
    for name, v in ours.items():
        assert v.shape == tuple(shapes[name]), name
        theirs = reader.get_tensor(name)
        if dtypes[name].name != "string":  # TF gives numpy's name for every numeric dtype
            assert v.dtype == theirs.dtype.name, name
        mine = ckpt.read(name)
        assert mine.shape == np.shape(theirs), name
        if mine.dtype.kind == "O":
            assert mine.tolist() == np.asarray(theirs).tolist(), name
        else:  # bit for bit, NaN included
            assert mine.tobytes() == np.asarray(theirs).tobytes(), name


def test_kinds_and_the_tf2_short_name(written):
    ckpt = cb.open(written["object"]).latest
    assert ckpt is not None
    kinds = {v.name: v.kind for v in ckpt.variables}
    assert kinds["_CHECKPOINTABLE_OBJECT_GRAPH"] == "object_graph"
    long = next(n for n in kinds if n.endswith("/.ATTRIBUTES/VARIABLE_VALUE"))
    short = long.removesuffix("/.ATTRIBUTES/VARIABLE_VALUE")
    np.testing.assert_array_equal(ckpt.read(short), tf().train.load_checkpoint(ckpt.prefix).get_tensor(long))


def test_a_flipped_byte_raises_checksum_mismatch_with_the_values(iris_copy):
    data = iris_copy / "model.ckpt-300.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    ckpt = cb.open(iris_copy)["model.ckpt-300"]
    entry = next(v for v in ckpt.variables if v.name == "dnn/logits/kernel")
    assert entry.shape == (10, 3)
    good = ckpt.read("dnn/logits/kernel")
    offset = raw.find(good.tobytes())
    raw[offset + 5] ^= 0x40
    data.write_bytes(bytes(raw))
    with pytest.raises(ChecksumMismatch) as caught:
        cb.open(iris_copy)["model.ckpt-300"].read("dnn/logits/kernel")
    assert "dnn/logits/kernel" in str(caught.value) and caught.value.value is not None
    with pytest.raises(Exception, match="(?i)checksum|crc|corrupt|data loss"):
        tf().train.load_checkpoint(str(iris_copy / "model.ckpt-300")).get_tensor("dnn/logits/kernel")


def test_unknown_names_are_one_line_errors():
    md = cb.open(IRIS)
    with pytest.raises(CheckpointError, match="no variable 'nope'"):
        md.latest.read("nope")  # type: ignore[union-attr]
    with pytest.raises(CheckpointError, match="no checkpoint 'model.ckpt-7'"):
        md["model.ckpt-7"]
    with pytest.raises(CheckpointError):
        cb.open(IRIS / "nothing-here")


def test_records_are_what_the_cli_prints(iris_dir, iris_resized_dir, pair):
    a, b = pair
    assert cb.diff(a, b) == json.loads(cli("diff", a, b, "--json").stdout)
    assert cb.open(iris_dir).ls() == json.loads(cli("ls", iris_dir, "--json").stdout)
    assert cb.open(iris_dir).ls("model.ckpt-100") == json.loads(
        cli("ls", iris_dir, "--checkpoint", "model.ckpt-100", "--json").stdout
    )
    assert cb.check(iris_resized_dir) == json.loads(cli("check", iris_resized_dir, "--json").stdout)
    spec = "DNNClassifier(hidden_units=[20, 20], n_classes=3, feature_columns=4)"
    assert cb.check(iris_dir, against=spec) == json.loads(cli("check", iris_dir, "--against", spec, "--json").stdout)
    ours, theirs = cb.verify(iris_dir), json.loads(cli("verify", iris_dir, "--json").stdout)
    assert ours["checkpoints"] == theirs["checkpoints"] and ours["bytes"] == theirs["bytes"]
    shown = json.loads(cli("show", iris_dir, "dnn/logits/kernel", "--json").stdout)
    assert cb.open(iris_dir).latest.show("dnn/logits/kernel") == shown  # type: ignore[union-attr]
    assert cb.open(iris_dir).latest.stats("dnn/logits/kernel") == shown["stats"]  # type: ignore[union-attr]


def test_records_of_a_damaged_and_a_mismatched_model_dir(iris_copy):
    (iris_copy / "model.ckpt-200.data-00000-of-00001").write_bytes(b"")
    verified = {c["name"]: c for c in cb.verify(iris_copy)["checkpoints"]}
    assert verified["model.ckpt-200"]["status"] == "corrupt" and verified["model.ckpt-300"]["status"] == "ok"
    assert all("model.ckpt-200.data-00000-of-00001" in p for p in verified["model.ckpt-200"]["problems"])
    checked = cb.check(iris_copy, against="DNNClassifier(hidden_units=[20, 20], n_classes=3, feature_columns=4)")
    statuses = {c["name"]: c["status"] for c in checked["checkpoints"]}
    assert statuses["model.ckpt-300"] == "mismatch"


def test_stats_agree_with_numpy_on_tensorflows_values(iris_dir):
    value = tf().train.load_checkpoint(str(iris_dir / "model.ckpt-300")).get_tensor("dnn/hiddenlayer_0/kernel")
    stats = cb.open(iris_dir).latest.stats("dnn/hiddenlayer_0/kernel")  # type: ignore[union-attr]
    assert stats["count"] == value.size and stats["min"] == pytest.approx(float(value.min()))
    assert stats["max"] == pytest.approx(float(value.max())) and stats["mean"] == pytest.approx(float(value.mean()))
    assert stats["l2"] == pytest.approx(float(np.linalg.norm(value)), rel=1e-6)


def test_the_readme_one_liner_prints_what_tensorflow_reads(tmp_path):
    shutil.copytree(ROOT / "resources", tmp_path / "resources")
    code = "import ckpt_browser as cb; print(cb.open('resources/examples/iris').latest.read('dnn/logits/bias'))"
    env_path = {"PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**__import__("os").environ, **env_path},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    theirs = tf().train.load_checkpoint(str(ROOT / "resources/examples/iris")).get_tensor("dnn/logits/bias")
    assert r.stdout.strip() == str(theirs)


def test_importing_the_package_is_light():
    code = (
        "import sys, ckpt_browser; print(ckpt_browser.__version__); "
        "print(sorted(m for m in sys.modules if m.startswith(('ckpt_browser', 'numpy', 'tensorflow'))))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    version, modules = r.stdout.splitlines()
    assert version == cb.__version__ and modules == "['ckpt_browser']"
