"""Text and ranges without I/O: which protocol a path's text names (read by storage.locate, and for
text that is not a place to read: a state file's paths, check --against), whether a range lies
inside a file. Imported by the local and the remote layer alike (no fsspec here)."""

from __future__ import annotations

import re

from ckpt_browser.core.base.errors import CheckpointError, redact

__all__ = ["CHUNK", "check_range", "from_file_url", "is_remote", "protocol_of", "redact"]

CHUNK = 8 << 20  # large reads go in 8 MiB steps so a checksum can follow while data is cache-hot


def check_range(name: str, offset: int, size: int, total: int) -> None:
    """A range an index asks for must lie inside the file: past its end, the file is truncated."""
    if size < 0 or offset < 0 or offset + size > total:
        raise CheckpointError(
            f"{name} is truncated: {size:,} bytes at offset {offset:,} are past its end ({total:,} bytes)"
        )


def from_file_url(path):
    """file:///a/b (or file://localhost/a/b, local://a) as the local path it names; anything else
    as it is. fsspec's file:// is the local disk: reading it locally keeps every local rule."""
    text = str(path)
    m = _URL_RE.match(text)
    if not m or m.group(1).lower() not in ("file", "local"):
        return path
    from urllib.parse import unquote

    rest = text[m.end() :]
    if rest.startswith("localhost/"):
        rest = rest[len("localhost") :]
    return unquote(rest if rest.startswith("/") else "/" + rest) if m.group(1).lower() == "file" else unquote(rest)


_URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def protocol_of(path) -> str | None:
    """The URL's protocol ("s3", "gs", ...), or None for a local path (file:// included). Checked
    here, without importing the remote layer: a local `ls` never loads fsspec."""
    m = _URL_RE.match(str(path))
    if not m or m.group(1).lower() in ("file", "local"):
        return None
    return m.group(1).lower()


def is_remote(path) -> bool:
    return protocol_of(path) is not None
