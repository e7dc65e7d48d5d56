"""An Estimator graph fed by feature key: the input pipeline's outputs (IteratorGetNext:k) named
after the feature columns the Estimator was built with, and evaluated like the Estimator would."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from ckpt_browser.core.tf.feeds import feature_inputs
from ckpt_browser.core.tf.graph import load_meta_graph_def
from tests.conftest import ESTIMATOR

CANNED = sorted(p for p in (ESTIMATOR / "canned").iterdir() if p.is_dir())


@pytest.mark.parametrize("model_dir", CANNED, ids=lambda p: p.name)
def test_inputs_are_named_after_the_feature_columns(model_dir):
    call = (model_dir / "constructor.txt").read_text().splitlines()[0]  # the call that wrote it
    used = set(re.findall(r"(?:numeric_column|categorical_column_with_\w+|bucketized_column)\('(\w+)'", call))
    inputs = feature_inputs(load_meta_graph_def(model_dir / "model.ckpt-20.meta").graph_def)
    keyed = [f.key for f in inputs if not f.key.startswith("IteratorGetNext")]
    assert keyed[-1] == "labels"
    assert set(keyed[:-1]) == used
    for f in inputs:  # every tensor an output of the pipeline, in order
        assert f.tensor == f"IteratorGetNext:{inputs.index(f)}"


def _forward(prefix, x: np.ndarray) -> np.ndarray:
    """The iris DNNClassifier's forward pass in numpy, from weights TensorFlow's reader gives."""
    from ckpt_browser.core.tf.tfimport import tf

    r = tf().train.load_checkpoint(str(prefix))
    h = x
    for layer in ("hiddenlayer_0", "hiddenlayer_1"):
        h = np.maximum(h @ r.get_tensor(f"dnn/{layer}/kernel") + r.get_tensor(f"dnn/{layer}/bias"), 0)
    logits = h @ r.get_tensor("dnn/logits/kernel") + r.get_tensor("dnn/logits/bias")
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.tf
def test_run_feeds_features_by_name(iris_dir):
    feeds = {"SepalLength": [5.1, 6.7], "SepalWidth": [3.5, 3.0], "PetalLength": [1.4, 5.2], "PetalWidth": [0.2, 2.3]}
    args = [f"--feed={k}={json.dumps(v)}" for k, v in feeds.items()]
    r = subprocess.run(
        [sys.executable, "-m", "ckpt_browser", "run", iris_dir, "--fetch", "head/predictions/probabilities", *args,
         "--json"], capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    got = np.array(json.loads(r.stdout)["value"])
    # The input layer concatenates the numeric columns in the order of their names.
    x = np.array([feeds[k] for k in sorted(feeds)], dtype=np.float32).T
    np.testing.assert_allclose(got, _forward(iris_dir / "model.ckpt-300", x), rtol=1e-5)
    one = subprocess.run(
        [sys.executable, "-m", "ckpt_browser", "run", iris_dir, "--fetch", "head/predictions/probabilities",
         "--feed", "SepalLength=5.1"], capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert one.returncode == 2
    assert one.stderr.count("\n") == 1 and "PetalLength (float32, [?])" in one.stderr
