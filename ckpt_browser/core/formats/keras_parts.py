"""What the Keras readers share: the layer and variable records, Keras' naming rules, and
small parsing helpers (core/formats/keras.py, core/formats/tfjs.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ckpt_browser.core.base.errors import CheckpointError

MAX_JSON = 64 << 20
MAX_DEPTH = 64  # layers within layers in a weights file (Keras nests a few)
# Weight names by position for the built-in layers, as Keras creates them.
KNOWN_WEIGHTS = {
    "Dense": ("kernel", "bias"),
    "EinsumDense": ("kernel", "bias"),
    "Conv1D": ("kernel", "bias"), "Conv2D": ("kernel", "bias"), "Conv3D": ("kernel", "bias"),
    "DepthwiseConv1D": ("kernel", "bias"), "DepthwiseConv2D": ("kernel", "bias"),
    "Conv1DTranspose": ("kernel", "bias"), "Conv2DTranspose": ("kernel", "bias"), "Conv3DTranspose": ("kernel", "bias"),
    "SeparableConv1D": ("depthwise_kernel", "pointwise_kernel", "bias"),
    "SeparableConv2D": ("depthwise_kernel", "pointwise_kernel", "bias"),
    "PReLU": ("alpha",), "GroupNormalization": ("gamma", "beta"),
    "Embedding": ("embeddings",),
    "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance"),
    "LayerNormalization": ("gamma", "beta"),
    # The recurrent layers hold no weights of their own: their cell (the group `cell`) does.
    "LSTMCell": ("kernel", "recurrent_kernel", "bias"), "GRUCell": ("kernel", "recurrent_kernel", "bias"),
    "SimpleRNNCell": ("kernel", "recurrent_kernel", "bias"),
}  # fmt: skip
# Built-in layers whose snake_case key Keras' to_snake_case does not turn back into the class by
# capitalising its parts (conv2d is Conv2D, lstm is LSTM, re_lu is ReLU).
_CLASSES = (*KNOWN_WEIGHTS, "LSTM", "GRU", "SimpleRNN", "ReLU", "ELU", "RNN", "ConvLSTM1D", "ConvLSTM2D",
            "ConvLSTM3D", *(f"{kind}{n}D" for n in (1, 2, 3) for kind in (
                "GlobalAveragePooling", "GlobalMaxPooling", "MaxPooling", "AveragePooling", "UpSampling",
                "ZeroPadding", "Cropping", "SpatialDropout")))  # fmt: skip
# Keras 3 optimizers' slots, per trainable variable, in the order they are created.
SLOTS = {"adam": ("momentum", "velocity"), "adamw": ("momentum", "velocity"), "nadam": ("momentum", "velocity"),
         "rmsprop": ("velocity",), "adagrad": ("accumulator",), "sgd": ("momentum",), "adamax": ("m", "u")}  # fmt: skip


@dataclass
class Layer:
    name: str
    class_name: str
    weights: list[str] = field(default_factory=list)  # variable names in this file
    params: int = 0
    trainable_params: int = 0
    key: str = ""  # how the file files it: Keras 3 "dense_1" (class and creation order), else the name


@dataclass
class KerasEntry:
    name: str
    h5path: str
    shape: tuple[int, ...]
    dtype: str
    kind: str = "model"  # "model" or "optimizer"
    slot_of: str | None = None
    trainable: bool = True
    file: str | None = None  # the shard holding it (sharded weights), else the file itself


def read_json(data: bytes | str, what: str) -> Any:
    if len(data) > MAX_JSON:
        raise CheckpointError(f"{what} is {len(data):,} bytes: too big for a model description")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise CheckpointError(f"{what} is not valid JSON ({str(exc)[:120]})") from None


def dtype_name(ds) -> str:
    if ds.attrs.get("dtype") == "bfloat16" or str(ds.dtype) == "bfloat16":
        return "bfloat16"
    return str(ds.dtype)


def as_dict(value) -> dict:
    """A JSON value where a dict belongs: itself, or {} when the file holds something else there."""
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def layer_classes(config: dict | None) -> dict[str, str]:
    """layer name -> class name, from a model config (nested models included), in the config's
    order -- the order the model creates its variables in. Values of the wrong JSON type are skipped."""
    out: dict[str, str] = {}

    def walk(cfg, depth: int = 0) -> None:
        if depth > 100:  # a config nests models a few levels deep; a hostile one, any number
            return
        for layer in as_list(as_dict(as_dict(cfg).get("config")).get("layers")):
            name = as_dict(as_dict(layer).get("config")).get("name")
            if isinstance(name, str):
                out[name] = str(layer.get("class_name"))
            walk(layer, depth + 1)

    walk(config)
    return out


def top_layers(config) -> list[tuple[str, str]]:
    """(name, class) of the model's own layers, in the config's order (nested ones left out)."""
    out = []
    for layer in as_list(as_dict(as_dict(config).get("config")).get("layers")):
        name = as_dict(as_dict(layer).get("config")).get("name")
        if isinstance(name, str):
            out.append((name, str(layer.get("class_name"))))
    return out


def natural_key(key: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key)]


def element_count(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def snake_case(class_name: str) -> str:
    """A class name as Keras 3 keys it in a weights file (keras.src.utils.naming.to_snake_case):
    Conv2D -> conv2d, LSTM -> lstm, ReLU -> re_lu, BatchNormalization -> batch_normalization."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


