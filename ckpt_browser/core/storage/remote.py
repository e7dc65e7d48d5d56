"""Model dirs behind a URL (s3://, gs://, memory://, any fsspec protocol): paths, ranged reads
with a small block cache, one-line errors, and local copies for TensorFlow.

fsspec with s3fs / gcsfs does the talking; paths are universal_pathlib's UPath, so the model_dir
logic written against pathlib works on a bucket. Credentials come from each backend's own chain
(environment, config files, instance metadata): nothing here reads, stores or prints them.
"""

from __future__ import annotations

import stat as stat_module
import sys
import threading
import warnings
from collections import OrderedDict
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, NamedTuple

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage import remote_gcs, remote_http
from ckpt_browser.core.storage.paths import CHUNK, check_range
from ckpt_browser.core.storage.remote_errors import failure, timeout

if TYPE_CHECKING:  # location.py makes a Location's file system here (filesystem): no cycle at run time
    from ckpt_browser.core.storage.location import Location

BLOCK = 16 << 10  # what a small read fetches: one [768] float variable costs at most two blocks
CACHE_BYTES = 64 << 20  # blocks kept for the session: a tensor shown twice is fetched once
DIRECT = 1 << 20  # reads bigger than this bypass the blocks (verify must not flush the cache)
EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs"}
HTTP = ("http", "https")


def _options(protocol: str, auth=None) -> dict:
    t = timeout()
    if protocol in ("s3", "s3a"):
        # botocore's own timeouts and one retry: a stopped server is an error within ~2 x t.
        # One attempt in all ("standard" mode counts the first try): the timeout is honoured once.
        retries = {"mode": "standard", "total_max_attempts": 1}
        return {"config_kwargs": {"connect_timeout": min(t, 5.0), "read_timeout": t, "retries": retries}}
    if protocol in ("gs", "gcs"):
        return {"requests_timeout": t}
    if protocol in HTTP:
        import aiohttp  # fsspec's HTTP file system is aiohttp's: get_filesystem_class imported it

        # aiohttp's default is 5 minutes a request: ours is t, like every other backend's.
        # remote_http.py gives each whole request one deadline on top of these.
        kwargs: dict = {"timeout": aiohttp.ClientTimeout(sock_connect=min(t, 5.0), sock_read=t)}
        if auth is not None:  # user:password@ taken out of the URL: sent, never shown
            kwargs["headers"] = {"Authorization": auth}
        return {"client_kwargs": kwargs}
    return {}


