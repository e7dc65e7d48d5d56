"""Which files of a folder are parts of another checkpoint there, by their names alone: each
function here is a format's `parts` hook in the registry (core/formats/registry.py), given the
names of a folder's listing and giving {part: the checkpoint that owns it}. Names only, no file is
read: a folder scan stays one listing, and this module imports nothing heavy."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Keras 3: X.weights.json names its shards X_00000.weights.h5, X_00001.weights.h5, ...
_KERAS_SHARD = re.compile(r"^(.+)_\d{5,}\.weights\.h5$")
# Hugging Face's save_pretrained: model.safetensors.index.json owns model-00001-of-00003.safetensors,
# pytorch_model.bin.index.json owns pytorch_model-00001-of-00003.bin.
_INDEXED_SHARD = re.compile(r"^(.+)-\d{1,18}-of-\d{1,18}\.(safetensors|bin)$")
# tensorflowjs_converter: model.json's weights are group1-shard1of2.bin, group1-shard2of2.bin, ...
_TFJS_SHARD = re.compile(r"^group\d{1,9}-shard\d{1,9}of\d{1,9}(\.bin)?$")
_TFJS_MODELS = (".model.json", "weights_manifest.json")


def keras_shards(names: Iterable[str]) -> dict[str, str]:
    names = list(names)
    owners = {n[: -len(".weights.json")]: n for n in names if n.endswith(".weights.json")}
    out = {}
    for name in names:
        m = _KERAS_SHARD.match(name)
        if m is not None and m.group(1) in owners:
            out[name] = owners[m.group(1)]
    return out


def indexed_shards(names: Iterable[str]) -> dict[str, str]:
    names = list(names)
    indexes = {n for n in names if n.endswith((".safetensors.index.json", ".bin.index.json"))}
    out = {}
    for name in names:
        m = _INDEXED_SHARD.match(name)
        if m is not None:
            owner = f"{m.group(1)}.{m.group(2)}.index.json"
            if owner in indexes:
                out[name] = owner
    return out


def tfjs_shards(names: Iterable[str]) -> dict[str, str]:
    names = list(names)
    models = sorted(n for n in names if n.lower() == "model.json" or n.lower().endswith(_TFJS_MODELS))
    if not models:
        return {}
    return {n: models[0] for n in names if _TFJS_SHARD.match(n)}
