"""Will these weights load into that model? A weights file against a model file, paired the way
Keras' load_weights pairs them:

- Keras 3 (``.weights.h5``, ``.keras``): layer by layer through the file's keys -- each layer is
  filed under its class and creation order (``dense``, ``dense_1``) -- then variable by variable;
  a different count is an error, a different shape too unless ``skip_mismatch=True``.
- legacy HDF5: by position -- the n-th layer with weights in the file goes to the n-th layer with
  weights in the model (keras/src/legacy/saving/legacy_h5_format.py), a different number of such
  layers is an error; ``by_name=True`` pairs by layer name, and with ``skip_mismatch=True`` skips
  the layers whose weights do not fit.
- TensorFlow.js: by weight name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ckpt_browser.core.formats.keras_parts import ordered_layers

OK, SHAPE, COUNT, MISSING, EXTRA = "ok", "shape mismatch", "variable count", "not in the file", "not in the model"


@dataclass
class Pairing:
    model_layer: str
    file_layer: str
    status: str
    detail: str = ""


@dataclass
class LoadPlan:
    rule: str  # how the pairs were made
    pairs: list[Pairing] = field(default_factory=list)
    error: str | None = None  # what load_weights raises, as Keras says it
    advice: list[str] = field(default_factory=list)  # what by_name / skip_mismatch would do

    @property
    def loads(self) -> bool:
        return self.error is None and all(p.status == OK for p in self.pairs)

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "loads": self.loads,
            "error": self.error,
            "advice": self.advice,
            "pairs": [vars(p) for p in self.pairs],
        }


def _weighted(reader) -> list:
    return [layer for layer in ordered_layers(reader) if layer.weights]


def _compare(model, file_layer, mshapes: dict, fshapes: dict) -> Pairing:
    ms = [mshapes[w] for w in model.weights]
    fs = [fshapes[w] for w in file_layer.weights]
    if len(ms) != len(fs):
        return Pairing(
            model.name, file_layer.name, COUNT, f"the model's layer has {len(ms)} variables, the file's {len(fs)}"
        )
    bad = [(w, m, f) for w, m, f in zip(model.weights, ms, fs) if tuple(m) != tuple(f)]
    if bad:
        w, m, f = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        return Pairing(model.name, file_layer.name, SHAPE, f"{w.split('/')[-1]}: model {list(m)}, file {list(f)}{more}")
    return Pairing(model.name, file_layer.name, OK, f"{len(ms)} variables")


def load_plan(weights_reader, model_reader, by_name: bool = False) -> LoadPlan:
    """How load_weights would pair the file's weights with the model's layers, and what fits."""
    mshapes = {v.name: v.shape for v in model_reader.variables()}
    fshapes = {v.name: v.shape for v in weights_reader.variables()}
    model_layers, file_layers = _weighted(model_reader), _weighted(weights_reader)
    fmt = getattr(weights_reader, "format", "")
    if fmt.startswith(("layers-model", "graph-model", "weights")) and hasattr(weights_reader, "weights"):
        rule, key = "by weight name (TensorFlow.js)", (lambda layer: layer.name)
    elif fmt == "legacy h5" and not by_name:
        return _by_position(model_layers, file_layers, mshapes, fshapes)
    elif fmt == "legacy h5":
        rule, key = "by layer name (by_name=True)", (lambda layer: layer.name)
    else:
        rule, key = "by the file's layer keys (class and creation order), as Keras 3 does", (lambda layer: layer.key)
    plan = LoadPlan(rule)
    by_key = {key(layer): layer for layer in file_layers}
    used = set()
    for m in model_layers:
        f = by_key.get(key(m))
        if f is None:
            plan.pairs.append(Pairing(m.name, "", MISSING, f"no layer {key(m)!r} in the file"))
            continue
        used.add(key(m))
        plan.pairs.append(_compare(m, f, mshapes, fshapes))
    for k, f in by_key.items():
        if k not in used:
            plan.pairs.append(Pairing("", f.name, EXTRA, f"the model has no layer {k!r}"))
    bad = [p for p in plan.pairs if p.status in (SHAPE, COUNT)]
    if bad:
        p = bad[0]
        plan.error = f"layer {p.model_layer}: {p.detail}"
        if all(q.status == SHAPE for q in bad):
            plan.advice.append(
                f"skip_mismatch=True would load the rest and leave {len(bad)} layer(s) as initialized: "
                + ", ".join(q.model_layer for q in bad)
            )
    if any(p.status == MISSING for p in plan.pairs) and plan.error is None:
        plan.advice.append("layers not in the file keep their initial values")
    return plan


def _by_position(model_layers, file_layers, mshapes, fshapes) -> LoadPlan:
    plan = LoadPlan("by position: the n-th layer with weights in the file to the n-th in the model")
    if len(model_layers) != len(file_layers):
        plan.error = (
            f"you are trying to load a weight file containing {len(file_layers)} layers into a model "
            f"with {len(model_layers)} layers"
        )
    for m, f in zip(model_layers, file_layers):
        plan.pairs.append(_compare(m, f, mshapes, fshapes))
    bad = [p for p in plan.pairs if p.status != OK]
    if bad and plan.error is None:
        plan.error = f"layer {bad[0].model_layer} (file: {bad[0].file_layer}): {bad[0].detail}"
    renamed = [p for p in plan.pairs if p.model_layer != p.file_layer]
    if plan.error or renamed:
        names = {f.name for f in file_layers}
        fits = [m.name for m in model_layers if m.name in names]
        plan.advice.append(
            f"by_name=True would pair by layer name: {len(fits)} of {len(model_layers)} model layers have a "
            "layer of that name in the file"
            + ("; add skip_mismatch=True to skip those that do not fit" if plan.error else "")
        )
    return plan
