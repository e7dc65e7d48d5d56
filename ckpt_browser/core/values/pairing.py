"""Pairing the weights of two files that name them differently -- a tf_keras checkpoint
(``layer_with_weights-0/kernel/...``) against its ``.h5`` -- by position, as Keras' own
load_weights pairs a legacy file: layer by layer in the model's order, then weight by weight."""

from __future__ import annotations

import re

_LAYERED = re.compile(r"^layer_with_weights-(\d+)/([^/]+)/")
# The order Keras creates a layer's variables in (and so lists them in a layer's weights).
_ORDER = ("kernel", "depthwise_kernel", "pointwise_kernel", "recurrent_kernel", "embeddings", "gamma", "beta",
          "bias", "moving_mean", "moving_variance")  # fmt: skip
_BEFORE_BIAS = {"kernel": 0, "depthwise_kernel": 0, "pointwise_kernel": 1, "recurrent_kernel": 2, "embeddings": 0}


def _rank(attr: str) -> tuple:
    if attr == "bias":
        return (5, attr)
    if attr in _BEFORE_BIAS:
        return (_BEFORE_BIAS[attr], attr)
    if attr in ("gamma", "beta", "moving_mean", "moving_variance"):
        return (10 + ("gamma", "beta", "moving_mean", "moving_variance").index(attr), attr)
    return (20, attr)


def weights_in_order(reader) -> list[str] | None:
    """The model's weights (no optimizer state) in layer order, then in each layer's own order;
    None when the file does not say (a plain TensorFlow checkpoint)."""
    if hasattr(reader, "layers"):  # a Keras file or a TF.js model
        from ckpt_browser.core.formats.keras_parts import ordered_layers

        return [w for layer in ordered_layers(reader) for w in layer.weights] or None
    by_layer: dict[int, list[tuple[tuple, str]]] = {}
    for v in reader.variables():
        m = _LAYERED.match(v.name)
        if m:
            by_layer.setdefault(int(m.group(1)), []).append((_rank(m.group(2)), v.name))
    if not by_layer:
        return None
    return [name for n in sorted(by_layer) for _, name in sorted(by_layer[n])]


def positional_pairs(ra, rb) -> list[tuple[str, str]] | None:
    """(name in a, name in b) for each model weight, when both files list their weights in model
    order and hold as many; else None."""
    wa, wb = weights_in_order(ra), weights_in_order(rb)
    if wa is None or wb is None or len(wa) != len(wb):
        return None
    return list(zip(wa, wb))


_OPT_INDEX = re.compile(r"(?:^|/)_variables/(\d+)$")  # a Keras 3 optimizer's variables list, in the graph
_FILE_OPT_INDEX = re.compile(r"(?:^|/)optimizer/vars/(\d+)$")  # the same list in a .weights.h5 / .keras


def graph_file_pairs(ra, rb) -> list[tuple[str, str]] | None:
    """(name in a, name in b) for a tf.train.Checkpoint of a Keras 3 model and a Keras file of the
    same model (either way round), from the checkpoint's object graph (formats/object_graph.py):
    a weight at the checkpoint path that ends with the file's layer/weight name; an optimizer
    variable by its index in the optimizer's variables, which both keep in one order
    (`optimizer/_variables/N` in the graph, `optimizer/vars/N` in the file). None when neither
    side is such a pair or nothing differs."""
    from ckpt_browser.core.values.pairing_orbax import orbax_file_pairs

    orbax = orbax_file_pairs(ra, rb)  # Keras' OrbaxCheckpoint against the same model's Keras file
    if orbax is not None:
        return orbax
    if hasattr(rb, "kinds") and hasattr(ra, "entries") and not hasattr(rb, "entries"):
        swapped = graph_file_pairs(rb, ra)
        return None if swapped is None else [(y, x) for x, y in swapped]
    roles = ra.kinds() if hasattr(ra, "kinds") and not hasattr(ra, "entries") else None
    if not roles or not hasattr(rb, "entries") or len(next(iter(roles.values()))) < 3:
        return None
    shapes = {v.name: tuple(v.shape) for v in ra.variables()}
    by_index: dict[int, str] = {}
    tails: dict[str, list[str]] = {}
    for key, role in roles.items():
        if role.kind == "optimizer":
            for p in (role.path, *role.aliases):
                m = _OPT_INDEX.search(p)
                if m:
                    by_index.setdefault(int(m.group(1)), key)
        elif role.kind == "model":
            parts = role.path.split("/")
            for k in range(len(parts)):
                tails.setdefault("/".join(parts[k:]), []).append(key)
    pairs = []
    for e in rb.entries:
        m = _FILE_OPT_INDEX.search(e.h5path.lstrip("/")) if e.kind == "optimizer" else None
        mine = [by_index[int(m.group(1))]] if m and int(m.group(1)) in by_index else []
        if e.kind == "model":
            mine = tails.get(e.name, [])
        if len(mine) == 1 and shapes.get(mine[0]) == tuple(e.shape):
            pairs.append((mine[0], e.name))
    used = [x for x, _ in pairs]
    if len(set(used)) != len(used):
        return None  # one stored variable claimed twice: not the same model
    return [(x, y) for x, y in pairs if x != y] or None
