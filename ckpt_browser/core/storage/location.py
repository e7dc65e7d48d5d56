"""Where a file or folder is: one immutable Location, made once where a path or URL enters (a CLI
argument, the open dialog, a drop, the API) and passed down -- storage takes it and never parses
a string again.

A Location carries its kind ("local", "bucket" for any fsspec protocol but http, "http" for
http(s)://), its normal form (what users see and what equality, hashing and the window's keys use:
an absolute local path, or the URL less a trailing slash and any user:password@), and, for a URL,
its fsspec file system, made on first use (remote.py: the backend's import, timeouts and
credentials). Children, parent, name and suffix are computed from the parsed form, not re-parsed.

No I/O and no backend import here: the UI thread locates what the user types.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, Literal

from ckpt_browser.core.base.errors import redact
from ckpt_browser.core.storage.paths import from_file_url, protocol_of

Kind = Literal["local", "bucket", "http"]
HTTP = ("http", "https")

__all__ = ["Kind", "Location", "locate"]


class Location:
    """A local path or a URL, parsed once. Immutable; equal (and hashed) by its normal form.

    ``str()`` is the normal form (credentials never in it, nor in ``repr()``); ``os.fspath()`` works
    for a local one only (a URL is not a local path, as with UPath); ``.local`` is its pathlib.Path;
    ``.fs`` / ``.fs_path`` are a URL's file system and the path that file system names it by."""

    __slots__ = ("_auth", "_fs", "_local", "_raw", "kind", "protocol", "text")

    kind: Kind
    protocol: str | None  # "s3", "gs", "memory", "http", ...; None for a local path
    text: str  # the normal form
    _raw: str  # a URL as the backend needs it (its own user:password@ kept, for s3fs & co.)
    _auth: str | None  # http(s): the Authorization header for user:password@ given once
    _local: Path | None
    _fs: list[Any]  # [the file system or None]: one box shared by every Location derived from one locate

    def __init__(self, *_: object) -> None:
        raise TypeError("a Location is made by storage.locate(path)")

    @classmethod
    def _make(
        cls, kind: Kind, protocol: str | None, text: str, raw: str, auth: str | None = None, fs: list[Any] | None = None
    ) -> Location:
        self = object.__new__(cls)
        box = fs if fs is not None else [None]
        for name, value in (("kind", kind), ("protocol", protocol), ("text", text), ("_raw", raw), ("_auth", auth),
                            ("_local", Path(text) if kind == "local" else None), ("_fs", box)):  # fmt: skip
            object.__setattr__(self, name, value)
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Location is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Location is immutable")

    # -- what it is -------------------------------------------------------------------------------

    @property
    def is_remote(self) -> bool:
        return self.kind != "local"

    @property
    def local(self) -> Path:
        """The pathlib.Path of a local Location (a TypeError for a URL: fetch it first)."""
        if self._local is None:
            raise TypeError(f"{self.text[:300]} is a URL, not a local path")
        return self._local

    @property
    def fs(self):
        """A URL's fsspec file system, made once (remote.filesystem: CheckpointError naming what is
        missing or wrong) for this Location and every one joined or derived from it."""
        if self._fs[0] is None:
            if self.kind == "local":
                raise TypeError(f"{self.text[:300]} is a local path: it has no fsspec file system")
            from ckpt_browser.core.storage import remote

            self._fs[0] = remote.filesystem(self)  # two threads at once: fsspec caches the instance
        return self._fs[0]

    @property
    def fs_path(self) -> str:
        """The path the file system names the object by ("bucket/key" for s3, the URL for http)."""
        if self.kind == "http":
            return self.text
        return self.fs._strip_protocol(self._raw)

    # -- pathlib's vocabulary, computed from the parsed form ---------------------------------------

    @property
    def name(self) -> str:
        if self._local is not None:
            return self._local.name
        return self._rest().rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem

    @property
    def parent(self) -> Location:
        if self._local is not None:
            return self._derive(str(self._local.parent))
        head, _, tail = self._rest().rpartition("/")
        if not tail or not head:  # s3://bucket, http://host: the top is its own parent
            return self
        cut = len(tail) + 1
        return self._derive(self.text[:-cut], self._raw.rstrip("/")[:-cut])

    @property
    def top(self) -> Location:
        """A URL's bucket (s3://bucket) or server (http://host:port): where a job could create the
        rest of the path later. A local path's is its root."""
        if self._local is not None:
            return self._derive(self._local.anchor or "/")
        rest = self._rest()
        cut = len(rest) - len(rest.split("/", 1)[0])  # the path below the bucket or host
        if not cut:
            return self
        raw = self._raw.rstrip("/")
        return self._derive(self.text[:-cut], raw[: len(raw) - cut])

    def joinpath(self, *names: str) -> Location:
        """The child named by names ("a", "b/c"): no parse -- names are names, not URLs."""
        parts = [p for n in names for p in str(n).split("/") if p]
        if not parts:
            return self
        if self._local is not None:
            return self._derive(str(self._local.joinpath(*parts)))
        tail = "/".join(parts)
        return self._derive(_below(self.text, tail), _below(self._raw, tail))

    def __truediv__(self, name: str) -> Location:
        return self.joinpath(name)

    def with_name(self, name: str) -> Location:
        return self.parent / name

    def plus(self, suffix: str) -> Location:
        """The sibling whose name is this one's plus ``suffix``: a prefix's ``.index``, ``.meta``."""
        return self.with_name(self.name + suffix)

    def relative_to(self, other: Location) -> str:
        """The names from other down to this one, "/"-joined ("eval/events..."); ValueError if
        this one is not below other."""
        if self._local is not None and other._local is not None:
            return self._local.relative_to(other._local).as_posix()
        base = other.text.rstrip("/") + "/"
        if self.kind != other.kind or not self.text.startswith(base):
            raise ValueError(f"{self.text[:300]} is not below {other.text[:300]}")
        return self.text[len(base) :]

    def _rest(self) -> str:
        return self.text.partition("://")[2]

    def _derive(self, text: str, raw: str | None = None) -> Location:
        if self.kind == "local":
            return Location._make("local", None, text, text)
        return Location._make(self.kind, self.protocol, text, raw or text, self._auth, self._fs)

    # -- identity ------------------------------------------------------------------------------------

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Location({self.kind}, {self.text!r})"

    def __fspath__(self) -> str:
        return str(self.local)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Location):
            return self.text == other.text
        if isinstance(other, PurePath) and self.kind == "local":  # records compared with a test's Path
            return self.text == os.path.abspath(other)
        return NotImplemented

    def __hash__(self) -> int:
        # A local one hashes as its pathlib.Path (they are equal): dicts keyed by either find both.
        return hash(self._local) if self._local is not None else hash(self.text)

    def __lt__(self, other: Location) -> bool:
        return self.text < other.text

    def __reduce__(self):  # to a worker process: the parsed form, not the file system
        return (_rebuilt, (self.kind, self.protocol, self.text, self._raw, self._auth))


