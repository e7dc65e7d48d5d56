"""One model saved by tf_keras two ways -- a TF-format checkpoint (layer_with_weights-N/...) and a
legacy .h5 (layer/weight names) -- compared weight by weight, paired by position as load_weights
pairs them, with each pair's names shown."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.values.diff import SAME, diff_checkpoints


@pytest.fixture(scope="module")
def tf_keras_files(tmp_path_factory):
    from ckpt_browser.core.tf.tfimport import tf

    tf()
    import tf_keras

    folder = tmp_path_factory.mktemp("tf_keras")
    tf_keras.utils.set_random_seed(2)
    model = tf_keras.Sequential([
        tf_keras.layers.Dense(5, input_shape=(3,), name="hidden"), tf_keras.layers.BatchNormalization(name="bn"),
        tf_keras.layers.Dense(2, name="out"),
    ])  # fmt: skip
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.random((16, 3)), rng.random((16, 2)), epochs=1, verbose=0)
    model.save_weights(str(folder / "ckpt"))  # TF format: a checkpoint prefix
    model.save(folder / "model.h5")
    model.save(folder / "model.keras")  # tf_keras' own .keras: no layer names in its weights file
    return folder, model


def test_checkpoint_against_h5_pairs_by_position(tf_keras_files):
    folder, model = tf_keras_files
    diff = diff_checkpoints(folder / "ckpt", folder / "model.h5")
    assert diff.pairing.startswith("by position")
    paired = {r.name_b: r for r in diff.rows if r.name_b}
    want = {
        f"{layer.name}/{w.name.split('/')[-1].split(':')[0]}": w.numpy()
        for layer in model.layers
        for w in layer.weights
    }
    assert set(paired) == set(want)
    assert {r.status for r in paired.values()} == {SAME}
    assert paired["bn/moving_variance"].name == "layer_with_weights-1/moving_variance/.ATTRIBUTES/VARIABLE_VALUE"
    assert paired["hidden/kernel"].display_name == "layer_with_weights-0/kernel = hidden/kernel"


def test_same_names_stay_paired_by_name(keras_files):
    folder, _ = keras_files
    diff = diff_checkpoints(folder / "model.keras", folder / "legacy.h5")
    # Weights by name; the optimizer slots the legacy file spells flat (issue 25) by that spelling.
    assert diff.pairing.startswith("by name; ") and "optimizer slots by their flattened names" in diff.pairing
    assert all(r.name.startswith("optimizer/") for r in diff.rows if r.name_b)
    assert all(r.status == SAME for r in diff.rows)


def test_tf_keras_keras_file_names_layers_and_slots(tf_keras_files):
    """tf_keras files its layers by class and creation order and its optimizer without a learning
    rate variable: the config gives the names back, the slots still meet their variables."""
    from ckpt_browser.core.formats.keras import KerasFile

    folder, model = tf_keras_files
    f = KerasFile(folder / "model.keras")
    for layer in model.layers:
        for w in layer.weights:
            attr = w.name.split("/")[-1].split(":")[0]
            np.testing.assert_array_equal(f.read(f"{layer.name}/{attr}"), w.numpy())
    slots = {v.name.split(":")[0]: v.numpy() for v in model.optimizer.variables()}  # "Adam/m/hidden/kernel"
    name = next(v.name.split("/")[1] for v in f.variables() if v.name.endswith("/iteration"))
    checked = 0
    for key, value in slots.items():
        parts = key.split("/")
        if len(parts) >= 4 and parts[1] in ("m", "v"):
            slot = {"m": "momentum", "v": "velocity"}[parts[1]]
            np.testing.assert_array_equal(f.read(f"optimizer/{name}/{'/'.join(parts[2:])}/{slot}"), value, err_msg=key)
            checked += 1
    assert checked == 2 * len(model.trainable_weights) == 12


def test_long_layer_lists_split_over_attributes(tmp_path, tf_keras_files):
    """h5py splits an attribute over 64 KB into layer_names0, layer_names1, ...: 400 layers with
    long names, written by tf_keras, read back whole and in order."""
    import h5py
    import tf_keras

    from ckpt_browser.core.formats.keras import KerasFile

    names = [f"d{'x' * 200}{i}" for i in range(400)]
    model = tf_keras.Sequential([tf_keras.layers.Dense(1, input_shape=(1,), name=names[0])] + [
        tf_keras.layers.Dense(1, name=n) for n in names[1:]
    ])  # fmt: skip
    model.save_weights(tmp_path / "split.h5")
    with h5py.File(tmp_path / "split.h5") as h5:
        assert "layer_names1" in h5.attrs and "layer_names" not in h5.attrs  # the writer split it
    f = KerasFile(tmp_path / "split.h5")
    assert [layer.name for layer in f.layers] == names
    np.testing.assert_array_equal(f.read(f"{names[-1]}/kernel"), model.layers[-1].kernel.numpy())


def test_a_tf_keras_custom_layer_is_a_custom_object(tmp_path, tf_keras_files):
    import tf_keras

    from ckpt_browser.core.checks.keras_checks import CUSTOM, report
    from ckpt_browser.core.formats.keras import KerasFile

    class Doubler(tf_keras.layers.Layer):
        def call(self, x):
            return 2 * x

    model = tf_keras.Sequential([tf_keras.layers.Dense(2, input_shape=(3,), name="d"), Doubler(name="twice")])
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "custom.h5")
    found = [f for f in report(KerasFile(tmp_path / "custom.h5")).findings if f.kind == CUSTOM]
    assert [f.where for f in found] == ["twice"] and "custom_objects={'Doubler': ...}" in found[0].text


def test_diff_of_a_model_saved_as_keras_and_as_legacy_h5_pairs_optimizer_slots(keras_files, capsys):
    """Issue 25: the legacy .h5 spells slots hidden_kernel_momentum; paired, one model is identical."""
    import json

    from ckpt_browser.cli import main

    folder, model = keras_files
    code = main(["diff", str(folder / "model.keras"), str(folder / "legacy.h5"), "--json"])
    out = json.loads(capsys.readouterr().out)
    rows = out["rows"] if "rows" in out else out["variables"]
    statuses = {r["status"] for r in rows}
    assert code == 0 and statuses == {"same"}, statuses
    # "adam", or "adam_1" when the process made an Adam before (CI runs the whole suite in one process)
    assert any(r["name"] == f"optimizer/{model.optimizer.name}/hidden/kernel/momentum" for r in rows)
