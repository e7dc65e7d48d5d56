"""Write real checkpoints of every kind the app must read, with TensorFlow itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ckpt_browser.core.tf.tfimport import tf


def write_saver_dir(out: Path, steps=(10, 20, 30), max_to_keep: int = 5) -> Path:
    """tf.compat.v1 graph + Saver: Adam slots, an EMA shadow, global_step, a .meta each."""
    t = tf()
    v1 = t.compat.v1
    out.mkdir(parents=True, exist_ok=True)
    g = t.Graph()
    with g.as_default():
        x = v1.placeholder(t.float32, [None, 3], name="x")
        with v1.variable_scope("dense"):
            w = v1.get_variable("kernel", [3, 2], initializer=v1.random_normal_initializer(seed=1))
            b = v1.get_variable("bias", [2], initializer=v1.zeros_initializer())
        y = t.identity(t.matmul(x, w) + b, name="y")
        step = v1.train.get_or_create_global_step()
        train = v1.train.AdamOptimizer(0.1).minimize(t.reduce_sum(y * y), global_step=step)
        ema = v1.train.ExponentialMovingAverage(0.9)
        with t.control_dependencies([train]):
            train = ema.apply([w, b])
        saver = v1.train.Saver(max_to_keep=max_to_keep)
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            feed = {x: np.ones((4, 3), np.float32)}
            done = 0
            for s in steps:
                while done < s:
                    sess.run(train, feed)
                    done += 1
                saver.save(sess, str(out / "model.ckpt"), global_step=s)
    return out


def write_object_checkpoint(out: Path) -> Path:
    """TF2 tf.train.Checkpoint with a Keras optimizer's state: object-based names."""
    t = tf()

    class Model(t.Module):
        def __init__(self):
            super().__init__()
            self.kernel = t.Variable(t.ones([3, 4]), name="kernel")
            self.bias = t.Variable(t.zeros([4]), name="bias")

    model = Model()
    opt = t.keras.optimizers.Adam()
    with t.GradientTape() as tape:
        loss = t.reduce_sum(t.matmul(t.ones([1, 3]), model.kernel) + model.bias)
    grads = tape.gradient(loss, [model.kernel, model.bias])
    opt.apply_gradients(zip(grads, [model.kernel, model.bias]))
    manager = t.train.CheckpointManager(t.train.Checkpoint(model=model, optimizer=opt), str(out), 3)
    manager.save()
    return out


def write_pair(out: Path) -> tuple[Path, Path]:
    """Two checkpoints that differ in every way a diff reports: same, changed, only in A,
    only in B, shape, dtype."""
    t = tf()
    a, b = t.Module(), t.Module()
    a.same = t.Variable([1.0, 2.0])
    b.same = t.Variable([1.0, 2.0])
    a.changed = t.Variable([[1.0, 2.0], [3.0, 4.0]])
    b.changed = t.Variable([[1.0, 2.5], [3.0, 2.0]])
    a.gone = t.Variable([1, 2, 3])
    b.new = t.Variable(7.0)
    a.resized = t.Variable(np.zeros(3, np.float32))
    b.resized = t.Variable(np.zeros(4, np.float32))
    a.retyped = t.Variable(np.zeros(2, np.float32))
    b.retyped = t.Variable(np.zeros(2, np.float64))
    pa = t.train.Checkpoint(root=a).write(str(out / "a" / "ckpt"))
    pb = t.train.Checkpoint(root=b).write(str(out / "b" / "ckpt"))
    return Path(pa), Path(pb)


def write_sharded_checkpoint(out: Path) -> Path:
    """A checkpoint in two data shards (data-00000-of-00002, data-00001-of-00002)."""
    t = tf()
    root = t.Module()
    root.a = t.Variable(np.arange(40, dtype=np.float32).reshape(8, 5))
    root.b = t.Variable(np.arange(30, dtype=np.float32))
    opts = t.train.CheckpointOptions(
        experimental_sharding_callback=t.train.experimental.MaxShardSizePolicy(max_shard_size=200)
    )
    t.train.Checkpoint(root=root).save(str(out / "ckpt"), options=opts)
    return out


def write_partitioned_checkpoint(out: Path) -> Path:
    """A Saver checkpoint of a variable split by fixed_size_partitioner into part_0, part_1."""
    t = tf()
    v1 = t.compat.v1
    out.mkdir(parents=True, exist_ok=True)
    g = t.Graph()
    with g.as_default():
        v1.get_variable(
            "emb", [100, 8],
            initializer=v1.random_uniform_initializer(seed=2),
            partitioner=v1.fixed_size_partitioner(2),
        )  # fmt: skip
        v1.get_variable("dense/kernel", [8, 2], initializer=v1.ones_initializer())
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            v1.train.Saver().save(sess, str(out / "model.ckpt"), global_step=1)
    return out


def write_saved_model(out: Path) -> Path:
    t = tf()

    class Affine(t.Module):
        def __init__(self):
            super().__init__()
            self.w = t.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")

        @t.function(input_signature=[t.TensorSpec([None, 2], t.float32)])
        def __call__(self, x):
            return t.matmul(x, self.w)

    t.saved_model.save(Affine(), str(out))
    return out


DTYPE_VALUES = {
    "f16": np.array([1.5, -2.25], np.float16),
    "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
    "f64": np.array([np.pi, np.e]),
    "i8": np.array([-8, 7], np.int8),
    "i16": np.array([-16], np.int16),
    "i32": np.array([[1, 2], [3, 4]], np.int32),
    "i64": np.array(2**40, np.int64),
    "u8": np.array([255, 0], np.uint8),
    "u16": np.array([65535], np.uint16),
    "b": np.array([True, False, True]),
    "c64": np.array([1 + 2j], np.complex64),
    "c128": np.array([3 - 4j], np.complex128),
    "s": np.array([b"hello", "wörld".encode(), b"\xff\xfe"], object),
    "nd": np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5) / 7,
    "nan": np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -3.0], np.float32),
}


def write_dtype_checkpoint(out: Path) -> Path:
    """One variable of every dtype checkpoints hold, bfloat16 included."""
    t = tf()
    root = t.Module()
    for name, value in DTYPE_VALUES.items():
        setattr(root, name, t.Variable(value))
    root.bf16 = t.Variable(t.constant([1.0, -0.5], t.bfloat16))
    t.train.Checkpoint(root=root).save(str(out / "ckpt"))
    return out
