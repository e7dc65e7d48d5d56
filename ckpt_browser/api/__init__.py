"""The Python API (docs/api.md): what the command line is built on, for notebooks and scripts.

    import ckpt_browser as cb
    cb.open("runs/iris").latest.read("dnn/logits/bias")

browse.py opens model_dirs and checkpoints and reads, diffs and verifies them; checks.py runs the
checks (graph, Estimator, script, Keras). This module is the public surface; the others are
internal.
"""

from ckpt_browser.api.browse import Checkpoint, ModelDir, Variable, diff, finite_or_text, open, verify
from ckpt_browser.api.checks import check
from ckpt_browser.api.mapping import map_weights

__all__ = ["Checkpoint", "ModelDir", "Variable", "check", "diff", "finite_or_text", "map_weights", "open", "verify"]