def _below(url: str, tail: str) -> str:
    return (url if url.endswith("://") else url.rstrip("/") + "/") + tail


def _rebuilt(kind: Kind, protocol: str | None, text: str, raw: str, auth: str | None) -> Location:
    return Location._make(kind, protocol, text, raw, auth)


def locate(path: str | os.PathLike[str] | Location) -> Location:
    """The Location of what a user gave: a local path (~ expanded, made absolute), file:// (a local
    path), or a URL of any fsspec protocol. A Location is returned as it is: call it freely.

    The one place a path's text is parsed. No I/O; an http(s) URL that cannot be a URL (no host, a
    bad port) is a CheckpointError now, and its user:password@ is taken out here (remote_http)."""
    if isinstance(path, Location):
        return path
    if isinstance(path, PurePath):
        return _local(str(path))
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    text = from_file_url(text)
    protocol = protocol_of(text)
    if protocol is None:
        return _local(text)
    stripped = text.rstrip("/")
    raw = text if stripped.endswith(":") else stripped  # s3:// itself keeps its slashes
    if protocol in HTTP:
        from ckpt_browser.core.storage.remote_http import split_credentials

        clean, auth = split_credentials(raw)
        return Location._make("http", protocol, clean, clean, auth)
    return Location._make("bucket", protocol, redact(raw), raw)


def _local(text: str) -> Location:
    try:
        absolute = os.path.abspath(os.path.expanduser(text))
    except ValueError:  # embedded NUL on some systems: kept, every look at it fails in one line
        absolute = text
    return Location._make("local", None, absolute, text)
