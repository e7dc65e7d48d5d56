"""Keras 3 models saved through tf.train.Checkpoint, written by the newest TensorFlow, each with the
writer's own account of what it wrote (truth.json beside it): README.txt says how to run this.

The truth is taken from the writer's objects, never from ckpt-browser: each variable's checkpoint
key from TensorFlow's own object-graph walk (the function Checkpoint.write uses to name keys), its
path and name from Keras (`model.weights`, `optimizer.variables`), and which optimizer variable
belongs to which weight from the optimizer's own per-variable slot lists (`optimizer._momentums[i]`
is the momentum of `optimizer._trainable_variables[i]`; the list names are read from
keras/src/optimizers/*.py build()).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent

# Each Keras 3 optimizer's per-trainable-variable slot lists, as its build() makes them.
SLOT_LISTS = {
    "SGD": ["momentums"],
    "Adam": ["_momentums", "_velocities", "_velocity_hats"],
    "AdamW": ["_momentums", "_velocities", "_velocity_hats"],
    "Adamax": ["_m", "_u"],
    "Adagrad": ["_accumulators"],
    "Adadelta": ["_accumulated_grads", "_accumulated_delta_vars"],
    "RMSprop": ["_velocities", "_momentums", "_average_gradients"],
    "Nadam": ["_momentums", "_velocities"],
    "Ftrl": ["_accumulators", "_linears"],
    "Lion": ["_momentums"],
    "Adafactor": ["_r", "_c", "_v"],
    "Lamb": ["_momentums", "_velocities"],
}


def keys_of(ckpt) -> dict[int, str]:
    """id(variable) -> its checkpoint key, by TensorFlow's own walk of the object graph."""
    from tensorflow.python.checkpoint import graph_view, util
    from tensorflow.python.trackable import trackable_utils

    objects, paths, _ids, slots, _names = util.objects_ids_and_slot_variables_and_paths(
        graph_view.ObjectGraphView(ckpt)
    )
    out = {}
    for obj in objects:
        if obj in paths:
            out[id(obj)] = trackable_utils.object_path_to_string(paths[obj]) + "/.ATTRIBUTES/VARIABLE_VALUE"
    return out


def key(keys: dict[int, str], var) -> str:
    for cand in (var, getattr(var, "value", None), getattr(var, "_value", None)):
        if cand is not None and id(cand) in keys:
            return keys[id(cand)]
    raise KeyError(f"no checkpoint key for {var!r}")


def truth(ckpt, model, optimizer, root_vars: dict | None = None) -> dict:
    """The writer's account of one checkpoint."""
    import keras

    keys = keys_of(ckpt)
    out: list[dict] = []
    weights = list(model.weights) if isinstance(model, keras.Model) else list(model.variables)
    # The model's own attribute holding each weight's layer (`self.first = Dense(...)`), if any.
    attribute = {
        id(x): attr
        for attr, layer in vars(model).items()
        if isinstance(layer, keras.layers.Layer) and not attr.startswith("_")
        for x in layer.weights
    }
    for w in weights:
        path = w.path if isinstance(model, keras.Model) else None
        out.append(
            {
                "key": key(keys, w),
                "kind": "model",
                "path": path,
                "name": w.name,
                "attribute": attribute.get(id(w)),
                "shape": list(w.shape),
                "trainable": bool(w.trainable),
            }
        )
    if optimizer is not None:
        owners = optimizer._trainable_variables
        slot_of: dict[int, tuple] = {}
        for attr in SLOT_LISTS[type(optimizer).__name__]:
            for i, slot in enumerate(getattr(optimizer, attr, None) or []):
                if slot is not None:
                    slot_of[id(slot)] = (attr, owners[i])
        seen = set()
        for v in list(optimizer.variables) + [
            s
            for a in SLOT_LISTS[type(optimizer).__name__]
            for s in (getattr(optimizer, a, None) or [])
            if s is not None
        ]:
            if id(v) in seen:
                continue
            seen.add(id(v))
            rec = {"key": key(keys, v), "kind": "optimizer", "path": v.path, "name": v.name, "shape": list(v.shape)}
            if id(v) in slot_of:
                attr, owner = slot_of[id(v)]
                rec.update(slot=attr, owner_key=key(keys, owner))
            out.append(rec)
    for name, v in (root_vars or {}).items():
        out.append({"key": key(keys, v), "kind": name, "path": None, "name": v.name, "shape": list(v.shape)})
    count = model.count_params() if isinstance(model, keras.Model) else sum(int(v.numpy().size) for v in weights)
    return {
        "count_params": int(count),
        "optimizer": type(optimizer).__name__ if optimizer is not None else None,
        "variables": out,
    }


