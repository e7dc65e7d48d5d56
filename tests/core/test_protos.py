"""TensorFlow's messages from our descriptor set read real files as TensorFlow's own classes do."""

from __future__ import annotations

import pytest
from google.protobuf import text_format

from ckpt_browser.core.formats.protos import protos
from ckpt_browser.core.tf.tfimport import tf
from tests.blocked import run_without
from tests.conftest import ESTIMATOR


def _as_text(message) -> str:
    # Text format leaves out fields the class does not know: equal text means no field is lost.
    return text_format.MessageToString(message)


def test_a_meta_graph_reads_as_tensorflows_class_reads_it():
    raw = (ESTIMATOR / "iris" / "model.ckpt-300.meta").read_bytes()
    ours = protos().MetaGraphDef.FromString(raw)
    theirs = tf().compat.v1.MetaGraphDef.FromString(raw)
    assert len(ours.graph_def.node) == len(theirs.graph_def.node) > 100
    assert _as_text(ours) == _as_text(theirs)


def test_event_records_read_as_tensorflows_class_reads_them(iris_dir):
    (path,) = iris_dir.glob("events.out.tfevents.*")
    ours = [_as_text(protos().Event.FromString(r)) for r in tf().data.TFRecordDataset(str(path)).as_numpy_iterator()]
    theirs = [_as_text(e) for e in tf().compat.v1.train.summary_iterator(str(path))]
    assert ours == theirs and len(ours) > 5


def test_the_messages_need_neither_tensorboard_nor_tensorflow():
    r = run_without(
        ("tensorboard", "tensorflow"),
        "from ckpt_browser.core.formats.protos import protos\n"
        f"m = protos().MetaGraphDef.FromString(open({str(ESTIMATOR / 'iris' / 'model.ckpt-300.meta')!r}, 'rb').read())\n"
        "print(len(m.graph_def.node), protos().SavedModel.DESCRIPTOR.full_name)\n",
    )
    assert r.returncode == 0, r.stderr
    count, name = r.stdout.split()
    assert int(count) > 100 and name == "ckpt_browser.SavedModel"


@pytest.mark.tf
def test_tensorflows_own_protos_still_load_beside_ours():
    """Ours live in a pool of their own: importing TensorFlow after them does not clash."""
    r = run_without(
        (),
        "from ckpt_browser.core.formats.protos import protos\nprotos()\n"
        "from ckpt_browser.core.tf.tfimport import tf\n"
        "print(tf().compat.v1.MetaGraphDef.DESCRIPTOR.full_name, protos().MetaGraphDef.DESCRIPTOR.full_name)\n",
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["tensorflow.MetaGraphDef", "tensorboard.MetaGraphDef"]
