"""Keras weight files parsed with h5py, zipfile and json -- in the HDF5 worker process only
(formats/isolated.py; formats/keras.py is the reader the app uses). Nothing is deserialized or run.

- Keras 3 ``.weights.h5``: ``layers/<class_snake>[_N]/vars/<i>`` (the layer's own name is the
  ``name`` attribute of its ``vars`` group), nested models under ``layers/<model>/layers/...``,
  the model's own ``vars``, and ``optimizer/vars/<i>`` (0: iterations, 1: learning rate, then
  each slot of each trainable variable in order).
- ``.keras``: a zip of ``metadata.json``, ``config.json`` and ``model.weights.h5``, read in place.
- Legacy HDF5 (``model.save('m.h5')`` / ``save_weights('w.h5')``): ``layer_names`` (also split in
  ``layer_names0``, ``layer_names1``, ...) and each layer's ``weight_names``; the model's
  ``model_config`` and ``training_config`` as root attributes; ``optimizer_weights``.

Every object is checked before it is trusted (formats/h5_checks.py): groups are groups, datasets
hold numbers or strings and store the bytes their shape declares, links stay inside the file.
"""

from __future__ import annotations

import contextlib
import os
import re
import zipfile

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.h5_checks import (
    H5_ERRORS,
    ZIP_ERRORS,
    dataset,
    group_items,
    shape_of,
    subgroup,
    text_attr,
)
from ckpt_browser.core.formats.keras_parts import (
    KNOWN_WEIGHTS,
    MAX_DEPTH,
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
    snake_case,
    top_layers,
    weight_in_layer,
)
from ckpt_browser.core.storage import require_regular

MAX_MEMBER = 16 << 30  # a .keras member bigger than this is refused
MAX_RATIO = 200  # ... and one that would expand more than this (a zip bomb)