def filesystem(loc: Location):
    """The URL's fsspec file system (Location.fs makes it once), or a CheckpointError naming the
    extra to install."""
    protocol = loc.protocol or ""
    shown = loc.text[:200]  # other backends read their own user:password@ from the raw URL: never shown
    try:
        import fsspec
        from upath import UPath

        fsspec.get_filesystem_class(protocol)
    except ImportError as exc:
        extra = EXTRAS.get(protocol)
        if getattr(sys, "frozen", False):  # the light desktop build: no bucket backends, no pip
            raise CheckpointError(
                f"this build cannot open {protocol}:// URLs; the full build (make package) can"
            ) from exc
        if extra:
            raise CheckpointError(f"install ckpt-browser[{extra}] to open {protocol}:// URLs") from exc
        # fsspec says which package the protocol needs ("Install paramiko to access SSH/SFTP").
        reason = " ".join(str(exc).split())[:200] or f"install the fsspec backend for {protocol}://"
        raise CheckpointError(f"{shown}: {protocol}:// URLs need a package that is not installed: {reason}") from exc
    except ValueError as exc:  # fsspec: "Protocol not known"
        raise CheckpointError(f"{shown}: no file system knows the protocol {protocol}://") from exc
    if protocol == "data":  # RFC 2397: the URL is the content itself, no folder to browse
        raise CheckpointError(f"{shown}: a data: URL holds one inline value, not files to browse")
    try:  # some file systems connect or import their library when made (ftp, hdfs, zip::...)
        with warnings.catch_warnings():  # "filesystem not explicitly implemented": not the user's concern
            warnings.simplefilter("ignore")
            if protocol in remote_gcs.GCS:  # one attempt, quiet logs, an emulator (remote_gcs.py)
                fs = remote_gcs.filesystem(loc._raw, _options(protocol))
            else:  # UPath reads the options a URL carries (fsspec's _get_kwargs_from_urls) as it did before.
                fs = UPath(loc.text if loc.kind == "http" else loc._raw, **_options(protocol, loc._auth)).fs
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        raise CheckpointError(
            f"{shown}: {protocol}:// needs the Python package {missing}, which is not installed (pip install {missing})"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - each backend raises its own types; the user gets one line
        raise failure(exc, loc) from exc
    if hasattr(fs, "retries"):
        fs.retries = 1  # s3fs retries its own way, with back-off: one attempt
    return fs


class Stat(NamedTuple):
    """What os.stat gives that the model_dir logic reads, for an object in a bucket."""

    st_size: int
    st_mtime: float
    st_mtime_ns: int
    st_mode: int
    tag: str  # the ETag, when the store gives one: changes when the object is rewritten


def stat_of(info: dict) -> Stat:
    # An http:// folder is the server's HTML index page (fsspec calls every URL a file): the
    # page's links are the folder's entries (list_dir).
    is_dir = info.get("type") == "directory" or str(info.get("mimetype") or "").startswith("text/html")
    mtime = (
        info.get("mtime") or info.get("LastModified") or info.get("updated") or info.get("created")
        or info.get("Last-Modified") or 0
    )  # fmt: skip
    if hasattr(mtime, "timestamp"):
        mtime = mtime.timestamp()
    elif isinstance(mtime, str):
        try:
            mtime = datetime.fromisoformat(mtime.replace("Z", "+00:00")).timestamp()
        except ValueError:
            try:
                mtime = parsedate_to_datetime(str(mtime)).timestamp()  # HTTP's Last-Modified
            except (TypeError, ValueError):
                mtime = 0.0
    mode = (stat_module.S_IFDIR | 0o555) if is_dir else (stat_module.S_IFREG | 0o444)
    tag = str(info.get("ETag") or info.get("etag") or info.get("md5Hash") or "")
    return Stat(int(info.get("size") or 0), float(mtime), int(float(mtime) * 1e9), mode, tag)


def stat(path: Location) -> Stat | None:
    """The object's Stat, None when there is no such object, CheckpointError for anything else."""
    try:
        return stat_of(_info(path))
    except FileNotFoundError as exc:
        if _not_found(exc):
            return None
        raise failure(exc.__cause__ or exc, path) from exc
    except Exception as exc:  # noqa: BLE001 - backends raise their own types; the user gets one line
        raise failure(exc, path) from exc


def _info(path: Location) -> dict:
    fs = path.fs
    if path.kind == "http":  # one deadline for the whole request, bodies capped (issue 30)
        return remote_http.info(fs, path.fs_path)
    return fs.info(path.fs_path)


def _not_found(exc: FileNotFoundError) -> bool:
    """Whether the store said there is no such object. fsspec's HTTP file system raises
    FileNotFoundError for any failed HEAD/GET -- a refused connection too --, the failure as its
    cause: only a 404 or 410 answer means "does not exist"."""
    cause = exc.__cause__
    if cause is None or isinstance(cause, FileNotFoundError):
        return True
    return getattr(cause, "status", None) in (404, 410)


def list_dir(path: Location) -> list[tuple[str, Stat]]:
    """(name, Stat) of each entry directly under the prefix: one listing request."""
    if path.kind == "http":
        return _list_http(path)
    try:
        entries = path.fs.ls(path.fs_path, detail=True)
    except FileNotFoundError:
        raise CheckpointError(f"{str(path)[:300]} does not exist") from None
    except Exception as exc:  # noqa: BLE001
        raise failure(exc, path) from exc
    out = []
    base = path.fs_path.rstrip("/")
    for info in entries:
        name = info["name"].rstrip("/").rsplit("/", 1)[-1]
        if info["name"].rstrip("/") != base and name:
            out.append((name, stat_of(info)))
    return out


def _list_http(path: Location) -> list[tuple[str, Stat]]:
    """An index page's links to entries of the folder (remote_http.ls), each file's size asked with
    HEAD: a link that answers 404 is a file that is not there, not an error."""
    try:
        links = remote_http.ls(path.fs, path.fs_path)
    except FileNotFoundError:
        raise CheckpointError(f"{str(path)[:300]} does not exist") from None
    except Exception as exc:  # noqa: BLE001
        raise failure(exc, path) from exc
    out = []
    for name, folder in links:
        if folder:
            out.append((name, stat_of({"type": "directory"})))
            continue
        st = stat(path / name)
        if st is not None:
            out.append((name, st))
    return out


def forget(path: Location) -> None:
    """Drop the backend's cached listings under the path: the next scan sees the bucket as it is."""
    try:
        path.fs.invalidate_cache(path.fs_path)
    except Exception:  # noqa: BLE001 - a backend without a cache
        pass


class Transfers:
    """Bytes this process asked the stores for (ranged reads and local copies), for benchmarks."""

    def __init__(self) -> None:
        self.bytes = 0
        self.requests = 0


transfers = Transfers()
_blocks: OrderedDict[tuple, bytes] = OrderedDict()
_blocks_lock = threading.Lock()
_blocks_size = 0


_pending: dict[tuple, threading.Event] = {}  # blocks being fetched, each by one thread


def _claim(key: tuple) -> tuple[bytes | None, threading.Event | None]:
    """(the cached block, None); else (None, the Event of another thread's fetch of it); else
    (None, None): the block is now the caller's to fetch, then _release. Threads reading neighbouring
    tensors side by side (health's workers) fetch a block once, not once each."""
    with _blocks_lock:
        block = _blocks.get(key)
        if block is not None:
            _blocks.move_to_end(key)
            return block, None
        pending = _pending.get(key)
        if pending is None:
            _pending[key] = threading.Event()
        return None, pending


def _release(keys: list[tuple]) -> None:
    with _blocks_lock:
        events = [_pending.pop(k) for k in keys if k in _pending]
    for e in events:
        e.set()


def _keep(key: tuple, block: bytes) -> None:
    global _blocks_size
    with _blocks_lock:
        if key in _blocks:
            return
        _blocks[key] = block
        _blocks_size += len(block)
        while _blocks_size > CACHE_BYTES and _blocks:
            _, old = _blocks.popitem(last=False)
            _blocks_size -= len(old)


def clear_blocks() -> None:
    """Forget every cached block (File > Reload of a bucket, and tests that count the wire)."""
    global _blocks_size
    with _blocks_lock:
        _blocks.clear()
        _blocks_size = 0


class RemoteFile:
    """An object in a bucket read by byte ranges, with LocalFile's interface (storage.py)."""

    def __init__(self, path: Location, block: int = BLOCK) -> None:
        self.path = path
        st = stat(path)
        if st is None:
            raise CheckpointError(f"{path.name} is missing ({str(path)[:300]})")
        if stat_module.S_ISDIR(st.st_mode):
            raise CheckpointError(f"{path.name} is a folder, not a file")
        self.size = st.st_size
        self.mtime_ns = st.st_mtime_ns
        self.block = block
        # Blocks of an object rewritten under the same name must not be served again.
        self._key = (str(path), st.tag or st.st_mtime_ns, st.st_size)

    def _fetch(self, start: int, end: int) -> bytes:
        try:
            if self.path.kind == "http":  # a deadline and at most `end` bytes, whatever is sent
                data = remote_http.cat(self.path.fs, self.path.fs_path, start, end, self.size)
            else:
                data = self.path.fs.cat_file(self.path.fs_path, start=start, end=end)
        except Exception as exc:  # noqa: BLE001
            raise failure(exc, self.path) from exc
        transfers.bytes += len(data)
        transfers.requests += 1
        if len(data) == self.size > end - start:
            data = data[start:end]  # a server that ignores Range (python's http.server) sends it all
        if len(data) != end - start:
            raise CheckpointError(
                f"{self.path.name} is truncated: got {len(data):,} of {end - start:,} bytes at {start:,}"
            )
        return data

    def read(self, offset: int, size: int) -> bytes:
        check_range(self.path.name, offset, size, self.size)
        if size == 0:
            return b""
        if size > DIRECT:  # a big tensor or a verify chunk: straight through, not into the cache
            return self._fetch(offset, offset + size)
        first, last = offset // self.block, (offset + size - 1) // self.block
        blocks: dict[int, bytes] = {}
        while len(blocks) <= last - first:  # after a wait: a block whose fetch failed is ours to fetch
            missing, waits = [], []
            for i in range(first, last + 1):
                if i not in blocks:
                    got, pending = _claim((*self._key, self.block, i))
                    if got is not None:
                        blocks[i] = got
                    elif pending is None:
                        missing.append(i)
                    else:
                        waits.append(pending)
            try:
                self._fetch_runs(missing, blocks)
            finally:
                _release([(*self._key, self.block, i) for i in missing])
            for pending in waits:
                pending.wait()
        joined = b"".join(blocks[i] for i in range(first, last + 1))
        skip = offset - first * self.block
        return joined[skip : skip + size]

    def _fetch_runs(self, missing: list[int], blocks: dict[int, bytes]) -> None:
        """Fetch each run of missing blocks with one request, into blocks and the cache."""
        runs: list[list[int]] = []
        for i in missing:
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        for run in runs:
            start, end = run[0] * self.block, min((run[-1] + 1) * self.block, self.size)
            data = self._fetch(start, end)
            for i in run:
                block = data[(i - run[0]) * self.block : (i - run[0] + 1) * self.block]
                blocks[i] = block
                _keep((*self._key, self.block, i), block)

    def read_into(self, offset: int, view: memoryview, on_chunk=None) -> None:
        done = 0
        while done < len(view):
            step = min(CHUNK, len(view) - done)
            view[done : done + step] = self.read(offset + done, step)
            if on_chunk is not None:
                on_chunk(view[done : done + step])
            done += step

    def checksum(self, offset: int, size: int, buffer: bytearray) -> int:
        from ckpt_browser.core.storage.checksum import of_buffer  # deferred: start-up: loads google_crc32c (+6 modules)

        crc, done = 0, 0
        while done < size:
            step = min(len(buffer), size - done)
            crc = of_buffer(self.read(offset + done, step), crc)
            done += step
        return crc

    def close(self) -> None:
        pass
