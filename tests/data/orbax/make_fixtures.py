"""Write the Orbax fixtures of tests/data/orbax with the real writers, and their oracles.

Run in a venv of its own (JAX on CPU, orbax-checkpoint, Keras with the JAX backend, h5py):
``make fixtures-orbax`` (it makes the venv). Never imported by the tests: they read what it wrote.

What it writes (each folder is what the writer left; nothing is edited afterwards):

- keras_fit/        keras.callbacks.OrbaxCheckpoint during fit: save_freq=2 batches, max_to_keep=3,
                    the whole state (weights, optimizer, metrics); steps 8, 10, 12 are kept.
- keras_weights/    the same callback with save_weights_only=True, once an epoch, max_to_keep=2.
- manager/          orbax.checkpoint.CheckpointManager (StandardSave, zarr v2 in OCDBT) of a PyTree of
                    mixed dtypes (bfloat16, int8, float64, int32, a scalar, a list) with one array
                    cut into 8 chunks (SaveArgs.chunk_byte_size); steps 1 and 2, max_to_keep=2.
- composite/        a CheckpointManager with two items a step (Composite: state, extra), steps named
                    ckpt_5, ckpt_6 (step_prefix), float16, int64, uint8, complex64 and nested trees.
- plain/item        a PyTreeCheckpointer item written without OCDBT (each array a zarr folder).
- sharded/          arrays sharded over a 4 x 2 mesh of 8 CPU devices (restoring it with Orbax needs
                    8 devices), a replicated bfloat16, Python scalars, a string and a None leaf.
- optax/            a JAX training state (step, params, opt_state) with optax's AdamW behind gradient
                    clipping, as Flax's TrainState holds it; truth/optax_owners.json: which params
                    leaf each optimizer leaf belongs to, from optax's own state.
- keras_pair/       one Keras model's Orbax checkpoint (OrbaxCheckpoint, one epoch) beside the
                    `model.weights.h5` Keras wrote from the same weights.

Oracles, in truth/<fixture>/<step>/<item>/ (outside what the writers wrote): ``truth.json``
({path: {shape, dtype, chunks, npy}}, a string leaf {..., "value"}) and one .npy per array, written from Orbax's own restore of the item (bfloat16 saved as its uint16 bits). The tests compare
what ckpt-browser reads with these, never with values our code computed.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# Eight CPU devices, so that sharded/ is saved from a mesh a reader does not have (Orbax itself needs
# the devices to restore it; browsing must not).
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
SEED = 20261207


def _flatten(tree, prefix=()):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _flatten(v, (*prefix, str(k)))
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            yield from _flatten(v, (*prefix, str(i)))
    else:
        yield "/".join(prefix), tree


def write_truth(item: Path, out: Path) -> None:
    """Orbax's view of one item folder: its metadata (shape, dtype, chunk shape of each array) and
    its restore (no target: what the metadata says), as truth.json + one .npy per array. A scalar
    restores as a Python number: its value is saved in the dtype Orbax's metadata gives it."""
    import orbax.checkpoint as ocp

    item = item.resolve()
    meta = dict(_flatten(ocp.PyTreeCheckpointHandler().metadata(item).tree))
    restored = ocp.PyTreeCheckpointer().restore(item)
    out.mkdir(parents=True)
    truth = {}
    arrays = [(path, value) for path, value in sorted(_flatten(restored)) if hasattr(meta.get(path), "dtype")]
    for path, value in sorted(_flatten(restored)):  # a string leaf: its value, as Orbax restores it
        if isinstance(value, str):
            truth[path] = {"shape": [], "dtype": "string", "chunks": None, "value": value}
    for n, (path, value) in enumerate(arrays):  # strings and None leaves are no arrays
        m = meta[path]
        a = np.asarray(value, dtype=m.dtype)
        if not np.isscalar(value) and np.asarray(value).dtype != m.dtype:
            raise SystemExit(f"{item}: {path} restored as {np.asarray(value).dtype}, metadata says {m.dtype}")
        stored = a.view(np.uint16) if str(a.dtype) == "bfloat16" else a
        name = f"{n:03d}.npy"
        np.save(out / name, stored, allow_pickle=False)
        storage = getattr(m, "storage", None)
        chunks = list(storage.chunk_shape) if storage is not None and storage.chunk_shape is not None else None
        truth[path] = {"shape": list(m.shape), "dtype": str(m.dtype), "chunks": chunks, "npy": name}
    (out / "truth.json").write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")