class H5Scan:
    """A Keras file's variables, layers and configs, as formats/keras.py's KerasFile holds them."""

    def __init__(self, path) -> None:
        self.path = str(path)
        self.name = os.path.basename(str(path))
        self.config: dict | None = None  # the model config (class_name, config)
        self.compile_config: dict | None = None
        self.metadata: dict = {}
        self.format = ""
        self.entries: list[KerasEntry] = []
        self.layers: list[Layer] = []
        try:  # a zip cut short has no central directory (is_zipfile says no) but starts as one
            with open(str(path), "rb") as f:
                self._zipped = zipfile.is_zipfile(str(path)) or f.read(4) == b"PK\x03\x04"
        except OSError as exc:
            raise CheckpointError(f"cannot read {self.name}: {exc.strerror}") from None
        self._shard: str | None = None
        self._names_by_key: dict[str, str] = {}  # h5 group path -> the layer's name (sharded files)
        if self._zipped:
            self._read_keras_zip()
        if str(path).lower().endswith(".weights.json"):
            self._read_sharded()
            return
        with self._opened() as h5:
            self._h5 = h5
            try:
                if "model_weights" in h5 or "layer_names" in h5.attrs or "layer_names0" in h5.attrs:
                    self._read_legacy()
                else:
                    self._read_keras3()
            except H5_ERRORS as exc:
                raise CheckpointError(f"{self.name} is damaged or not a Keras file ({first_line(exc)})") from None
            finally:
                del self._h5

    def _read_sharded(self) -> None:
        """X.weights.json: a weight_map from layer groups to the X_NNNNN.weights.h5 shards holding
        them; each shard has the .weights.h5 layout, a layer's variables possibly across shards."""
        with open(str(self.path), "rb") as f:
            doc = read_json(f.read(MAX_JSON + 1), self.name)
        weight_map = doc.get("weight_map") if isinstance(doc, dict) else None
        if not isinstance(weight_map, dict):
            raise CheckpointError(f"{self.name} is not a sharded Keras weights file: no weight_map")
        named = [s for files in weight_map.values() for s in (files if isinstance(files, list) else [files])]
        for shard in named:
            if not isinstance(shard, str) or os.path.basename(shard) != shard or shard in ("", ".", ".."):
                raise CheckpointError(f"{self.name}: shard {str(shard)[:100]!r} is not a file next to it")
        shards = sorted(set(named))
        folder = os.path.dirname(str(self.path))
        for shard in shards:
            if not os.path.lexists(os.path.join(folder, shard)):
                raise CheckpointError(f"{self.name}: its shard {shard} is missing")
            require_regular(os.path.join(folder, shard))
            # A layer's name sits on its vars group in one shard; the others only hold data.
            with self._opened(os.path.join(folder, shard)) as h5:
                try:
                    h5.visititems(self._note_name)
                except H5_ERRORS as exc:
                    raise CheckpointError(f"{shard} is damaged ({first_line(exc)})") from None
        for shard in shards:
            self._shard = os.path.join(folder, shard)
            with self._opened() as h5:
                self._h5 = h5
                try:
                    self._read_keras3()
                except H5_ERRORS as exc:
                    raise CheckpointError(f"{shard} is damaged ({first_line(exc)})") from None
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
            self._names_by_key[path[: -len("/vars")]] = text_attr(obj.attrs, "name", path.split("/")[-2])

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
        except ZIP_ERRORS as exc:
            raise CheckpointError(f"{self.name} is not an HDF5 or .keras file ({first_line(exc)})") from None
        finally:
            for thing in (h5, member, z):
                if thing is not None:
                    thing.close()

    # -- .keras ----------------------------------------------------------------------
    def _read_keras_zip(self) -> None:
        try:
            z = zipfile.ZipFile(str(self.path))
        except ZIP_ERRORS as exc:
            raise CheckpointError(f"{self.name} is a damaged zip archive, cut short? ({first_line(exc)})") from None
        with z:
            try:
                self._read_zip_members(z)
            except ZIP_ERRORS as exc:
                raise CheckpointError(f"{self.name} is damaged: {first_line(exc)}") from None

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
            if not isinstance(config, dict):
                raise CheckpointError(f"{self.name}: config.json holds a {type(config).__name__}, not a model config")
            self.config = config
            compile_config = config.get("compile_config")
            self.compile_config = compile_config if isinstance(compile_config, dict) else None
        if "metadata.json" in members:
            meta = read_json(z.read("metadata.json"), f"{self.name}/metadata.json")
            self.metadata = meta if isinstance(meta, dict) else {}

    # -- Keras 3 weights ---------------------------------------------------------------
    def _read_keras3(self) -> None:
        self.format = self.format or "weights.h5"
        classes = layer_classes(self.config)
        h5 = self._h5
        own = subgroup(h5, "vars", self.name)
        self.model_name = text_attr(own.attrs, "name", "") if own is not None else ""
        # tf_keras and the Keras of TF <= 2.13 (whose file calls the group
        # _layer_checkpoint_dependencies) file no layer names: each key is the layer's class and a
        # counter (dense, dense_2), in creation order. The config's layers of that class, in order,
        # give the names back.
        root = "layers" if "layers" in h5 else "_layer_checkpoint_dependencies"
        layers = subgroup(h5, root, self.name)
        if layers is not None:
            keys: dict[str, list[str]] = {}
            for key in sorted(group_items(layers, self.name), key=natural_key):
                keys.setdefault(re.sub(r"_\d+$", "", key), []).append(key)
            named: dict[str, list[str]] = {}
            for name, cls in top_layers(self.config):
                named.setdefault(snake_case(cls), []).append(name)
            for snake, found in keys.items():
                for key, name in zip(found, named.get(snake, [])):
                    self._names_by_key.setdefault(f"{root}/{key}", name)
        trainable: list[KerasEntry] = []
        if layers is not None:
            self._walk_layers(layers, "", classes, trainable)
        # A subclassed model files each attribute holding a layer at the root, by the attribute's name.
        # Metrics' state (the older Keras files it) is no weight: listed as other, in no layer, no slots.
        for key in sorted(group_items(h5, self.name), key=natural_key):
            if key not in (root, "vars", "optimizer"):
                first, layers_before = len(self.entries), len(self.layers)
                self._walk_layer(h5, key, "", classes, [] if key == "metrics" else trainable, "", 1, attribute=True)
                if key == "metrics":
                    for entry in self.entries[first:]:
                        entry.kind, entry.trainable = "other", False
                    del self.layers[layers_before:]
        if own is not None:
            self._add_vars(own, self.model_name or "model", "Model", trainable)
        optimizer = subgroup(h5, "optimizer", self.name)
        opt_vars = subgroup(optimizer, "vars", self.name) if optimizer is not None else None
        if opt_vars is not None:
            # Slots follow the trainable variables in the model's order, which only the config
            # gives (the file lists layers alphabetically); without it the slots keep their index.
            # A cell's weights (rnn/lstm_cell/kernel) follow those of the layer holding it.
            order = {name: i for i, name in enumerate(classes)}
            owners = [next((order[p] for p in reversed(e.name.split("/")[:-1]) if p in order), None) for e in trainable]
            known = all(o is not None for o in owners) if classes else False
            if known:
                ranked = sorted(zip(owners, range(len(trainable))))
                trainable[:] = [trainable[i] for _, i in ranked]
            self._add_optimizer(opt_vars, trainable if known else [])

    def _walk_layers(
        self, group, prefix: str, classes: dict, trainable: list, key_prefix: str = "", depth: int = 0
    ) -> None:
        for key in sorted(group_items(group, self.name), key=natural_key):
            self._walk_layer(group, key, prefix, classes, trainable, key_prefix, depth)

    def _walk_layer(self, group, key: str, prefix: str, classes: dict, trainable: list, key_prefix: str,
                    depth: int, attribute: bool = False) -> None:  # fmt: skip
        """One layer's group: its own variables (`vars`), then each other group under it -- Keras 3
        saves every attribute holding a layer (an RNN's `cell`, a Bidirectional's `forward_layer`) as
        a group of the attribute's name, and a list of layers (a model's `layers`) as a group of
        them (keras.src.saving.saving_lib._save_state)."""
        if depth > MAX_DEPTH:  # Keras nests a few levels; a file whose groups link back into themselves, forever
            raise CheckpointError(f"{self.name}: layers nested more than {MAX_DEPTH} deep: not a Keras weights file")
        layer_group = subgroup(group, key, self.name)
        vars_group = subgroup(layer_group, "vars", self.name)
        fallback = self._names_by_key.get(layer_group.name.lstrip("/"), key)
        name = text_attr(vars_group.attrs, "name", fallback) if vars_group is not None else fallback
        full = f"{prefix}{name}"
        # A list keys a layer by its class (dense_1), an attribute by its own name (cell): then the name tells.
        cls = classes.get(name) or (class_from_key(name, key) if attribute else class_from_key(key, name))
        if vars_group is not None and len(vars_group):
            self._add_vars(vars_group, full, cls, trainable, f"{key_prefix}{key}")
        children = [c for c in sorted(group_items(layer_group, self.name), key=natural_key) if c != "vars"]
        if vars_group is not None and not len(vars_group) and not children:
            self.layers.append(Layer(full, cls, key=f"{key_prefix}{key}"))
        for child in children:
            child_group = subgroup(layer_group, child, self.name)
            if child == "layers" or "vars" not in child_group:  # a list of layers (a model's, or an attribute's)
                inner = f"{key_prefix}{key}/" if child == "layers" else f"{key_prefix}{key}/{child}/"
                self._walk_layers(child_group, f"{full}/", classes, trainable, inner, depth + 1)
            else:  # one layer, held by an attribute
                here = f"{key_prefix}{key}/"
                self._walk_layer(layer_group, child, f"{full}/", classes, trainable, here, depth + 1, True)

    def _add_vars(self, vars_group, layer: str, cls: str, trainable: list, key: str = "") -> None:
        known = KNOWN_WEIGHTS.get(cls, ())
        out = Layer(layer, cls, key=key or layer)
        for key in sorted(group_items(vars_group, self.name), key=natural_key):
            ds = dataset(vars_group, key, self.name)
            i = int(key) if key.isdigit() else -1
            weight = known[i] if 0 <= i < len(known) else f"var_{key}"
            entry = KerasEntry(f"{layer}/{weight}", ds.name, shape_of(ds), dtype_name(ds), file=self._shard)
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
        keys = sorted(group_items(vars_group, self.name), key=natural_key)
        datasets = [dataset(vars_group, k, self.name) for k in keys]
        shapes = [shape_of(ds) for ds in datasets]
        opt = text_attr(vars_group.attrs, "name", self._optimizer_name())
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
            ds = datasets[n]
            shape = shapes[n]
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
            self.entries.append(
                KerasEntry(name, ds.name, shape, dtype_name(ds), "optimizer", slot_of, False, file=self._shard)
            )

    # -- legacy HDF5 --------------------------------------------------------------------
    def _read_legacy(self) -> None:
        h5 = self._h5
        self.format = "legacy h5"
        root = subgroup(h5, "model_weights", self.name) or h5
        for attr in ("model_config", "training_config"):
            if attr in h5.attrs:
                value = read_json(text_attr(h5.attrs, attr, "null"), f"{self.name}:{attr}")
                if value is not None and not isinstance(value, dict):
                    raise CheckpointError(f"{self.name}: its {attr} holds a {type(value).__name__}, not a config")
                if attr == "model_config":
                    self.config = value
                else:
                    self.compile_config = value
        self.metadata = {k: text_attr(h5.attrs, k, "?") for k in ("keras_version", "backend") if k in h5.attrs}
        classes = layer_classes(self.config)
        for layer in list_attr(root.attrs, "layer_names"):
            group = subgroup(root, layer, self.name)
            if group is None:
                raise CheckpointError(f"{self.name}: layer_names lists {layer[:100]!r}, which it does not hold")
            out = Layer(layer, classes.get(layer, ""), key=layer)
            for weight in list_attr(group.attrs, "weight_names"):
                ds = dataset(group, weight, self.name)
                entry = KerasEntry(
                    f"{layer}/{weight_in_layer(weight, layer)}",
                    ds.name,
                    shape_of(ds),
                    dtype_name(ds),
                )
                entry.trainable = not re.search(r"moving_(mean|variance)", weight)
                self.entries.append(entry)
                out.weights.append(entry.name)
                out.params += element_count(entry.shape)
                out.trainable_params += element_count(entry.shape) if entry.trainable else 0
            self.layers.append(out)
        group = subgroup(h5, "optimizer_weights", self.name)
        if group is not None:
            for weight in list_attr(group.attrs, "weight_names"):
                ds = dataset(group, weight, self.name)
                name = f"optimizer/{weight.rsplit(':', 1)[0]}"  # tf_keras writes "Adam/m/dense/kernel:0"
                entry = KerasEntry(name, ds.name, shape_of(ds), dtype_name(ds), "optimizer")
                entry.trainable = False
                self.entries.append(entry)


def first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__
