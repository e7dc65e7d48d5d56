"""TensorFlow.js files written by tfjs itself (tests/data/tfjs/make_tfjs.js) and by the
tensorflowjs converter (make_tfjs_quantized.py): values equal what the writers' own readers
returned when the files were made (expected.json, expected_quantized.npz)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.tfjs import TfjsModel
from ckpt_browser.core.model_dir.contents import open_source, read_contents

DATA = Path(__file__).parents[1] / "data" / "tfjs"
EXPECTED = json.loads((DATA / "expected.json").read_text())


def test_layers_model_weights_and_optimizer_state_equal_tfjs():
    m = TfjsModel(DATA / "layers" / "model.json")
    assert m.format == "layers-model"
    for name, want in EXPECTED["model"].items():
        got = m.read(name)
        assert list(got.shape) == want["shape"] and str(got.dtype) == want["dtype"]
        np.testing.assert_array_equal(got, np.asarray(want["values"], np.float32), err_msg=name)
    for name, want in EXPECTED["optimizer"].items():
        np.testing.assert_array_equal(m.read(name), np.asarray(want["values"]).reshape(want["shape"]), err_msg=name)
    kinds = m.kinds()
    assert kinds["hidden/kernel/m"] == ("optimizer", "hidden/kernel") and kinds["hidden/kernel"] == ("model", None)
    assert [(layer.name, layer.class_name, layer.params) for layer in m.layers] == [
        ("hidden", "Dense", 20),
        ("out", "Dense", 12),
    ]
    assert m.training_config["loss"] == "categorical_crossentropy"


def test_every_dtype_tfjs_encodes():
    m = TfjsModel(DATA / "manifest" / "weights_manifest.json")
    for name, want in EXPECTED["dtypes"].items():
        got = m.read(name)
        assert list(got.shape) == want["shape"], name
        if want["dtype"] == "string":
            assert [b.decode() for b in got] == want["values"]
        elif want["dtype"] == "complex64":
            np.testing.assert_array_equal(got.real, want["real"])
            np.testing.assert_array_equal(got.imag, want["imag"])
        else:
            np.testing.assert_array_equal(got, np.asarray(want["values"], got.dtype), err_msg=name)
    assert m.read("flags").dtype == np.bool_ and m.read("i32")[2] == 2147483647


def test_quantized_weights_are_dequantized_as_tensorflowjs_reads_them():
    m = TfjsModel(DATA / "quantized" / "model.json")
    want = np.load(DATA / "expected_quantized.npz")
    assert sorted(want.files) == sorted(v.name for v in m.variables())
    for name in want.files:
        np.testing.assert_array_equal(m.read(name), want[name], err_msg=name)
    assert m.raw("q8/kernel").dtype == np.uint8 and m.raw("q16/kernel").dtype == np.uint16
    assert m.raw("half/kernel").dtype == np.float16
    assert m.quantization("q8/kernel").startswith("stored as uint8 codes")
    assert m.quantization("half/bias") == "stored as float16"


def test_browsed_like_a_checkpoint():
    source = open_source(DATA / "layers" / "model.json")
    assert source.selected == "model.json"
    contents = read_contents(source.model_dir.find("model.json"))
    kinds = {v.name: v.kind for v in contents.variables}
    assert kinds["out/kernel"] == "model" and kinds["out/kernel/v"] == "optimizer" and kinds["iter"] == "optimizer"


def test_damaged_manifests_are_one_clear_error(tmp_path):
    (tmp_path / "model.json").write_text(json.dumps({"weightsManifest": [{"paths": ["../x.bin"], "weights": []}]}))
    with pytest.raises(CheckpointError, match="leaves the model's folder"):
        TfjsModel(tmp_path / "model.json")
    (tmp_path / "model.json").write_text(
        json.dumps(
            {"weightsManifest": [{"paths": ["w.bin"], "weights": [{"name": "a", "shape": [4], "dtype": "float32"}]}]}
        )
    )
    (tmp_path / "w.bin").write_bytes(b"\0" * 6)
    with pytest.raises(CheckpointError, match="truncated"):
        TfjsModel(tmp_path / "model.json").read("a")
    (tmp_path / "model.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        TfjsModel(tmp_path / "model.json")


def test_graph_model_weights_and_signature():
    m = TfjsModel(DATA / "graph" / "model.json")
    assert m.format == "graph-model"
    want = np.load(DATA / "expected_graph.npz")  # tensorflowjs.read_weights
    assert sorted(want.files) == sorted(v.name for v in m.variables())
    for name in want.files:
        np.testing.assert_array_equal(m.read(name), want[name])
    np.testing.assert_allclose(m.read("StatefulPartitionedCall/MatMul/ReadVariableOp"), np.arange(6).reshape(2, 3) / 10)
    assert m.signature_text() == "x: float [?, 2] -> y: float [?, 3]"


def test_cli_shows_quantized_values_or_their_codes():
    import subprocess
    import sys

    def show(*extra):
        r = subprocess.run([sys.executable, "-m", "ckpt_browser", "show", str(DATA / "quantized" / "model.json"),
                            "q16/bias", "--json", *extra], capture_output=True, text=True, timeout=60)  # fmt: skip
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    values, codes = show(), show("--codes")
    assert values["stored"].startswith("stored as uint16 codes")
    np.testing.assert_array_equal(
        np.asarray(values["values"], np.float32), np.load(DATA / "expected_quantized.npz")["q16/bias"]
    )
    m = TfjsModel(DATA / "quantized" / "model.json")
    assert codes["values"] == m.raw("q16/bias").tolist() and codes["dtype"] == "uint16"


def test_an_h5_against_its_tfjs_conversion(tmp_path):
    """The converter's output against the .h5 it converted: the same weights by name; quantized,
    each within half a quantization step."""
    from ckpt_browser.core.values.diff import CHANGED, SAME, diff_checkpoints

    same = diff_checkpoints(DATA / "source.h5", DATA / "converted" / "model.json")
    assert same.pairing == "by name"
    model_rows = [r for r in same.rows if not r.name.startswith("optimizer/")]
    assert len(model_rows) == 6 and {r.status for r in model_rows} == {SAME}
    q = diff_checkpoints(DATA / "source.h5", DATA / "quantized" / "model.json")
    rows = {r.name: r for r in q.rows}
    m = TfjsModel(DATA / "quantized" / "model.json")
    for name in ("q8/kernel", "q16/kernel"):
        assert rows[name].status == CHANGED
        assert rows[name].max_abs_diff <= m._weight(name).scale / 2 + 1e-7


def test_a_shape_no_writer_makes_is_one_line_even_when_it_holds_no_bytes(tmp_path):
    # Found by make fuzz: [0, 2**60] accounts for zero shard bytes, then numpy cannot lay it out.
    import shutil
    import subprocess
    import sys

    model = tmp_path / "layers"
    shutil.copytree(DATA / "layers", model)
    doc = json.loads((model / "model.json").read_text())
    doc["weightsManifest"][-1]["weights"].append({"name": "huge", "shape": [0, 2**60], "dtype": "float32"})
    (model / "model.json").write_text(json.dumps(doc))
    r = subprocess.run([sys.executable, "-m", "ckpt_browser", "ls", str(model / "model.json")],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0
    assert "huge has shape [0, 1152921504606846976], larger than TensorFlow.js can hold" in r.stderr


@pytest.mark.parametrize("shape", [[0, 2**31 - 1, 2**31 - 1], [0, 2**30, 2**30, 3]])
def test_an_empty_shape_numpy_cannot_lay_out_is_one_line_in_every_command(tmp_path, capsys, shape):
    # Found reading the fix above: each dimension below 2^31, the size below 2^62, yet 4 bytes times
    # the non-empty dimensions pass numpy's 2^63 -- show and verify ended in the catch-all.
    import shutil

    from ckpt_browser.cli import main

    model = tmp_path / "layers"
    shutil.copytree(DATA / "layers", model)
    doc = json.loads((model / "model.json").read_text())
    doc["weightsManifest"][-1]["weights"].append({"name": "huge", "shape": shape, "dtype": "float32"})
    (model / "model.json").write_text(json.dumps(doc))
    for argv in (["ls"], ["verify"], ["show", "huge"]):
        argv.insert(1, str(model / "model.json"))
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "unexpected error" not in err
        assert f"huge has shape {shape}, larger than TensorFlow.js can hold" in err


def test_an_empty_shape_within_what_tensorflowjs_can_size_is_listed(tmp_path, capsys):
    import shutil

    from ckpt_browser.cli import main

    model = tmp_path / "layers"
    shutil.copytree(DATA / "layers", model)
    doc = json.loads((model / "model.json").read_text())
    doc["weightsManifest"][-1]["weights"].append({"name": "empty", "shape": [0, 2**31 - 1, 2**22], "dtype": "float32"})
    (model / "model.json").write_text(json.dumps(doc))
    assert main(["ls", str(model / "model.json")]) == 0
    assert "empty" in capsys.readouterr().out
    assert main(["show", str(model / "model.json"), "empty", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["shape"] == [0, 2**31 - 1, 2**22]


def test_a_signalling_nan_in_a_shard_prints_no_numpy_warning(tmp_path):
    # Found by make fuzz: a bias whose bytes are a signalling NaN made `ls` and `check` print
    # numpy's "RuntimeWarning: invalid value encountered in reduce" (two more lines) on stderr.
    import shutil
    import struct
    import subprocess
    import sys

    model = tmp_path / "layers"
    shutil.copytree(DATA / "layers", model)
    bias = TfjsModel(model / "model.json")._weight("hidden/bias")
    with open(model / bias.shards[0], "r+b") as f:
        f.seek(bias.offset)
        f.write(struct.pack("<I", 0x7F800001))  # float32 signalling NaN
    for command in ("ls", "check", "verify"):
        r = subprocess.run([sys.executable, "-m", "ckpt_browser", command, str(model / "model.json")],
                           capture_output=True, text=True, timeout=120)  # fmt: skip
        assert "Warning" not in r.stderr and r.stderr.strip().count("\n") == 0, (command, r.stderr)
    assert "1 of 5 values are NaN or infinite" in r.stdout + r.stderr  # verify: the bias's one NaN
