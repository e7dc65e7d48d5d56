"""Keras weight files read with h5py, zipfile and json -- nothing in them is deserialized or run.

- Keras 3 ``.weights.h5``: ``layers/<class_snake>[_N]/vars/<i>`` (the layer's own name is the
  ``name`` attribute of its ``vars`` group), nested models under ``layers/<model>/layers/...``,
  the model's own ``vars``, and ``optimizer/vars/<i>`` (0: iterations, 1: learning rate, then
  each slot of each trainable variable in order).
- ``.keras``: a zip of ``metadata.json``, ``config.json`` and ``model.weights.h5``, read in place.
- Legacy HDF5 (``model.save('m.h5')`` / ``save_weights('w.h5')``): ``layer_names`` (also split in
  ``layer_names0``, ``layer_names1``, ...) and each layer's ``weight_names``; the model's
  ``model_config`` and ``training_config`` as root attributes; ``optimizer_weights``.
"""

from __future__ import annotations

import contextlib
import os
import re
import zipfile

from ckpt_browser.core.errors import CheckpointError
from ckpt_browser.core.formats.keras_parts import (
    KNOWN_WEIGHTS,
    MAX_JSON,
    SLOTS,
    KerasEntry,
    Layer,
    class_from_key,
    dtype_name,
    element_count,
    layer_classes,
    list_attr,
    natural_key,
    read_json,
    text_of,
    top_layers,
    weight_in_layer,
)
from ckpt_browser.core.formats.records import VariableEntry

MAX_MEMBER = 16 << 30  # a .keras member bigger than this is refused
MAX_RATIO = 200  # ... and one that would expand more than this (a zip bomb)


