"""Write ckpt_browser/core/formats/tf_protos_data.py: TensorFlow's protos as a FileDescriptorSet.

The messages the readers use (Event, Summary, GraphDef, MetaGraphDef, TensorProto,
TrackableObjectGraph) and every .proto they import, taken from TensorBoard's compiled copies of
TensorFlow's .proto files (kept in step with TensorFlow by TensorBoard's maintainers). A
descriptor set, not generated _pb2 code: it loads with any protobuf runtime from 4.21 on (generated
code is tied to the protoc that made it), and into a pool of our own, so it never clashes with a
TensorBoard or TensorFlow imported in the same process (docs/dependencies.md says why this, not the
tensorboard package). Run again when TensorFlow adds fields we should read:

    pip install tensorboard && python tools/make_tf_protos.py
"""

from __future__ import annotations

import base64
import importlib.metadata
import textwrap
from pathlib import Path

from google.protobuf import descriptor_pb2
from tensorboard.compat.proto import (
    event_pb2,
    graph_pb2,
    meta_graph_pb2,
    summary_pb2,
    tensor_pb2,
    trackable_object_graph_pb2,
)

OUT = Path(__file__).resolve().parent.parent / "ckpt_browser" / "core" / "formats" / "tf_protos_data.py"


def descriptor_set() -> bytes:
    files: dict[str, descriptor_pb2.FileDescriptorProto] = {}

    def add(fd) -> None:  # dependencies first: a pool adds a file only after what it imports
        if fd.name in files:
            return
        for dep in fd.dependencies:
            add(dep)
        proto = descriptor_pb2.FileDescriptorProto()
        fd.CopyToProto(proto)
        files[fd.name] = proto

    for module in (event_pb2, graph_pb2, meta_graph_pb2, summary_pb2, tensor_pb2, trackable_object_graph_pb2):
        add(module.DESCRIPTOR)
    return descriptor_pb2.FileDescriptorSet(file=list(files.values())).SerializeToString(deterministic=True)


def main() -> None:
    data = base64.b64encode(descriptor_set()).decode()
    version = importlib.metadata.version("tensorboard")
    lines = "\n".join(f'    "{chunk}"' for chunk in textwrap.wrap(data, 110))
    OUT.write_text(
        f'"""TensorFlow\'s protos as a serialized FileDescriptorSet (base64), from tensorboard {version}\'s compiled\n'
        'copies: written by tools/make_tf_protos.py, do not edit. formats/protos.py loads it."""\n\n'
        f'SOURCE = "tensorboard {version}"\n'
        f"DESCRIPTOR_SET = (\n{lines}\n)\n"
    )
    print(f"{OUT}: {len(data)} characters, from tensorboard {version}")


if __name__ == "__main__":
    main()