def _model():
    import keras

    keras.utils.set_random_seed(SEED)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.BatchNormalization(),
         keras.layers.Dense(2)], name="small",
    )  # fmt: skip
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    rng = np.random.default_rng(SEED)
    return model, rng.random((32, 4), np.float32), rng.random((32, 2), np.float32)


def keras_fit(folder: Path, **options) -> None:
    import keras

    model, x, y = _model()
    cb = keras.callbacks.OrbaxCheckpoint(str(folder), **options)
    model.fit(x, y, epochs=3, batch_size=8, callbacks=[cb], verbose=0)
    cb.wait_until_finished()


def manager(folder: Path) -> None:
    import jax.numpy as jnp
    import ml_dtypes
    import orbax.checkpoint as ocp

    rng = np.random.default_rng(SEED)
    mngr = ocp.CheckpointManager(str(folder), options=ocp.CheckpointManagerOptions(max_to_keep=2))
    for step in (1, 2):
        tree = {
            "params": {
                "embed": jnp.asarray(rng.standard_normal((6, 5)), dtype=jnp.bfloat16),
                "big": jnp.asarray(rng.standard_normal((128, 64)).astype(np.float32)),
                "codes": rng.integers(-128, 127, (7, 3), dtype=np.int8),
            },
            "stats": {"f64": rng.standard_normal(5), "count": np.int32(step * 10), "lr": np.float32(0.5 / step)},
            "layers": [np.full((2,), step, np.float32), np.asarray(rng.standard_normal(3), ml_dtypes.bfloat16)],
        }
        save_args = {
            "params": {"embed": ocp.SaveArgs(), "big": ocp.SaveArgs(chunk_byte_size=4096),
                       "codes": ocp.SaveArgs()},
            "stats": {"f64": ocp.SaveArgs(), "count": ocp.SaveArgs(), "lr": ocp.SaveArgs()},
            "layers": [ocp.SaveArgs(), ocp.SaveArgs()],
        }  # fmt: skip
        mngr.save(step, args=ocp.args.PyTreeSave(tree, save_args=save_args))
        mngr.wait_until_finished()
    mngr.close()


def composite(folder: Path) -> None:
    """Two items in each step (Composite), steps named with a prefix, dtypes of their own."""
    import jax.numpy as jnp
    import orbax.checkpoint as ocp

    options = ocp.CheckpointManagerOptions(step_prefix="ckpt", max_to_keep=3)
    mngr = ocp.CheckpointManager(str(folder), item_names=("state", "extra"), options=options)
    for step in (5, 6):
        tree = {
            "w": jnp.arange(1000, dtype=jnp.float16).reshape(10, 100) * step,
            "b": [np.int64(7 * step), np.uint8(3)],
            "nested": {"x": {"y": np.full((2, 2, 2), 1 + 2j * step, np.complex64)}},
        }
        extra = {"z": np.eye(3) * step}
        mngr.save(step, args=ocp.args.Composite(state=ocp.args.PyTreeSave(tree), extra=ocp.args.StandardSave(extra)))
    mngr.wait_until_finished()
    mngr.close()


def plain(folder: Path) -> None:
    """One item written without OCDBT: each array a zarr folder of its own."""
    import jax.numpy as jnp
    import orbax.checkpoint as ocp

    tree = {"a": np.arange(12.0).reshape(3, 4), "b": jnp.ones(5, jnp.int32)}
    ocp.PyTreeCheckpointer(use_ocdbt=False).save(str(folder / "item"), tree)


def sharded(folder: Path) -> None:
    """Arrays sharded over a 4 x 2 mesh of the eight devices, one replicated, beside Python scalars,
    a string and a None leaf: what multi-device training saves."""
    import jax
    import jax.numpy as jnp
    import orbax.checkpoint as ocp
    from jax.sharding import Mesh, NamedSharding
    from jax.sharding import PartitionSpec as P

    mesh = Mesh(np.array(jax.devices()[:8]).reshape(4, 2), ("x", "y"))
    rng = np.random.default_rng(SEED)
    tree = {
        "kernel": jax.device_put(jnp.asarray(rng.standard_normal((64, 32)), jnp.float32), NamedSharding(mesh, P("x", "y"))),
        "embed": jax.device_put(jnp.asarray(rng.standard_normal((16,)), jnp.bfloat16), NamedSharding(mesh, P(None))),
        "step": 3, "lr": 2.5, "name": "run-7", "nothing": None,
    }  # fmt: skip
    mngr = ocp.CheckpointManager(str(folder), options=ocp.CheckpointManagerOptions(enable_async_checkpointing=False))
    mngr.save(3, args=ocp.args.PyTreeSave(tree))
    mngr.wait_until_finished()
    mngr.close()


