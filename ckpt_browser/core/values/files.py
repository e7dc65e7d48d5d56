"""The files of one checkpoint, with their sizes and what is known of their checksums: the
Files tab. The index's blocks carry crc32c that every read checks; data shards are checked
tensor by tensor when verified; the .meta graph has no checksum of its own."""

from __future__ import annotations

from typing import NamedTuple

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.core.formats.variables import human_bytes
from ckpt_browser.core.model_dir.scan import CheckpointInfo
from ckpt_browser.core.values.verify import Verdict

NOT_VERIFIED = "not verified yet (Verify checks every tensor's crc32c)"
COLUMNS = ("File", "Kind", "Size", "Checksums")


class FileRow(NamedTuple):
    name: str
    kind: str  # "index", "data shard", "graph (.meta)"
    size: int
    status: str
    bad: bool


def checkpoint_files(info: CheckpointInfo) -> list[FileRow]:
    """The checkpoint's index, data shards and .meta as listed in its folder; the index opened
    (its blocks' crc32c checked), the shards not read."""
    base = info.prefix.name
    rows = []
    for name, st in sorted(storage.list_dir(info.prefix.parent), key=lambda e: e[0]):
        if name == base + ".index":
            kind = "index"
        elif name.startswith(base + ".data-"):
            kind = "data shard"
        elif name == base + ".meta":
            kind = "graph (.meta)"
        else:
            continue
        size = st.st_size if st is not None else 0
        rows.append(FileRow(name, kind, size, _status(info, kind), False))
    return [_index_checked(info, r) if r.kind == "index" else r for r in rows]


def _status(info: CheckpointInfo, kind: str) -> str:
    if kind == "data shard":
        return NOT_VERIFIED
    if kind == "graph (.meta)":
        return "no checksum (a protobuf file)"
    return ""


def _index_checked(info: CheckpointInfo, row: FileRow) -> FileRow:
    try:
        reader = open_checkpoint(info.prefix)
    except CheckpointError as exc:
        return row._replace(status=str(exc), bad=True)
    if getattr(reader, "native", False):
        return row._replace(status="every block's crc32c ok")
    return row._replace(status="read by TensorFlow (its own checks)")


def with_verdict(rows: list[FileRow], verdict: Verdict) -> list[FileRow]:
    """The data shards' status after Verify: corrupt tensors are named by file in the problems."""
    out = []
    for r in rows:
        if r.kind != "data shard":
            out.append(r)
            continue
        mine = [p for p in verdict.problems if r.name in p]
        if verdict.error:
            out.append(r._replace(status=f"unreadable: {verdict.error}", bad=True))
        elif mine:
            out.append(r._replace(status=f"{len(mine)} corrupt tensor(s): {mine[0]}", bad=True))
        else:
            out.append(r._replace(status="every tensor's crc32c ok"))
    return out


def file_cells(rows: list[FileRow]) -> list[tuple[str, str, str, str]]:
    return [(r.name, r.kind, human_bytes(r.size), r.status) for r in rows]
