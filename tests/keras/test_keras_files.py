"""Keras files read without Keras: values equal what the model that wrote them holds."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ckpt_browser.core.formats.keras import KerasFile
from ckpt_browser.core.model_dir.contents import open_source, read_contents, read_variable

FILES = ("model.keras", "model.weights.h5", "legacy.h5")


def _model_weights(model) -> dict[str, np.ndarray]:
    """layer/weight -> value, as Keras names them (layer.name, variable.name)."""
    return {f"{layer.name}/{v.name}": np.asarray(v.numpy()) for layer in model.layers for v in layer.weights}


@pytest.mark.parametrize("name", FILES)
def test_model_weights_equal_the_models(keras_files, name):
    folder, model = keras_files
    f = KerasFile(folder / name)
    want = _model_weights(model)
    for path, value in want.items():
        got = f.read(path)
        assert got.dtype == value.dtype and got.shape == value.shape, path
        np.testing.assert_array_equal(got, value, err_msg=path)
    model_vars = {v.name for v in f.variables() if not v.name.startswith("optimizer/")}
    assert model_vars == set(want)


def test_optimizer_slots_are_named_after_their_variables(keras_files):
    """In a .keras file the config gives the variables' order: each slot is named after the
    variable it belongs to, and holds what Keras' optimizer holds for it."""
    folder, model = keras_files
    f = KerasFile(folder / "model.keras")
    name = model.optimizer.name  # "adam", or "adam_1" when the process made an Adam before
    opt = {v.path.split("/", 1)[1]: np.asarray(v.numpy()) for v in model.optimizer.variables}  # hidden_kernel_momentum
    assert int(f.read(f"optimizer/{name}/iteration")) == int(opt["iteration"]) == 4
    checked = 0
    for path, value in opt.items():
        if path.endswith(("_momentum", "_velocity")):
            var, slot = path.rsplit("_", 1)
            layer, weight = var.split("_", 1) if not var.startswith("bn_") else ("bn", var[3:])
            np.testing.assert_array_equal(f.read(f"optimizer/{name}/{layer}/{weight}/{slot}"), value, err_msg=path)
            checked += 1
    assert checked == 12  # 6 trainable variables x (momentum, velocity)
    legacy = KerasFile(folder / "legacy.h5")
    np.testing.assert_array_equal(
        legacy.read(f"optimizer/{name}/hidden_kernel_momentum"), opt["hidden_kernel_momentum"]
    )


def test_layers_and_configs(keras_files):
    folder, model = keras_files
    f = KerasFile(folder / "model.keras")
    layers = {layer.name: layer for layer in f.layers}
    for layer in model.layers:
        if layer.weights:
            assert layers[layer.name].params == sum(int(np.prod(w.shape)) for w in layer.weights)
            assert layers[layer.name].trainable_params == sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
    assert layers["bn"].class_name == "BatchNormalization"
    assert f.compile_config["loss"] == "sparse_categorical_crossentropy"
    assert f.metadata["keras_version"]
    legacy = KerasFile(folder / "legacy.h5")
    assert legacy.compile_config["loss"] == "sparse_categorical_crossentropy"
    assert [layer.name for layer in legacy.layers] == ["features", "hidden", "bn", "probs"]


def test_a_folder_of_keras_files_lists_each_as_a_source(keras_files):
    folder, model = keras_files
    source = open_source(folder / "model.keras")
    assert source.selected == "model.keras"
    names = sorted(c.name for c in source.model_dir.checkpoints)
    assert names == sorted(FILES)
    info = source.model_dir.find("model.keras")
    contents = read_contents(info)
    kinds = {v.name: v.kind for v in contents.variables}
    slot = f"optimizer/{model.optimizer.name}/hidden/kernel/momentum"
    assert kinds["hidden/kernel"] == "model" and kinds[slot] == "optimizer"
    np.testing.assert_array_equal(read_variable(info, "probs/kernel").value, model.get_layer("probs").kernel.numpy())