def optax_state(folder: Path) -> None:
    """A JAX training state as Flax's TrainState holds it -- step, params, opt_state -- with optax's
    AdamW behind gradient clipping, after one update (mu and nu not zero). owners.json beside the
    truth: the params leaf each optimizer leaf belongs to, from optax's own state (its mu and nu
    are trees of the params' shape), checked against the names Orbax wrote."""
    import jax
    import jax.numpy as jnp
    import optax
    import orbax.checkpoint as ocp

    rng = np.random.default_rng(SEED)
    params = {"dense": {"kernel": jnp.asarray(rng.standard_normal((3, 4)), jnp.float32),
                        "bias": jnp.zeros((4,), jnp.float32)},
              "head": {"kernel": jnp.asarray(rng.standard_normal((4, 2)), jnp.float32)}}  # fmt: skip
    tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(1e-3))
    opt_state = tx.init(params)
    updates, opt_state = tx.update(jax.tree_util.tree_map(jnp.ones_like, params), opt_state, params)
    params = optax.apply_updates(params, updates)
    mngr = ocp.CheckpointManager(str(folder))
    mngr.save(1, args=ocp.args.StandardSave({"step": 1, "params": params, "opt_state": opt_state}))
    mngr.wait_until_finished()
    mngr.close()
    adam = opt_state[1][0]  # chain(clip, adamw) -> adamw's chain -> scale_by_adam's state
    owners = {}
    for field in ("mu", "nu"):
        for path, _ in jax.tree_util.tree_flatten_with_path(getattr(adam, field))[0]:
            keys = "/".join(str(k.key) for k in path)
            owners[f"opt_state/1/0/{field}/{keys}"] = f"params/{keys}"
    tree = json.loads((folder / "1" / "default" / "_METADATA").read_text())["tree_metadata"]
    written = {"/".join(ast.literal_eval(k)) for k in tree}  # keys as Orbax wrote them: "('a', 'b')"
    missing = set(owners) - written
    if missing:
        raise SystemExit(f"optax_state: Orbax wrote no {sorted(missing)}")
    (folder.parent / "truth" / "optax_owners.json").write_text(json.dumps(owners, indent=1, sort_keys=True) + "\n")


def keras_pair(folder: Path) -> None:
    import keras

    model, x, y = _model()
    cb = keras.callbacks.OrbaxCheckpoint(str(folder / "orbax"), max_to_keep=1)
    model.fit(x, y, epochs=1, batch_size=8, callbacks=[cb], verbose=0)
    cb.wait_until_finished()
    model.save_weights(str(folder / "model.weights.h5"))


def main() -> int:
    import jax

    if jax.default_backend() != "cpu":
        print("run on CPU (JAX_PLATFORMS=cpu)", file=sys.stderr)
        return 1
    writers = {"keras_fit": lambda f: keras_fit(f, save_freq=2, max_to_keep=3),
               "keras_weights": lambda f: keras_fit(f, save_weights_only=True, max_to_keep=2),
               "manager": manager, "keras_pair": keras_pair, "composite": composite, "plain": plain, "sharded": sharded,
               "optax": optax_state}  # fmt: skip
    truth_only = "--truth-only" in sys.argv  # the oracles of the fixtures as they are, written again
    chosen = [a for a in sys.argv[1:] if a != "--truth-only"] or list(writers)  # names: those fixtures only
    for name in chosen:
        write = writers[name]
        folder = HERE / name
        if not truth_only:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            write(folder)
        shutil.rmtree(HERE / "truth" / name, ignore_errors=True)
        for meta in sorted(folder.rglob("_METADATA")):
            item = meta.parent
            types = {v["value_metadata"]["value_type"] for v in json.loads(meta.read_text())["tree_metadata"].values()}
            if types != {"string"}:  # model_config: one string, no arrays
                write_truth(item, HERE / "truth" / item.relative_to(HERE))
        print(name, sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()), "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