class KerasFile:
    """A Keras file's variables, layers and configs. A CheckpointReader (core/reader.py)."""

    native = True
    note: str | None = None

    def __init__(self, path) -> None:
        self.path = path
        self.name = os.path.basename(str(path))
        self.config: dict | None = None  # the model config (class_name, config)
        self.compile_config: dict | None = None
        self.metadata: dict = {}
        self.format = ""
        self.entries: list[KerasEntry] = []
        self.layers: list[Layer] = []
        self._zipped = zipfile.is_zipfile(str(path))
        self._shard: str | None = None
        self._names_by_key: dict[str, str] = {}  # h5 group path -> the layer's name (sharded files)
        if self._zipped:
            self._read_keras_zip()
        if str(path).lower().endswith(".weights.json"):
            self._read_sharded()
            self._by_name = {e.name: e for e in self.entries}
            return
        with self._opened() as h5:
            self._h5 = h5
            try:
                if "model_weights" in h5 or "layer_names" in h5.attrs or "layer_names0" in h5.attrs:
                    self._read_legacy()
                else:
                    self._read_keras3()
            except (KeyError, ValueError, TypeError) as exc:
                raise CheckpointError(f"{self.name} is damaged or not a Keras file ({str(exc)[:160]})") from None
            finally:
                del self._h5
        self._by_name = {e.name: e for e in self.entries}

    def _read_sharded(self) -> None:
        """X.weights.json: a weight_map from layer groups to the X_NNNNN.weights.h5 shards holding
        them; each shard has the .weights.h5 layout, a layer's variables possibly across shards."""
        with open(str(self.path), "rb") as f:
            doc = read_json(f.read(MAX_JSON + 1), self.name)
        weight_map = doc.get("weight_map") if isinstance(doc, dict) else None
        if not isinstance(weight_map, dict):
            raise CheckpointError(f"{self.name} is not a sharded Keras weights file: no weight_map")
        shards = sorted({s for files in weight_map.values() for s in (files if isinstance(files, list) else [files])})
        folder = os.path.dirname(str(self.path))
        for shard in shards:
            if not isinstance(shard, str) or os.path.basename(shard) != shard:
                raise CheckpointError(f"{self.name}: shard {shard!r} is not a file next to it")
            if not os.path.isfile(os.path.join(folder, shard)):
                raise CheckpointError(f"{self.name}: its shard {shard} is missing")
            # A layer's name sits on its vars group in one shard; the others only hold data.
            with self._opened(os.path.join(folder, shard)) as h5:
                h5.visititems(self._note_name)
        for shard in shards:
            self._shard = os.path.join(folder, shard)
            with self._opened() as h5:
                self._h5 = h5
                try:
                    self._read_keras3()
                except (KeyError, ValueError, TypeError) as exc:
                    raise CheckpointError(f"{shard} is damaged ({str(exc)[:160]})") from None
                finally:
                    del self._h5
        self._shard = None
        self.format = "sharded weights"
        merged: dict[str, Layer] = {}
        for layer in self.layers:  # a layer split over shards appears once per shard
            known = merged.setdefault(layer.key, Layer(layer.name, layer.class_name, key=layer.key))
            known.weights += [w for w in layer.weights if w not in known.weights]
            known.params += layer.params
            known.trainable_params += layer.trainable_params
        self.layers = list(merged.values())

    def _note_name(self, path: str, obj) -> None:
        if path.endswith("/vars") and "name" in obj.attrs:
            self._names_by_key[path[: -len("/vars")]] = str(obj.attrs["name"])

    @contextlib.contextmanager
    def _opened(self, shard: str | None = None):
        """The HDF5 file, open for one use and closed after: an h5py file left open over a
        Python file object (a .keras zip member) crashes the interpreter when it exits."""
        import h5py

        z = member = h5 = None
        try:
            if self._zipped:
                z = zipfile.ZipFile(str(self.path))
                member = z.open("model.weights.h5")  # seekable: h5py reads it in place
            h5 = h5py.File(member if member is not None else shard or self._shard or str(self.path), "r")
            yield h5
        except OSError as exc:
            raise CheckpointError(f"{self.name} is not an HDF5 or .keras file ({str(exc)[:120]})") from None
        finally:
            for thing in (h5, member, z):
                if thing is not None:
                    thing.close()

    # -- .keras ----------------------------------------------------------------------
    def _read_keras_zip(self) -> None:
        try:
            z = zipfile.ZipFile(str(self.path))
        except (OSError, zipfile.BadZipFile) as exc:
            raise CheckpointError(f"{self.name} is not a .keras file ({str(exc)[:120]})") from None
        with z:
            self._read_zip_members(z)

    def _read_zip_members(self, z) -> None:
        members = {i.filename: i for i in z.infolist()}
        for info in members.values():
            if info.file_size > MAX_MEMBER or (
                info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1 << 20
            ):
                raise CheckpointError(
                    f"{self.name}: {info.filename} would expand to {info.file_size:,} bytes from "
                    f"{info.compress_size:,}: refused (a zip bomb, or not a .keras file)"
                )
        if "model.weights.h5" not in members:
            raise CheckpointError(f"{self.name} is a zip without model.weights.h5: not a .keras file")
        self.format = "keras"
        if "config.json" in members:
            config = read_json(z.read("config.json"), f"{self.name}/config.json")
            self.config = config if isinstance(config, dict) else None
            self.compile_config = (self.config or {}).get("compile_config")
        if "metadata.json" in members:
            meta = read_json(z.read("metadata.json"), f"{self.name}/metadata.json")
            self.metadata = meta if isinstance(meta, dict) else {}

    # -- Keras 3 weights ---------------------------------------------------------------
    def _read_keras3(self) -> None:
        self.format = self.format or "weights.h5"
        classes = layer_classes(self.config)
        h5 = self._h5
        self.model_name = h5["vars"].attrs.get("name", "") if "vars" in h5 else ""
        # tf_keras and the Keras of TF <= 2.13 (whose file calls the group
        # _layer_checkpoint_dependencies) file no layer names: each key is the layer's class and a
        # counter (dense, dense_2), in creation order. The config's layers of that class, in order,
        # give the names back.
        root = "layers" if "layers" in h5 else "_layer_checkpoint_dependencies"
        if root in h5:
            keys: dict[str, list[str]] = {}
            for key in sorted(h5[root], key=natural_key):
                keys.setdefault(re.sub(r"_\d+$", "", key), []).append(key)
            named: dict[str, list[str]] = {}
            for name, cls in top_layers(self.config):
                named.setdefault(re.sub(r"(?<!^)(?=[A-Z])", "_", cls).lower(), []).append(name)
            for snake, found in keys.items():
                for key, name in zip(found, named.get(snake, [])):
                    self._names_by_key.setdefault(f"{root}/{key}", name)
        trainable: list[KerasEntry] = []
        if root in h5:
            self._walk_layers(h5[root], "", classes, trainable)
        if "vars" in h5:
            self._add_vars(h5["vars"], self.model_name or "model", "Model", trainable)
        if "optimizer" in h5 and "vars" in h5["optimizer"]:
            # Slots follow the trainable variables in the model's order, which only the config
            # gives (the file lists layers alphabetically); without it the slots keep their index.
            order = {name: i for i, name in enumerate(classes)}
            known = all(e.name.split("/")[-2] in order for e in trainable) if classes else False
            if known:
                trainable.sort(key=lambda e: order[e.name.split("/")[-2]])
            self._add_optimizer(h5["optimizer"]["vars"], trainable if known else [])

    def _walk_layers(self, group, prefix: str, classes: dict, trainable: list, key_prefix: str = "") -> None:
        for key in sorted(group, key=natural_key):
            layer_group = group[key]
            vars_group = layer_group.get("vars")
            fallback = self._names_by_key.get(layer_group.name.lstrip("/"), key)
            name = str(vars_group.attrs.get("name", fallback)) if vars_group is not None else fallback
            full = f"{prefix}{name}"
            cls = classes.get(name, class_from_key(key))
            if vars_group is not None and len(vars_group):
                self._add_vars(vars_group, full, cls, trainable, f"{key_prefix}{key}")
            elif vars_group is not None and not len(layer_group.get("layers", {})):
                self.layers.append(Layer(full, cls, key=f"{key_prefix}{key}"))
            if "layers" in layer_group:  # a nested model
                self._walk_layers(layer_group["layers"], f"{full}/", classes, trainable, f"{key_prefix}{key}/")

    def _add_vars(self, vars_group, layer: str, cls: str, trainable: list, key: str = "") -> None:
        known = KNOWN_WEIGHTS.get(cls, ())
        out = Layer(layer, cls, key=key or layer)
        for key in sorted(vars_group, key=natural_key):
            ds = vars_group[key]
            i = int(key) if key.isdigit() else -1
            weight = known[i] if 0 <= i < len(known) else f"var_{key}"
            entry = KerasEntry(f"{layer}/{weight}", ds.name, tuple(ds.shape), dtype_name(ds), file=self._shard)
            entry.trainable = not (cls in ("BatchNormalization",) and weight.startswith("moving_"))
            self.entries.append(entry)
            out.weights.append(entry.name)
            n = element_count(entry.shape)
            out.params += n
            if entry.trainable:
                out.trainable_params += n
                trainable.append(entry)
        self.layers.append(out)

    def _optimizer_name(self) -> str:
        """The optimizer's name as the compile config gives it (tf_keras files no name attribute)."""
        opt = (self.compile_config or {}).get("optimizer")
        if isinstance(opt, dict):
            name = (opt.get("config") or {}).get("name") if isinstance(opt.get("config"), dict) else None
            return str(name or opt.get("class_name") or "optimizer").lower()
        return str(opt).lower() if isinstance(opt, str) else "optimizer"

    def _add_optimizer(self, vars_group, trainable: list) -> None:
        keys = sorted(vars_group, key=natural_key)
        shapes = [tuple(vars_group[k].shape) for k in keys]
        opt = str(vars_group.attrs.get("name", self._optimizer_name()))
        slots = SLOTS.get(re.sub(r"_\d+$", "", opt.lower()), ())
        # Keras 3 files the iteration count and the learning rate first; tf_keras the count only.
        head, per = 2, 0
        for h in (2, 1):
            p = (len(keys) - h) // len(trainable) if trainable else 0
            if (
                p > 0
                and len(keys) - h == p * len(trainable)
                and all(shapes[h + i * p + j] == trainable[i].shape for i in range(len(trainable)) for j in range(p))
            ):
                head, per = h, p
                break
        for n, key in enumerate(keys):
            ds = vars_group[key]
            shape = tuple(ds.shape)
            if n == 0:
                name, slot_of = f"optimizer/{opt}/iteration", None
            elif n == 1 and head == 2:
                name, slot_of = f"optimizer/{opt}/learning_rate", None
            elif per and n >= head:
                var = trainable[(n - head) // per]
                j = (n - head) % per
                slot = slots[j] if j < len(slots) else f"slot_{j}"
                name, slot_of = f"optimizer/{opt}/{var.name}/{slot}", var.name
            else:
                name, slot_of = f"optimizer/{opt}/var_{key}", None
            self.entries.append(KerasEntry(name, ds.name, shape, dtype_name(ds), "optimizer", slot_of, False))

    # -- legacy HDF5 --------------------------------------------------------------------
    def _read_legacy(self) -> None:
        h5 = self._h5
        self.format = "legacy h5"
        root = h5["model_weights"] if "model_weights" in h5 else h5
        for attr in ("model_config", "training_config"):
            if attr in h5.attrs:
                value = read_json(text_of(h5.attrs[attr]), f"{self.name}:{attr}")
                if attr == "model_config":
                    self.config = value
                else:
                    self.compile_config = value
        self.metadata = {k: text_of(h5.attrs[k]) for k in ("keras_version", "backend") if k in h5.attrs}
        classes = layer_classes(self.config)
        for layer in list_attr(root.attrs, "layer_names"):
            group = root[layer]
            out = Layer(layer, classes.get(layer, ""), key=layer)
            for weight in list_attr(group.attrs, "weight_names"):
                ds = group[weight]
                entry = KerasEntry(
                    f"{layer}/{weight_in_layer(weight, layer)}", ds.name, tuple(ds.shape), dtype_name(ds)
                )
                entry.trainable = not re.search(r"moving_(mean|variance)", weight)
                self.entries.append(entry)
                out.weights.append(entry.name)
                out.params += element_count(entry.shape)
                out.trainable_params += element_count(entry.shape) if entry.trainable else 0
            self.layers.append(out)
        if "optimizer_weights" in h5:
            group = h5["optimizer_weights"]
            for weight in list_attr(group.attrs, "weight_names"):
                ds = group[weight]
                name = f"optimizer/{weight.rsplit(':', 1)[0]}"  # tf_keras writes "Adam/m/dense/kernel:0"
                entry = KerasEntry(name, ds.name, tuple(ds.shape), dtype_name(ds), "optimizer")
                entry.trainable = False
                self.entries.append(entry)

    # -- the reader protocol -------------------------------------------------------------
    def variables(self) -> list[VariableEntry]:
        return [VariableEntry(e.name, e.shape, e.dtype) for e in sorted(self.entries, key=lambda e: e.name)]

    def kinds(self) -> dict[str, tuple[str, str | None]]:
        return {e.name: (e.kind, e.slot_of) for e in self.entries}

    def read(self, name: str):
        import numpy as np

        entry = self._by_name.get(name)
        if entry is None:
            raise CheckpointError(f"{self.name} has no variable {name!r}")
        try:
            with self._opened(entry.file) as h5:
                value = h5[entry.h5path][()]
        except (OSError, ValueError, KeyError) as exc:
            raise CheckpointError(f"{self.name}: {name} cannot be read ({str(exc)[:120]})") from None
        if entry.dtype == "bfloat16" and value.dtype != np.dtype("O"):
            import ml_dtypes

            value = np.asarray(value).view(ml_dtypes.bfloat16) if value.dtype.itemsize == 2 else value
        return np.asarray(value)

    def truncation(self) -> str | None:
        return None


KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def is_keras_file(path) -> bool:
    """A Keras file, or a TensorFlow.js model.json / weights manifest: one file is one source."""
    name = os.path.basename(str(path)).lower()
    return (
        name.endswith((*KERAS_SUFFIXES, ".weights.json"))
        or name == "model.json"
        or name.endswith("weights_manifest.json")
    )


def open_model_file(path):
    """The reader for a file is_keras_file accepts."""
    from ckpt_browser.core.formats.tfjs import TfjsModel, is_tfjs_file

    return TfjsModel(path) if is_tfjs_file(path) else KerasFile(path)
