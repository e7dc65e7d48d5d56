"""Pairing a Keras model's Orbax checkpoint (keras.callbacks.OrbaxCheckpoint) with the same model's
Keras file (.weights.h5 / .keras): a weight by its path (``trainable_variables/<model>/dense/kernel``
ends with the file's ``dense/kernel``); an optimizer variable by its index in the optimizer's
variables (the file's ``optimizer/vars/N``), which Keras creates as its unowned variables
(iterations, learning rate) and then each trainable weight's slots in the model's order -- the
order of the layers in the model config the checkpoint saves beside the weights."""

from __future__ import annotations

import re

from ckpt_browser.core.formats.keras_parts import SLOTS

_FILE_OPT_INDEX = re.compile(r"(?:^|/)optimizer/vars/(\d+)$")
_FILE_VAR_INDEX = re.compile(r"/vars/(\d+)$")


def orbax_file_pairs(ra, rb) -> list[tuple[str, str]] | None:
    """(name in a, name in b), either way round; None when the two are not such a pair. The other
    side may also be a tf.train.Checkpoint of the same Keras 3 model (its object graph names the
    weights and slots as Keras does: graph_pairs below)."""
    if hasattr(rb, "keras_model_config") and not hasattr(ra, "keras_model_config"):
        swapped = orbax_file_pairs(rb, ra)
        return None if swapped is None else [(y, x) for x, y in swapped]
    if not hasattr(ra, "keras_model_config"):
        return None
    if not hasattr(rb, "entries"):
        return graph_pairs(ra, rb)
    kinds = ra.kinds()
    if not kinds:
        return None
    shapes = {v.name: tuple(v.shape) for v in ra.variables()}
    tails: dict[str, list[str]] = {}
    for name, (kind, _) in kinds.items():
        if kind == "model":
            parts = name.split("/")[1:]
            for k in range(len(parts)):
                tails.setdefault("/".join(parts[k:]), []).append(name)
    pairs: list[tuple[str, str]] = []
    mine: dict[str, str] = {}
    for e in rb.entries:
        found = tails.get(e.name, []) if e.kind == "model" else []
        if len(found) == 1 and shapes.get(found[0]) == tuple(e.shape):
            pairs.append((found[0], e.name))
            mine[e.name] = found[0]
    pairs += _optimizer_pairs(ra, rb, kinds, shapes, mine)
    used = [x for x, _ in pairs]
    if not pairs or len(set(used)) != len(used):
        return None
    return [(x, y) for x, y in pairs if x != y] or None


def _optimizer_pairs(ra, rb, kinds: dict, shapes: dict, mine: dict[str, str]) -> list[tuple[str, str]]:
    config = ra.keras_model_config() or {}
    inner = config.get("config") if isinstance(config.get("config"), dict) else {}
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if not isinstance(layers, list):
        return []
    order: dict[str, int] = {}
    for n, layer in enumerate(layers):
        name = (
            layer.get("config", {}).get("name")
            if isinstance(layer, dict) and isinstance(layer.get("config"), dict)
            else None
        )
        if isinstance(name, str):
            order.setdefault(name, n)
    trainable = [e for e in rb.entries if e.kind == "model" and e.trainable and e.name in mine]

    def position(e) -> tuple[int, int]:
        m = _FILE_VAR_INDEX.search(e.h5path)
        return order.get(e.name.split("/")[0], -1), int(m.group(1)) if m else 0

    if any(position(e)[0] < 0 for e in trainable):
        return []  # a layer the config does not list (a nested model): not guessed
    owners = [mine[e.name] for e in sorted(trainable, key=position)]
    compile_config = config.get("compile_config") if isinstance(config.get("compile_config"), dict) else {}
    optimizer = compile_config.get("optimizer") if isinstance(compile_config, dict) else None
    kind = str(optimizer.get("class_name", "")).lower() if isinstance(optimizer, dict) else ""
    slot_names = SLOTS.get(kind, ())
    slots: dict[str, list[str]] = {o: [] for o in owners}
    unowned: dict[str, str] = {}
    for name, (k, owner) in kinds.items():
        if k != "optimizer":
            continue
        if owner is None:
            unowned[name.rsplit("/", 1)[-1]] = name
        elif owner in slots:
            slots[owner].append(name)
    per = {len(v) for v in slots.values()}
    if len(per) != 1 or not slot_names or per != {len(slot_names)}:
        return []

    def slot_rank(name: str) -> int:
        return next((i for i, s in enumerate(slot_names) if name.endswith("_" + s)), len(slot_names))

    flat = [s for o in owners for s in sorted(slots[o], key=slot_rank)]
    out = []
    for e in rb.entries:
        m = _FILE_OPT_INDEX.search(e.h5path.lstrip("/")) if e.kind == "optimizer" else None
        if m is None:
            continue
        n = int(m.group(1)) - len(unowned)
        x = unowned.get(e.name.rsplit("/", 1)[-1]) if n < 0 else flat[n] if n < len(flat) else None
        if x is not None and shapes.get(x) == tuple(e.shape):
            out.append((x, e.name))
    return out


def graph_pairs(ra, rb) -> list[tuple[str, str]] | None:
    """Keras' Orbax tree against a tf.train.Checkpoint of the same Keras 3 model: the graph's path
    of each variable (``model/<model>/dense/kernel``, ``optimizer/adam/<model>_dense_kernel_momentum``)
    less its first part is the Orbax path less its first part (``trainable_variables/...``,
    ``optimizer_variables/...``)."""
    kinds = ra.kinds()
    roles = rb.kinds() if hasattr(rb, "kinds") else None
    if not kinds or not roles or len(next(iter(roles.values()))) < 3:
        return None
    shapes_a = {v.name: tuple(v.shape) for v in ra.variables()}
    shapes_b = {v.name: tuple(v.shape) for v in rb.variables()}
    mine: dict[str, list[str]] = {}
    ends: dict[str, list[str]] = {}  # a model weight by each end of its path of two parts or more
    for name, (kind, _) in kinds.items():
        mine.setdefault(name.split("/", 1)[-1], []).append(name)
        parts = name.split("/")[1:]
        for k in range(len(parts) - 1 if kind == "model" else 0):
            ends.setdefault("/".join(parts[k:]), []).append(name)
    pairs = []
    for key, role in roles.items():
        tail = role.path.split("/", 1)[-1]
        found = mine.get(tail, [])
        if not found and role.kind == "model":
            # A graph path without the model's name (model/conv2d/kernel, a model restored from its
            # .keras, never compiled in this process) ends the Orbax path (.../sequential/conv2d/kernel).
            found = ends.get(tail, [])
        if len(found) == 1 and shapes_a.get(found[0]) == shapes_b.get(key):
            pairs.append((found[0], key))
    used = [x for x, _ in pairs]
    if not pairs or len(set(used)) != len(used):
        return None
    return [(x, y) for x, y in pairs if x != y] or None
