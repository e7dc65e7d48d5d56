"""TensorFlow's protos without TensorFlow: a descriptor set of TensorFlow's own messages, plus the
few messages it does not hold (tensor bundle, checkpoint state, SavedModel), declared here.

The descriptor set (formats/tf_protos_data.py, made by tools/make_tf_protos.py) holds TensorFlow's
.proto definitions (Event, Summary, MetaGraphDef, GraphDef, TensorProto, ...) as TensorBoard
compiles them; the classes are built from it at first use, in a descriptor pool of our own, so no
TensorBoard (grpc, a data server: 86 MB) is installed for them, any protobuf runtime from 4.21 on
loads them, and a TensorFlow or TensorBoard imported in the same process never clashes with them.
Importing them from the tensorflow package would import all of TensorFlow (3-5 s, ~600 MB). The
messages declared below are copied field for field from tensorflow/core/protobuf/tensor_bundle.proto,
tensorflow/core/framework/tensor_slice.proto, tensorflow/python/training/checkpoint_state.proto and
tensorflow/core/protobuf/saved_model.proto (docs/formats.md says what each field means).
"""

from __future__ import annotations

import base64
import functools
from types import SimpleNamespace
from typing import Any

from ckpt_browser.core.formats.tf_protos_data import DESCRIPTOR_SET


class _F:
    """google.protobuf.descriptor_pb2.FieldDescriptorProto's enum values (fixed by descriptor.proto),
    named here so that importing this module does not import the protobuf runtime: listing a
    checkpoint does not need it (core/formats/wire.py), and it costs ~25 ms."""

    TYPE_DOUBLE, TYPE_INT64, TYPE_INT32, TYPE_FIXED32, TYPE_BOOL, TYPE_STRING, TYPE_MESSAGE = 1, 3, 5, 7, 8, 9, 11


_OPTIONAL, _REPEATED = 1, 3  # FieldDescriptorProto.Label

# (message, [(field, number, type, label, type_name)]); nested: "Outer.Inner"
_MESSAGES = {
    "TensorShapeProto": [
        ("dim", 2, _F.TYPE_MESSAGE, _REPEATED, ".ckpt_browser.TensorShapeProto.Dim"),
        ("unknown_rank", 3, _F.TYPE_BOOL, _OPTIONAL, None),
    ],
    "TensorSliceProto": [("extent", 1, _F.TYPE_MESSAGE, _REPEATED, ".ckpt_browser.TensorSliceProto.Extent")],
    "VersionDef": [
        ("producer", 1, _F.TYPE_INT32, _OPTIONAL, None),
        ("min_consumer", 2, _F.TYPE_INT32, _OPTIONAL, None),
        ("bad_consumers", 3, _F.TYPE_INT32, _REPEATED, None),
    ],
    "BundleHeaderProto": [
        ("num_shards", 1, _F.TYPE_INT32, _OPTIONAL, None),
        ("endianness", 2, _F.TYPE_INT32, _OPTIONAL, None),  # an enum on the wire: 0 little, 1 big
        ("version", 3, _F.TYPE_MESSAGE, _OPTIONAL, ".ckpt_browser.VersionDef"),
    ],
    "BundleEntryProto": [
        ("dtype", 1, _F.TYPE_INT32, _OPTIONAL, None),  # tensorflow.DataType
        ("shape", 2, _F.TYPE_MESSAGE, _OPTIONAL, ".ckpt_browser.TensorShapeProto"),
        ("shard_id", 3, _F.TYPE_INT32, _OPTIONAL, None),
        ("offset", 4, _F.TYPE_INT64, _OPTIONAL, None),
        ("size", 5, _F.TYPE_INT64, _OPTIONAL, None),
        ("crc32c", 6, _F.TYPE_FIXED32, _OPTIONAL, None),
        ("slices", 7, _F.TYPE_MESSAGE, _REPEATED, ".ckpt_browser.TensorSliceProto"),
    ],
    "CheckpointState": [
        ("model_checkpoint_path", 1, _F.TYPE_STRING, _OPTIONAL, None),
        ("all_model_checkpoint_paths", 2, _F.TYPE_STRING, _REPEATED, None),
        ("all_model_checkpoint_timestamps", 3, _F.TYPE_DOUBLE, _REPEATED, None),
        ("last_preserved_timestamp", 4, _F.TYPE_DOUBLE, _OPTIONAL, None),
    ],
}
_NESTED = {
    "TensorSliceProto": (
        "Extent",
        [("start", 1, _F.TYPE_INT64, _OPTIONAL, None), ("length", 2, _F.TYPE_INT64, _OPTIONAL, None)],
    ),
    "TensorShapeProto": (
        "Dim",
        [("size", 1, _F.TYPE_INT64, _OPTIONAL, None), ("name", 2, _F.TYPE_STRING, _OPTIONAL, None)],
    ),
}
_SAVED_MODEL = [
    ("saved_model_schema_version", 1, _F.TYPE_INT64, _OPTIONAL, None),
    ("meta_graphs", 2, _F.TYPE_MESSAGE, _REPEATED, ".tensorboard.MetaGraphDef"),
]


