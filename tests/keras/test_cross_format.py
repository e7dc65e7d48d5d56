"""One model saved by tf_keras two ways -- a TF-format checkpoint (layer_with_weights-N/...) and a
legacy .h5 (layer/weight names) -- compared weight by weight, paired by position as load_weights
pairs them, with each pair's names shown."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.diff import SAME, diff_checkpoints


@pytest.fixture(scope="module")
def tf_keras_files(tmp_path_factory):
    from ckpt_browser.core.tfimport import tf

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
    assert diff.pairing == "by name"
    assert not any(r.name_b for r in diff.rows)
    assert all(r.status == SAME for r in diff.rows if not r.name.startswith("optimizer/"))
