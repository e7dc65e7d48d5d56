"""A SavedModel folder: its signatures (read from saved_model.pb) and running one."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.protos import protos
from ckpt_browser.core.storage import locate
from ckpt_browser.core.tf.tfimport import tf


@dataclass(frozen=True)
class TensorSpecInfo:
    key: str  # the argument / output name
    dtype: str
    shape: tuple[int | None, ...] | None

    @property
    def shape_text(self) -> str:
        if self.shape is None:
            return "any shape"
        return "[" + ", ".join("?" if d is None else str(d) for d in self.shape) + "]"


@dataclass
class Signature:
    name: str
    inputs: list[TensorSpecInfo] = field(default_factory=list)
    outputs: list[TensorSpecInfo] = field(default_factory=list)


def read_signatures(folder: str | os.PathLike) -> list[Signature]:
    """Signatures as the SavedModel proto declares them; nothing is loaded or run."""
    from ckpt_browser.core.storage import read_whole
    from ckpt_browser.core.tf.graph import proto_dtype_name

    path = locate(folder) / "saved_model.pb"
    data = read_whole(path, what="SavedModel")
    sm = protos().SavedModel()
    try:
        sm.ParseFromString(data)
    except Exception as exc:  # noqa: BLE001 - protobuf DecodeError
        raise CheckpointError(f"{path.name} is not a SavedModel ({exc})") from exc
    out = []
    for mg in sm.meta_graphs:
        for name, sig in sorted(mg.signature_def.items()):
            if name.startswith("__"):  # __saved_model_init_op and friends
                continue

            def specs(m):
                return [
                    TensorSpecInfo(k, proto_dtype_name(v.dtype), None if v.tensor_shape.unknown_rank else tuple(
                        None if d.size < 0 else int(d.size) for d in v.tensor_shape.dim))
                    for k, v in sorted(m.items())
                ]  # fmt: skip

            out.append(Signature(name, specs(sig.inputs), specs(sig.outputs)))
    return out


class LoadedModels:
    """SavedModels loaded with tf.saved_model.load, kept per folder; TensorFlow worker only."""

    def __init__(self) -> None:
        self._loaded: dict[Path, object] = {}

    def get(self, folder: str | os.PathLike):
        key = Path(folder)
        if key not in self._loaded:
            try:
                self._loaded[key] = tf().saved_model.load(str(key))
            except Exception as exc:  # noqa: BLE001
                raise CheckpointError(f"cannot load the SavedModel {key.name}: {str(exc).splitlines()[0]}") from exc
        return self._loaded[key]


def run_signature(
    models: LoadedModels, folder: str | os.PathLike, signature: str, inputs: dict[str, str]
) -> dict[str, np.ndarray]:
    """Call a signature with inputs typed as text (number, JSON list, start:stop:num)."""
    from ckpt_browser.core.tf.feeds import parse_values

    t = tf()
    loaded = models.get(folder)
    if signature not in loaded.signatures:
        raise CheckpointError(f"no signature {signature!r}; there are: {', '.join(loaded.signatures)}")
    fn = loaded.signatures[signature]
    specs = fn.structured_input_signature[1]
    args = {}
    for key, spec in specs.items():
        text = inputs.get(key, "").strip()
        if not text:
            raise CheckpointError(f"signature {signature!r} needs a value for {key} ({spec.dtype.name}, {spec.shape})")
        value = np.asarray(parse_values(text))
        if spec.shape.rank is not None and value.ndim < spec.shape.rank:
            value = value.reshape((1,) * (spec.shape.rank - value.ndim) + value.shape)
        args[key] = t.constant(value, dtype=spec.dtype)
    try:
        result = fn(**args)
    except Exception as exc:  # noqa: BLE001 - shape errors from the function
        raise CheckpointError(f"running {signature} failed: {str(exc).strip().splitlines()[0]}") from exc
    return {k: np.asarray(v) for k, v in result.items()}
