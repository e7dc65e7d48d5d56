"""What static reading of a training script cannot know, said instead of guessed: a custom model_fn,
a Keras model, variables TensorFlow makes or saves directly (named for --build, which builds them);
and the values an Estimator call receives, settled into plain data where a value we do not follow
(a function, an object, a list a call may have changed, one nested too deep) becomes an Unknown
naming it -- so that nothing downstream ever compares a value it does not understand."""

from __future__ import annotations

from typing import Any

from ckpt_browser.core.checks.feature_columns import Column
from ckpt_browser.core.checks.optimizers import Optimizer
from ckpt_browser.core.checks.script_values import DataKey, Flag, Unknown

_KERAS_MODELS = {"Sequential", "Model", "load_model", "clone_model", "model_from_json", "model_from_config"}
_SAVERS = {"Checkpoint", "CheckpointManager", "ModelCheckpoint", "Saver", "MonitoredTrainingSession",
           "Variable", "get_variable", "BackupAndRestore"}  # fmt: skip
# calls that read what they are given and change none of it (logging it, writing it out)
_READ_ONLY = {"info", "debug", "warning", "warn", "error", "log", "print", "pprint", "dump", "dumps", "log_params",
              "log_param", "log_metrics", "makedirs", "exists", "isdir", "isfile", "listdir", "getenv", "dirname",
              "basename", "join", "abspath"}  # fmt: skip
MAX_SETTLE = 100_000  # values walked when settling one call's arguments


def opaque_kind(path: str, source: str, keywords: dict[str, str]) -> str | None:
    """What a TensorFlow call builds that only building can tell, or None."""
    parts = path.split(".")
    last = parts[-1]
    short = source.split("(", 1)[0]
    if "estimator" in parts[:-1] and last == "Estimator":
        fn = keywords.get("model_fn")
        call = f"{short}(model_fn={fn})" if fn else f"{short}(...)"
        return f"{call}: a custom model_fn"
    if "estimator" in parts[:-1] and last.endswith(("Classifier", "Regressor", "Estimator")):
        return f"{short}(...): an Estimator static reading does not know"
    if last == "model_to_estimator":
        return f"{short}(...): a Keras model made into an Estimator"
    if "keras" in parts and (last in _KERAS_MODELS or "applications" in parts):
        return f"a Keras model ({short})"
    if (parts[0] == "tensorflow" or "keras" in parts) and last in _SAVERS:
        return f"variables TensorFlow makes or saves directly ({short})"
    if parts[0] == "tensorflow" and "layers" in parts and "keras" not in parts:  # tf.compat.v1.layers.dense
        return f"variables TensorFlow makes directly ({short})"
    return None


def taints(path: str) -> bool:
    """Whether a call of another library may change the configuration handed to it."""
    return path.rsplit(".", 1)[-1] not in _READ_ONLY and not path.startswith(("logging.", "os.path.", "pprint."))


def settle(value: Any, label: str, where: str, tainted: dict[int, tuple[Any, Unknown]]) -> Any:
    """value made into what an Estimator config is read from: plain data, feature columns,
    optimizers and Unknowns; anything else an Unknown naming the argument."""
    budget = [MAX_SETTLE]
    return _settle(value, label, where, tainted, budget, 0)


def _settle(value: Any, label: str, where: str, tainted: dict, budget: list[int], depth: int) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > 50:
        return Unknown(f"{label}, a value too large or too deeply nested to read", where)
    if id(value) in tainted:
        return tainted[id(value)][1]
    if isinstance(value, Flag):
        inner = _settle(value.value, label, where, tainted, budget, depth + 1)
        return inner if isinstance(inner, Unknown) else Flag(inner, value.name)
    if value is None or isinstance(value, (bool, int, float, str, DataKey, Unknown, Column, Optimizer)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_settle(v, label, where, tainted, budget, depth + 1) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _settle(v, label, where, tainted, budget, depth + 1) for k, v in value.items()}
    return Unknown(f"{label}, a value static reading does not follow", where)
