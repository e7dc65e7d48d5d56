"""Build mode at apply_gradients: nothing applied, the stop when the script is ours again, so that
every optimizer of a step builds its slots (a GAN's two) and a loop that never saves still stops.
The oracle: the same script run for real by TensorFlow (--real: one real step of each optimizer,
then Checkpoint.save)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ckpt_browser

pytestmark = pytest.mark.tf

# Two models, two optimizers, one tf.train.Checkpoint, an eager GradientTape loop that never ends
# and never saves; with --real: one real step of each optimizer, then checkpoint.save.
GAN_LOOP = """\
import sys

import tensorflow as tf

gen = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4), tf.keras.layers.Dense(2)])
disc = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(5), tf.keras.layers.Dense(1)])
gen_opt, disc_opt = tf.keras.optimizers.Adam(1e-3), tf.keras.optimizers.RMSprop(1e-3)
checkpoint = tf.train.Checkpoint(generator_optimizer=gen_opt, discriminator_optimizer=disc_opt,
                                 generator=gen, discriminator=disc)
noise = tf.random.normal([8, 3])
while True:
    with tf.GradientTape() as gt, tf.GradientTape() as dt:
        fake = disc(gen(noise))
        g_loss, d_loss = tf.reduce_mean(fake), -tf.reduce_mean(fake)
    gen_opt.apply_gradients(zip(gt.gradient(g_loss, gen.trainable_variables), gen.trainable_variables))
    disc_opt.apply_gradients(zip(dt.gradient(d_loss, disc.trainable_variables), disc.trainable_variables))
    if "--real" in sys.argv:
        checkpoint.save("ckpts/ckpt")
        break
"""


def test_every_optimizer_of_an_endless_eager_step_builds_its_slots(tmp_path):
    script = tmp_path / "gan_loop.py"
    script.write_text(GAN_LOOP)
    real = subprocess.run([sys.executable, str(script), "--real"], cwd=tmp_path, capture_output=True, text=True)
    assert real.returncode == 0, real.stderr[-2000:]
    record = ckpt_browser.check(tmp_path / "ckpts", str(script), build=True, timeout=60)
    assert record["checkpoints"]
    for checkpoint in record["checkpoints"]:
        assert checkpoint["status"] == "ok" and checkpoint["findings"] == [], checkpoint
    assert record["built"]["stopped_at"] == "gan_loop.py:15, gen_opt.apply_gradients"  # the first apply
