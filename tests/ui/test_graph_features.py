"""Graph > Evaluate on an Estimator graph: the features are asked for by name and fed in place
of the input pipeline (it failed with "Node: 'IteratorGetNext'"); the result is the Estimator's."""

from __future__ import annotations

import numpy as np
import pytest

from tests.core.test_feeds import _forward
from tests.ui.conftest import TIMEOUT

pytestmark = pytest.mark.tf  # restores and runs the graph: make test-compat runs it with two TensorFlows


def test_evaluate_feeds_estimator_features_by_name(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    with qtbot.waitSignal(window.view("graph").overview_ready, timeout=TIMEOUT) as o:
        window.show_tab("graph")
    panel = window.view("graph")
    assert [f.key for f in o.args[0].inputs] == ["PetalLength", "PetalWidth", "SepalLength", "SepalWidth", "labels"]
    # The prediction is offered as the tensor to evaluate, and it asks for the four features.
    qtbot.waitUntil(lambda: len(panel.feed_edits) == 4, timeout=TIMEOUT)
    assert panel.fetch_edit.text() == "head/predictions/probabilities"
    feeds = {"PetalLength": [1.4, 5.2], "PetalWidth": [0.2, 2.3], "SepalLength": [5.1, 6.7], "SepalWidth": [3.5, 3.0]}
    for key, edit in panel.feed_edits.items():
        edit.setText(str(feeds[key]))
    with qtbot.waitSignal(panel.evaluated, timeout=TIMEOUT) as e:
        panel.run_evaluate()
    x = np.array([feeds[k] for k in sorted(feeds)], dtype=np.float32).T  # the input layer's column order
    np.testing.assert_allclose(e.args[0], _forward(iris_dir / "model.ckpt-300", x), rtol=1e-5)
    rows = [panel.placeholder_model.index(r, 0).data() for r in range(panel.placeholder_model.rowCount())]
    assert "SepalLength  (feature: IteratorGetNext:2)" in rows
