"""An Estimator-like tf.compat.v1 training loop: Saver checkpoints, summaries, SessionLog records."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ckpt_browser.core.tf.tfimport import tf


class Trainer:
    """Trains y = w.x + b step by step into a model_dir, like an Estimator would."""

    def __init__(self, model_dir: Path, max_to_keep: int = 2) -> None:
        t = tf()
        v1 = t.compat.v1
        self.model_dir = Path(model_dir)
        self.graph = t.Graph()
        with self.graph.as_default():
            self.x = v1.placeholder(t.float32, [None, 3])
            self.y = v1.placeholder(t.float32, [None])
            w = v1.get_variable("linear/w", [3], initializer=v1.zeros_initializer())
            b = v1.get_variable("linear/b", [], initializer=v1.zeros_initializer())
            loss = t.reduce_mean(t.square(t.tensordot(self.x, w, 1) + b - self.y))
            self.step = v1.train.get_or_create_global_step()
            self.train_op = v1.train.GradientDescentOptimizer(0.05).minimize(loss, global_step=self.step)
            self.summary = v1.summary.scalar("loss", loss)
            self.saver = v1.train.Saver(max_to_keep=max_to_keep)
            self.sess = v1.Session(graph=self.graph)
            self.sess.run(v1.global_variables_initializer())
            self.writer = v1.summary.FileWriter(str(self.model_dir), self.graph)  # graph mode only
        rng = np.random.default_rng(0)
        self.data_x = rng.standard_normal((64, 3)).astype(np.float32)
        self.data_y = self.data_x @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3

    def train(self, steps: int) -> None:
        with self.graph.as_default():
            self._train(steps)

    def _train(self, steps: int) -> None:
        for _ in range(steps):
            _, s = self.sess.run([self.train_op, self.summary], {self.x: self.data_x, self.y: self.data_y})
            self.writer.add_summary(s, int(self.sess.run(self.step)))  # the step this update made
        self.writer.flush()

    def save(self) -> str:
        with self.graph.as_default():  # a v1 Saver works in graph mode only
            return self._save()

    def _save(self) -> str:
        t = tf()
        step = int(self.sess.run(self.step))
        path = self.saver.save(self.sess, str(self.model_dir / "model.ckpt"), global_step=step)
        log = t.compat.v1.SessionLog(
            status=t.compat.v1.SessionLog.CHECKPOINT, checkpoint_path=str(self.model_dir / "model.ckpt")
        )
        self.writer.add_session_log(log, step)
        self.writer.flush()
        return path

    def close(self) -> None:
        self.writer.close()
        self.sess.close()


def trained(model_dir: Path, steps: int = 2, saves: int = 1, **kwargs) -> Trainer:
    """A Trainer in a new model_dir that has trained and saved `saves` times, `steps` each."""
    model_dir.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(model_dir, **kwargs)
    for _ in range(saves):
        trainer.train(steps)
        trainer.save()
    return trainer