def save_truth(folder: Path, per_checkpoint: dict) -> None:
    import keras
    import tensorflow as tf

    doc = {"writer": {"tensorflow": tf.__version__, "keras": keras.__version__}, "checkpoints": per_checkpoint}
    (folder / "truth.json").write_text(json.dumps(doc, indent=1) + "\n")


def data(n_in=3, n_out=2, n=16, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)).astype("float32"), rng.normal(size=(n, n_out)).astype("float32")


def fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def sequential():
    import keras

    return keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu", name="hidden"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.Dense(2, name="out"),
        ],
        name="seq",
    )


def functional():
    import keras

    x = keras.Input((3,), name="features")
    h = keras.layers.Dense(5, activation="tanh", name="encoder")(x)
    a = keras.layers.Dense(2, name="head_a")(h)
    b = keras.layers.Dense(2, name="head_b")(h)
    return keras.Model(x, keras.layers.Add(name="sum")([a, b]), name="twoheads")


def subclassed():
    import keras

    class Tower(keras.Model):
        def __init__(self):
            super().__init__(name="tower")
            self.first = keras.layers.Dense(4, activation="relu")
            self.blocks = [keras.layers.Dense(4, activation="relu"), keras.layers.Dense(4)]
            self.last = keras.layers.Dense(2)

        def call(self, x):
            x = self.first(x)
            for b in self.blocks:
                x = b(x)
            return self.last(x)

    model = Tower()
    model(keras.ops.zeros((1, 3)))
    return model


def manager_case(folder: Path, make, optimizer, steps=(1, 2), weights_h5: bool = False, untrained_first=False):
    """fit, then CheckpointManager.save, once per epoch; the first before any training if asked."""
    import tensorflow as tf

    fresh(folder)
    model = make()
    model.compile(optimizer, "mse")
    ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer)
    manager = tf.train.CheckpointManager(ckpt, str(folder), max_to_keep=5)
    x, y = data()
    per = {}
    if untrained_first:
        path = manager.save()
        per[Path(path).name] = truth(ckpt, model, optimizer, {"save_counter": ckpt.save_counter})
    for _ in steps:
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
        path = manager.save()
        per[Path(path).name] = truth(ckpt, model, optimizer, {"save_counter": ckpt.save_counter})
    if weights_h5:
        model.save_weights(str(folder / "model.weights.h5"))
    save_truth(folder, per)


def write_case(folder: Path, make, optimizer, step: bool = False):
    """fit, then Checkpoint.write (no save counter); with step: Checkpoint(step=..., model, optimizer)."""
    import tensorflow as tf

    fresh(folder)
    model = make()
    model.compile(optimizer, "mse")
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    extra = {}
    if step:
        counter = tf.Variable(0, dtype=tf.int64, name="step")
        counter.assign(int(optimizer.iterations.numpy()))
        ckpt = tf.train.Checkpoint(step=counter, model=model, optimizer=optimizer)
        extra["step"] = counter
        path = tf.train.CheckpointManager(ckpt, str(folder), max_to_keep=2).save(checkpoint_number=int(counter.numpy()))
        extra["save_counter"] = ckpt.save_counter
    else:
        ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer)
        path = ckpt.write(str(folder / "weights"))
    save_truth(folder, {Path(path).name: truth(ckpt, model, optimizer, extra)})


