"""SavedModel signatures from the proto, and running one."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.tf.saved_model import LoadedModels, read_signatures, run_signature


@pytest.mark.tf
def test_signatures_and_run(written):
    (sig,) = read_signatures(written["saved_model"])
    assert sig.name == "serving_default"
    assert [(o.key, o.dtype, o.shape) for o in sig.outputs] == [("output_0", "float32", (None, 2))]
    models = LoadedModels()
    out = run_signature(models, written["saved_model"], "serving_default", {"x": "[1, 1]"})
    np.testing.assert_array_equal(out["output_0"], [[4.0, 6.0]])  # [1, 1] @ [[1, 2], [3, 4]]
    with pytest.raises(CheckpointError, match="needs a value for x"):
        run_signature(models, written["saved_model"], "serving_default", {})
    with pytest.raises(CheckpointError, match="no signature 'nope'"):
        run_signature(models, written["saved_model"], "nope", {})


def test_not_a_saved_model(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"\x00\xffgarbage")
    with pytest.raises(CheckpointError, match="not a SavedModel"):
        read_signatures(tmp_path)