def _add_fields(msg, fields: list) -> None:
    for name, number, kind, label, type_name in fields:
        f = msg.field.add(name=name, number=number, type=kind, label=label)
        if type_name:
            f.type_name = type_name


def _file(name: str, dependencies: list[str], messages: dict[str, Any], pool: Any = None):
    """Add a .proto file built from ``messages`` to the pool (default: protobuf's) once, and return
    its classes."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    pool = pool or descriptor_pool.Default()
    try:
        file_desc = pool.FindFileByName(name)
    except KeyError:
        fd = descriptor_pb2.FileDescriptorProto(
            name=name, package="ckpt_browser", syntax="proto3", dependency=dependencies
        )
        for msg_name, fields in messages.items():
            msg = fd.message_type.add(name=msg_name)
            _add_fields(msg, fields)
            if msg_name in _NESTED:
                nested_name, nested_fields = _NESTED[msg_name]
                nested = msg.nested_type.add(name=nested_name)
                _add_fields(nested, nested_fields)
                if msg_name == "TensorSliceProto":
                    # `length` lives in a oneof (has_length): absent means "the full extent".
                    nested.oneof_decl.add(name="has_length")
                    nested.field[1].oneof_index = 0
        pool.Add(fd)
        file_desc = pool.FindFileByName(name)
    return {n: message_factory.GetMessageClass(file_desc.message_types_by_name[n]) for n in messages}


def _tf_pool():
    """A descriptor pool holding TensorFlow's messages (from the descriptor set)."""

    from google.protobuf import descriptor_pb2, descriptor_pool

    files = descriptor_pb2.FileDescriptorSet.FromString(base64.b64decode("".join(DESCRIPTOR_SET)))
    pool = descriptor_pool.DescriptorPool()
    for fd in files.file:  # in dependency order, as the generator wrote them
        pool.Add(fd)
    return pool


@functools.cache
def bundle_protos() -> SimpleNamespace:
    """BundleHeaderProto, BundleEntryProto, CheckpointState: what listing a model_dir needs.
    Self-contained, so that `ls` does not load TensorBoard's protos."""
    return SimpleNamespace(**_file("ckpt_browser/tensor_bundle_subset.proto", [], _MESSAGES))


@functools.cache
def protos() -> SimpleNamespace:
    """TensorFlow's graph, event and SavedModel messages."""
    from google.protobuf import message_factory

    pool = _tf_pool()

    def cls(full_name: str):
        return message_factory.GetMessageClass(pool.FindMessageTypeByName(full_name))

    meta_graph_file = pool.FindMessageTypeByName("tensorboard.MetaGraphDef").file.name
    saved = _file("ckpt_browser/saved_model_subset.proto", [meta_graph_file], {"SavedModel": _SAVED_MODEL}, pool)
    return SimpleNamespace(
        Event=cls("tensorboard.Event"),
        SessionLog=cls("tensorboard.SessionLog"),
        Summary=cls("tensorboard.Summary"),
        MetaGraphDef=cls("tensorboard.MetaGraphDef"),
        GraphDef=cls("tensorboard.GraphDef"),
        TensorProto=cls("tensorboard.TensorProto"),
        TrackableObjectGraph=cls("tensorboard.TrackableObjectGraph"),
        **saved,
        **bundle_protos().__dict__,
    )