def test_cli_ls_and_show_and_diff_across_formats(keras_files):
    folder, model = keras_files

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "ckpt_browser", *map(str, args)], capture_output=True, text=True, timeout=120
        )

    r = cli("ls", folder / "legacy.h5", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["checkpoint"] == "legacy.h5"
    assert {v["name"] for v in out["variables"]} >= set(_model_weights(model))
    r = cli("show", folder / "model.keras", "hidden/kernel", "--json", "--all")
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(
        np.asarray(json.loads(r.stdout)["values"], np.float32), model.get_layer("hidden").kernel.numpy()
    )
    # The same model saved two ways: the model's weights are identical.
    r = cli("diff", folder / "model.keras", folder / "model.weights.h5", "--json")
    rows = {v["name"]: v["status"] for v in json.loads(r.stdout)["variables"]}
    assert all(rows[name] == "same" for name in _model_weights(model)), rows


def test_a_damaged_or_foreign_file_is_one_line(tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    r = subprocess.run(
        [sys.executable, "-m", "ckpt_browser", "ls", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    notes = tmp_path / "notes.h5"
    notes.write_text("hello")
    r = subprocess.run(
        [sys.executable, "-m", "ckpt_browser", "ls", str(notes)], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_the_window_exits_cleanly_after_showing_a_keras_zip(keras_files, tmp_path):
    """An h5py file left open over a zip member crashed the app when it quit (SIGSEGV, every
    time): the reader opens the file for each use and closes it."""
    import os

    folder, _ = keras_files
    shot = tmp_path / "shot.png"
    r = subprocess.run(
        [sys.executable, "-m", "ckpt_browser", str(folder / "model.keras"), "--select", "hidden/kernel",
         "--tab", "model", "--screenshot", str(shot)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert r.returncode == 0, (r.returncode, r.stderr[-500:])
    assert shot.stat().st_size > 10_000


def test_sharded_weights_read_across_their_shards(tmp_path):
    import warnings

    import keras

    model = keras.Sequential([
        keras.Input((64,)), keras.layers.Dense(256, name="a"), keras.layers.Dense(256, name="b"),
        keras.layers.Dense(3, name="c"),
    ])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "sharded weights require *.json": it renames the file so
        model.save_weights(tmp_path / "big.weights.h5", max_shard_size=0.0003)  # ~300 KB a shard
    shards = sorted(p.name for p in tmp_path.glob("big_*.weights.h5"))
    assert len(shards) >= 2 and (tmp_path / "big.weights.json").is_file()
    f = KerasFile(tmp_path / "big.weights.json")
    want = _model_weights(model)
    assert {v.name for v in f.variables()} == set(want)
    for name, value in want.items():
        np.testing.assert_array_equal(f.read(name), value, err_msg=name)
    source = open_source(tmp_path / "big.weights.json")
    assert [c.name for c in source.model_dir.checkpoints] == ["big.weights.json"]  # shards belong to it


def test_nested_models_and_bfloat16_weights(tmp_path):
    import keras

    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, keras.layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    model = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dense(2, dtype="bfloat16", name="half")])
    model.save(tmp_path / "nested.keras")
    model.save_weights(tmp_path / "nested.weights.h5")
    want = {
        "inner/inner_dense/kernel": inner.get_layer("inner_dense").kernel,
        "inner/inner_dense/bias": inner.get_layer("inner_dense").bias,
        "half/kernel": model.get_layer("half").kernel,
    }
    for name in ("nested.keras", "nested.weights.h5"):
        f = KerasFile(tmp_path / name)
        for var, value in want.items():
            got = f.read(var)
            assert got.dtype.name == str(value.dtype), (name, var)  # bfloat16 stays bfloat16
            np.testing.assert_array_equal(got.astype(np.float32), np.asarray(value.numpy()).astype(np.float32))
    layers = KerasFile(tmp_path / "nested.keras").layers
    assert "inner/inner_dense" in [layer.name for layer in layers]


def test_the_older_layer_checkpoint_dependencies_layout():
    """A .keras from TensorFlow 2.13's Keras (tests/data/keras/make_keras_2_13.py)."""
    from pathlib import Path

    data = Path(__file__).parents[1] / "data" / "keras"
    f = KerasFile(data / "keras_2_13.keras")
    want = np.load(data / "keras_2_13_expected.npz")
    for name in want.files:
        if name.startswith("optimizer:"):
            continue
        np.testing.assert_array_equal(f.read(name), want[name], err_msg=name)
    assert int(f.read("optimizer/adam/iteration")) == int(want["optimizer:iteration"]) == 2
    for slot, short in (("momentum", "m"), ("velocity", "v")):
        for var in ("hidden/kernel", "hidden/bias", "out/kernel", "out/bias"):
            np.testing.assert_array_equal(f.read(f"optimizer/adam/{var}/{slot}"), want[f"optimizer:Adam/{short}/{var}"])


def test_a_zip_bomb_is_refused(tmp_path):
    import zipfile

    from ckpt_browser.core.base.errors import CheckpointError

    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("model.weights.h5", b"\0" * (64 << 20))  # 64 MiB of zeros: a few KB compressed
    with pytest.raises(CheckpointError, match="would expand to 67,108,864 bytes"):
        KerasFile(bomb)
