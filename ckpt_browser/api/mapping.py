"""cb.map_weights: will a TensorFlow checkpoint map onto a PyTorch file (the `map` command's record)."""

from __future__ import annotations

import os
from typing import Any

from ckpt_browser.core.base.errors import checkpoint_errors_only


@checkpoint_errors_only
def map_weights(tf_checkpoint: str | os.PathLike[str], pytorch_file: str | os.PathLike[str], rules: str | None = None,
                values: bool = True) -> dict[str, Any]:  # fmt: skip
    """Pair every TF variable with a PyTorch tensor by rules (built in: bert, albert, electra, t5,
    guessed when None; or a .json / .toml rules file): record["ok"] is True when every model weight
    maps, shapes agree after the transform and (values=True) the values prove each transpose.
    `ckpt-browser map TF PYTORCH --json` prints the same record."""
    from ckpt_browser.core.values.mapping import map_checkpoint

    return map_checkpoint(os.fspath(tf_checkpoint), os.fspath(pytorch_file), rules, values).to_json()
