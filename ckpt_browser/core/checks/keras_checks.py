"""What goes wrong when a saved Keras or TF.js model is loaded again, read off its file: Lambda
layers, custom objects, which metric 'accuracy' becomes, weights that look freshly initialized.
And the model summary, as model.summary() prints it. Nothing in the file is deserialized."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ckpt_browser.core.checks.keras_builtins import BUILTINS
from ckpt_browser.core.formats.keras_parts import as_dict, layer_configs, ordered_layers, walk

LAMBDA, CUSTOM, ACCURACY, FRESH = "lambda layer", "custom object", "accuracy metric", "fresh weights"
# Where a config names objects, and what kind each is (for the message).
_KEY_KINDS = {
    "loss": "loss", "metrics": "metric", "weighted_metrics": "metric", "activation": "activation",
    "recurrent_activation": "activation", "kernel_initializer": "initializer", "bias_initializer": "initializer",
    "kernel_regularizer": "regularizer", "bias_regularizer": "regularizer", "activity_regularizer": "regularizer",
    "kernel_constraint": "constraint", "bias_constraint": "constraint", "optimizer": "optimizer",
}  # fmt: skip
_NORMAL = {re.sub(r"[_\s]", "", n.lower()) for n in BUILTINS} | {"acc", "accuracy", "crossentropy", "linear"}


@dataclass
class Finding:
    kind: str
    where: str  # the layer or setting it is about
    text: str
    warning: bool = True  # False: worth knowing, not a problem (which metric 'accuracy' is)

    def to_json(self) -> dict:
        return {"kind": self.kind, "where": self.where, "text": self.text, "warning": self.warning}


@dataclass
class LayerRow:
    name: str
    class_name: str
    output: str  # "(None, 8)" where the config says it, else ""
    params: int
    trainable: int
    optimizer: int  # optimizer slots held for this layer's variables


@dataclass
class Report:
    layers: list[LayerRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "layers": [vars(r) for r in self.layers],
            "findings": [f.to_json() for f in self.findings],
            "params": sum(r.params for r in self.layers),
            "trainable": sum(r.trainable for r in self.layers),
            "optimizer": sum(r.optimizer for r in self.layers),
        }


def _builtin(name: str) -> bool:
    return re.sub(r"[_\s]", "", name.lower()) in _NORMAL


def lambda_findings(config) -> list[Finding]:
    out = []
    for _, obj in walk(config):
        if obj.get("class_name") == "Lambda":
            name = as_dict(obj.get("config")).get("name", "?")
            out.append(Finding(LAMBDA, str(name), (
                f"layer {name} is a Lambda: its code is stored as Python bytecode, so load_model needs "
                "safe_mode=False and the same Python version that saved it; TensorFlow.js cannot load it"
            )))  # fmt: skip
    return out


def custom_findings(config, compile_config) -> list[Finding]:
    """Objects a config names that Keras does not know by itself."""
    found: dict[str, Finding] = {}

    def report(name: str, kind: str, where: str) -> None:
        short = name.split(">")[-1]
        if name not in found:
            found[name] = Finding(CUSTOM, where, (
                f"the {kind} {name!r} is not built into Keras: load_model needs "
                f"custom_objects={{{short!r}: ...}} (or the code that registers it imported first)"
            ))  # fmt: skip

    for path, obj in [*walk(config), *walk(compile_config, "compile")]:
        module, registered = obj.get("module"), obj.get("registered_name")
        name = str(obj["class_name"])
        if "inbound_nodes" in path or name == "__keras_tensor__":
            continue  # the graph's wiring, not objects to load
        kind = "layer" if re.search(r"layers\[\d+\]$", path) else _kind_of(path)
        if kind == "layer":
            path = str(as_dict(obj.get("config")).get("name", path))  # say which layer
        if name.startswith("Custom>") and _builtin(name[len("Custom>") :]):
            continue  # tf_keras names its own optimizers so ("Custom>SGD") and loads them itself
        if name == "function" and module == "builtins":  # a plain Python function, by its name
            report(str(obj.get("config")), kind, path)
        elif isinstance(registered, str) and ">" in registered:
            report(registered, kind, path)
        elif isinstance(module, str) and not module.startswith(("keras", "tf_keras")):
            report(f"{module}>{name}", kind, path)
        elif module is None and not _builtin(name) and name not in ("Functional", "Sequential", "Model"):
            report(name, kind, path)
    for path, value in _strings(compile_config):
        if not _builtin(value):
            report(value, _kind_of(path), path)
    return list(found.values())


def _object_name(value) -> str:
    """A loss as a user wrote it: its name, whether stored as a string or a serialized object."""
    if isinstance(value, dict):
        if value.get("class_name") == "function":
            return str(value.get("config"))
        return str(value.get("class_name", ""))
    return "" if value is None else str(value)


def _kind_of(path: str) -> str:
    for part in reversed(re.split(r"[/\[\]]", path)):
        if part in _KEY_KINDS:
            return _KEY_KINDS[part]
    return "object"


def _strings(compile_config) -> Iterator[tuple[str, str]]:
    """Losses and metrics given by name in a compile/training config."""
    if not isinstance(compile_config, dict):
        return
    for key in ("loss", "metrics", "weighted_metrics"):
        value = compile_config.get(key)
        if isinstance(value, dict) and "class_name" in value:
            continue  # a serialized object: custom_findings looks at it as one
        items = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
        for item in items:
            for sub in item if isinstance(item, list) else [item]:
                if isinstance(sub, str):
                    yield key, sub


def accuracy_findings(compile_config, output_units: int | None) -> list[Finding]:
    """Which metric 'accuracy' is: Keras picks it from the shapes (keras/src/trainers/compile_utils.py,
    is_binary_or_sparse_categorical): one output unit -> BinaryAccuracy; labels of lower rank
    than the outputs (what sparse_categorical_crossentropy takes) -> SparseCategoricalAccuracy;
    else CategoricalAccuracy."""
    names = [s for _, s in _strings(compile_config) if s.lower() in ("accuracy", "acc")]
    if not names:
        return []
    loss = _object_name(as_dict(compile_config).get("loss"))
    loss_norm = loss.lower().replace("_", "")
    if output_units == 1:
        metric = "BinaryAccuracy"
    elif "sparsecategorical" in loss_norm:
        metric = "SparseCategoricalAccuracy (integer labels)"
    else:
        metric = "CategoricalAccuracy"
    text = f"'{names[0]}' is {metric} here: the loss is {loss or 'not recorded'}, the output has {output_units} units"
    pitfall = "binarycrossentropy" in loss_norm and (output_units or 0) > 1
    if pitfall:
        text += (
            "; with binary_crossentropy on more than one unit Keras still computes CategoricalAccuracy "
            "(the arg-max matches), not the per-label binary accuracy -- use metrics=['binary_accuracy']"
        )
    return [Finding(ACCURACY, "compile", text, warning=pitfall)]


def fresh_findings(reader, config) -> list[Finding]:
    """Weights that may never have been trained: no optimizer step, biases exactly zero."""
    names = {v.name: v for v in reader.variables()}
    iterations = [n for n in names if re.search(r"(^|/)(iteration|iterations|iter)$", n)]
    reasons = []
    if iterations:
        counted = np.asarray(reader.read(iterations[0])).reshape(-1)
        if counted.size and counted.dtype.kind in "biuf" and counted[0] == 0:
            reasons.append("the optimizer has taken 0 steps")
    else:
        reasons.append("the file holds no optimizer state (saved before compile/fit, or without it)")
    biases = [n for n in names if n.endswith("/bias") and not n.startswith("optimizer/")]
    # A signalling NaN in a bias (damaged bytes) makes numpy's any() print a RuntimeWarning: not zero.
    with np.errstate(invalid="ignore"):
        all_zero = bool(biases) and all(not np.any(np.asarray(reader.read(n))) for n in biases)
    if all_zero:
        reasons.append(f"all {len(biases)} bias vectors are exactly zero (their initial value)")
    unseeded = sorted({
        str(as_dict(obj.get("config")).get("seed", "x")) for _, obj in walk(config)
        if str(obj.get("class_name", "")).endswith(("Uniform", "Normal", "Orthogonal"))
        and as_dict(obj.get("config")).get("seed", "x") is None
    })  # fmt: skip
    if len(reasons) >= 2 or (reasons and "0 steps" in reasons[0]):
        if unseeded:
            reasons.append("its initializers have no seed, so a fresh model gets other values every time")
        return [Finding(FRESH, "weights", "these weights may be a fresh initialization: " + "; ".join(reasons))]
    return []


def report(reader) -> Report:
    """The model summary and every finding for a Keras file or TF.js model."""
    config = getattr(reader, "config", None) or getattr(reader, "topology", None)
    compile_config = getattr(reader, "compile_config", None) or getattr(reader, "training_config", None)
    kinds = reader.kinds() if hasattr(reader, "kinds") else {}
    shapes = {v.name: v.shape for v in reader.variables()}
    rows = []
    for layer in ordered_layers(reader):
        slots = sum(_size(shapes[n]) for n, (kind, of) in kinds.items() if kind == "optimizer" and of in layer.weights)
        rows.append(LayerRow(layer.name, layer.class_name, _output(config, layer.name), layer.params,
                             layer.trainable_params, slots))  # fmt: skip
    units = _last_units(config)
    out = Report(rows)
    damage = reader.truncation() if hasattr(reader, "truncation") else None
    if damage:  # a TF.js manifest that lies: its values cannot be trusted
        out.findings.append(Finding("damaged", "file", damage))
    signature = reader.signature_text() if hasattr(reader, "signature_text") else None
    if signature:
        out.findings.append(Finding("signature", "graph model", f"signature: {signature}", warning=False))
    out.findings += lambda_findings(config)
    out.findings += custom_findings(config, compile_config)
    out.findings += accuracy_findings(compile_config, units)
    out.findings += fresh_findings(reader, config)
    return out


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def _output(config, name: str) -> str:
    name = name.rsplit("/", 1)[-1]  # a nested model's layer, by its own name
    for obj in layer_configs(config):
        cfg = as_dict(obj.get("config"))
        if cfg.get("name") != name:
            continue
        if "units" in cfg:
            return f"(None, {str(cfg['units'])[:20]})"
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        if isinstance(shape, list):
            return "(" + ", ".join("None" if d is None else str(d)[:20] for d in shape[:10]) + ")"
    return ""


def _last_units(config) -> int | None:
    layers = [obj for obj in layer_configs(config) if "units" in as_dict(obj.get("config"))]
    units = layers[-1]["config"]["units"] if layers else None
    return units if isinstance(units, int) and not isinstance(units, bool) else None