def module_case(folder: Path):
    """A tf.Module model (tf.Variables) trained by a Keras 3 optimizer with apply_gradients."""
    import keras
    import tensorflow as tf

    class Linear(tf.Module):
        def __init__(self):
            super().__init__(name="linear")
            self.w = tf.Variable(tf.random.stateless_normal((3, 2), seed=(1, 2)), name="w")
            self.b = tf.Variable(tf.zeros((2,)), name="b")

        def __call__(self, x):
            return x @ self.w + self.b

    fresh(folder)
    model = Linear()
    optimizer = keras.optimizers.AdamW(learning_rate=0.01)
    x, y = data()
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer)
    path = tf.train.CheckpointManager(ckpt, str(folder), max_to_keep=2).save()
    save_truth(folder, {Path(path).name: truth(ckpt, model, optimizer, {"save_counter": ckpt.save_counter})})


def tf_keras_case(folder: Path):
    """tf_keras (Keras 2) under the same TensorFlow: its own layout, for comparison."""
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tensorflow as tf
    import tf_keras

    fresh(folder)
    model = tf_keras.Sequential(
        [
            tf_keras.layers.Dense(4, activation="relu", input_shape=(3,), name="hidden"),
            tf_keras.layers.Dense(2, name="out"),
        ]
    )
    optimizer = tf_keras.optimizers.Adam()
    model.compile(optimizer, "mse")
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer)
    path = tf.train.CheckpointManager(ckpt, str(folder), max_to_keep=2).save()
    keys = keys_of(ckpt)
    out = [
        {"key": key(keys, w), "kind": "model", "path": None, "name": w.name, "shape": list(w.shape)}
        for w in model.weights
    ]
    owners = {id(v): w for w in model.trainable_weights for v in [w]}
    lr = optimizer._learning_rate  # a variable tf_keras keeps out of optimizer.variables()
    for v in optimizer.variables() + ([lr] if isinstance(lr, tf.Variable) else []):
        rec = {"key": key(keys, v), "kind": "optimizer", "path": None, "name": v.name, "shape": list(v.shape)}
        # the new tf_keras optimizer keeps _momentums / _velocities in _variables' order, per weight
        for attr in ("_momentums", "_velocities"):
            for i, s in enumerate(getattr(optimizer, attr, [])):
                if s is v:
                    rec.update(slot=attr, owner_key=key(keys, model.trainable_weights[i]))
        out.append(rec)
    del owners
    out.append(
        {"key": key(keys, ckpt.save_counter), "kind": "save_counter", "path": None, "name": "save_counter", "shape": []}
    )
    doc = {"count_params": int(model.count_params()), "optimizer": type(optimizer).__name__, "variables": out}
    (folder / "truth.json").write_text(
        json.dumps(
            {
                "writer": {"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__},
                "checkpoints": {Path(path).name: doc},
            },
            indent=1,
        )
        + "\n"
    )


def main() -> None:
    if sys.argv[1:] == ["--tf-keras"]:
        tf_keras_case(HERE / "tf_keras_adam")
        return
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(7)
    tf.config.experimental.enable_op_determinism()
    opt = keras.optimizers
    manager_case(
        HERE / "sequential_adam", sequential, opt.Adam(learning_rate=0.01), weights_h5=True, untrained_first=True
    )
    manager_case(HERE / "functional_sgd", functional, opt.SGD(learning_rate=0.05, momentum=0.9))
    manager_case(HERE / "subclassed_rmsprop", subclassed, opt.RMSprop(momentum=0.9, centered=True))
    write_case(HERE / "write_adagrad", functional, opt.Adagrad())
    write_case(HERE / "step_nadam", sequential, opt.Nadam(), step=True)
    module_case(HERE / "module_adamw")
    for name, make in [
        ("adamw", lambda: opt.AdamW(amsgrad=True)),
        ("adamax", opt.Adamax),
        ("adadelta", opt.Adadelta),
        ("ftrl", opt.Ftrl),
        ("lion", opt.Lion),
        ("adafactor", opt.Adafactor),
        ("lamb", opt.Lamb),
    ]:
        write_case(HERE / "optimizers" / name, sequential, make())
    subprocess.run([sys.executable, __file__, "--tf-keras"], check=True)


if __name__ == "__main__":
    main()
