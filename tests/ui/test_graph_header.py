"""The Graph tab's header on an Estimator graph (issue 31): the features listed by their keys; pipeline
outputs no feature column names are said apart, never listed as features ("fed by feature
(IteratorGetNext:1, :2, :4)")."""

from __future__ import annotations

from pathlib import Path

from ckpt_browser.core.tf.feeds import feature_inputs
from ckpt_browser.core.tf.graph import load_meta_graph_def
from ckpt_browser.ui.widgets.graph_panel import features_line

DATA = Path(__file__).resolve().parent.parent / "data"


def _line(meta: Path) -> str:
    return features_line(feature_inputs(load_meta_graph_def(meta).graph_def))


def test_named_features_only_are_features():
    line = _line(DATA / "estimator" / "iris" / "model.ckpt-300.meta")
    assert line == (
        "An Estimator's graph: its input pipeline is fed by feature (PetalLength, PetalWidth, SepalLength, SepalWidth)."
    )


def test_unnamed_outputs_are_not_listed_as_features():
    line = _line(DATA / "estimator" / "canned" / "dnn_regressor_rmsprop" / "model.ckpt-20.meta")
    features, _, rest = line.partition(";")
    assert "IteratorGetNext" not in features
    assert "feature (PetalLength, PetalWidth, SepalWidth)" in features
    assert "2 pipeline outputs no feature column names, fed by tensor (IteratorGetNext:0, IteratorGetNext:3)" in rest
    premade = _line(DATA / "scripts" / "premade" / "model_dir" / "model.ckpt-20.meta")
    assert "fed by feature" not in premade and "4 pipeline outputs" in premade