_BY_SNAKE = {snake_case(c): c for c in _CLASSES}
# MultiHeadAttention's projections, filed by the attribute holding them.
_BY_SNAKE.update(dict.fromkeys(("query_dense", "key_dense", "value_dense", "output_dense"), "EinsumDense"))


def class_from_key(key: str, name: str = "") -> str:
    """layers/dense_1 -> Dense, conv2d -> Conv2D (the file names layers by their class, snake_case);
    an attribute's group (`cell`) by the layer's name (lstm_cell -> LSTMCell); else the key's parts
    capitalised."""
    for word in (key, name):
        found = _BY_SNAKE.get(re.sub(r"_\d+$", "", word)) or _BY_SNAKE.get(word)
        if found:
            return found
    return "".join(part.capitalize() for part in re.sub(r"_\d+$", "", key).split("_"))


def text_of(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def list_attr(attrs, key: str) -> list[str]:
    """A list attribute, also when h5py split it in key0, key1, ... (HDF5's 64 KB attribute limit)."""
    if key in attrs:
        values = list(attrs[key])
    else:
        values, i = [], 0
        while f"{key}{i}" in attrs:
            values += list(attrs[f"{key}{i}"])
            i += 1
    return [text_of(v) for v in values]


def weight_in_layer(weight: str, layer: str) -> str:
    """'hidden/kernel:0' or 'hidden/kernel' -> 'kernel' (tf_keras and Keras 3 spell them so)."""
    weight = weight.rsplit(":", 1)[0]
    return weight[len(layer) + 1 :] if weight.startswith(layer + "/") else weight


def walk(obj, path: str = "", depth: int = 0) -> Iterator[tuple[str, dict]]:
    """Every dict with a class_name in a config, with where it sits (100 levels deep at most:
    real configs nest a few dozen, a hostile one would exhaust the stack)."""
    if depth > 100:
        return
    if isinstance(obj, dict):
        if isinstance(obj.get("class_name"), str):
            yield path, obj
        for key, value in obj.items():
            yield from walk(value, f"{path}/{key}" if path else str(key), depth + 1)
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from walk(value, f"{path}[{i}]", depth + 1)


def layer_configs(config) -> list[dict]:
    out = []
    for path, obj in walk(config):
        if re.search(r"layers\[\d+\]$", path):
            out.append(obj)
    return out


def ordered_layers(reader) -> list:
    """The file's layers in the model's order (as summary() lists them) when its config gives
    it, else as the file lists them; a model's own empty entry left out."""
    config = getattr(reader, "config", None) or getattr(reader, "topology", None)
    names = [as_dict(obj.get("config")).get("name") for obj in layer_configs(config)]
    order = {name: i for i, name in enumerate(names) if isinstance(name, str)}
    layers = [layer for layer in getattr(reader, "layers", []) if layer.class_name != "Model" or layer.params]
    # A nested model's layers are "inner/dense": the config knows them by their own name.
    return sorted(layers, key=lambda layer: order.get(layer.name.rsplit("/", 1)[-1], len(order)))
