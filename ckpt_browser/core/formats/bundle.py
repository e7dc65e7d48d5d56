"""TensorFlow's tensor bundle (V2 checkpoints), read without TensorFlow.

`<prefix>.index` is a sorted table (formats/sstable.py) whose key "" holds a BundleHeaderProto and
every other key a BundleEntryProto; values live in `<prefix>.data-NNNNN-of-NNNNN`. The layout and
checksums follow tensorflow/core/util/tensor_bundle/tensor_bundle.cc; docs/formats.md has the notes.
"""

from __future__ import annotations

import math
import os
import struct
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from google.protobuf.message import DecodeError

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import bundle_checks, dtypes, wire
from ckpt_browser.core.formats.bundle_checks import truncation_message
from ckpt_browser.core.formats.listing_io import read_index
from ckpt_browser.core.formats.ordered_code import slice_key
from ckpt_browser.core.formats.protos import bundle_protos
from ckpt_browser.core.formats.sstable import UnsupportedFormat, varint
from ckpt_browser.core.storage import Location, checksum, locate, open_file
from ckpt_browser.core.storage import stat as storage_stat
from ckpt_browser.core.storage.local import LocalFile

if TYPE_CHECKING:
    import numpy as np

    from ckpt_browser.core.formats.listing import Listing

# numpy is imported on the first tensor read, not for listing: `ckpt-browser ls` stays quick.

FULL = -1  # a slice extent without a length covers the whole dimension


class ChecksumMismatch(CheckpointError):
    """The bytes of a tensor do not match the crc32c its index recorded. ``value`` holds what
    was read anyway, for users who want to look at the damage."""

    def __init__(self, message: str, value: np.ndarray | None) -> None:
        super().__init__(message)
        self.value = value


class OpaqueTensor(CheckpointError):
    """A resource or variant entry: listed, but it has no values we can show."""


@dataclass(frozen=True)
class Entry:
    dtype: int
    shape: tuple[int, ...]
    shard: int
    offset: int
    size: int
    crc: int  # masked, as stored
    slices: tuple[tuple[tuple[int, int], ...], ...]  # per slice: (start, length or FULL) per dim


def _decode_entry(raw: bytes, entry_cls) -> Entry:
    e = entry_cls.FromString(raw)
    return Entry(
        e.dtype,
        tuple(d.size for d in e.shape.dim),
        e.shard_id,
        e.offset,
        e.size,
        e.crc32c,
        tuple(tuple((x.start, x.length if x.HasField("length") else FULL) for x in s.extent) for s in e.slices),
    )


class BundleReader:
    """One checkpoint: the index is read and decoded on opening, tensors one by one on request.

    Shared by threads (the reader cache hands one reader to every worker): the lazy caches are
    filled with the same values whoever fills them, by single assignments (atomic under the
    GIL); the shard files are opened under a lock and read by positioned reads, no seek state."""

    native = True
    note: str | None = None  # the TensorFlow fallback says why it was used; this reader never needs to

    def __init__(self, prefix: str | os.PathLike | Location) -> None:
        self.prefix = locate(prefix)  # a Location as it is
        self.index_name = self.prefix.name + ".index"
        self._need: int | None = None
        # A big index stays in columns (formats/listing.py): a million entries are not a million pairs.
        pairs, self._columns = read_index(self.prefix.plus(".index"), self.index_name)
        if not pairs or pairs[0][0] != b"":
            raise CheckpointError(f"{self.index_name} is damaged: it has no bundle header")
        try:
            num_shards, endianness = wire.bundle_header(pairs[0][1])
        except (ValueError, IndexError) as exc:
            raise CheckpointError(f"{self.index_name} is damaged: its header is not a BundleHeaderProto") from exc
        if endianness not in (0, 1):
            raise CheckpointError(f"{self.index_name} is damaged: unknown endianness {endianness}")
        bundle_checks.check_versions(pairs[0][1], self.index_name)
        if num_shards < 0 or num_shards > 1_000_000:
            raise CheckpointError(f"{self.index_name} is damaged: it names {num_shards:,} data shards")
        self.num_shards = num_shards
        self.big_endian = endianness == 1
        self._swap = self.big_endian != (sys.byteorder == "big")  # bytes in the file's order, not ours
        # Entries stay encoded until a tensor is read: listing needs only dtype and shape, which
        # lead every entry (fields 1 and 2) and repeat across entries, so they are decoded once
        # per distinct head. This keeps a 100,000-variable index fast to open.
        self._pairs = pairs
        self._raw: dict[bytes, bytes] | None = None  # key -> encoded entry, made on the first read
        self._names: dict[str, bytes] = {}
        self._decoded: dict[bytes, Entry] = {}
        self._listing = self._list() if self._columns is None else []
        known = [d for _, _, d, _ in self._listing] if self._columns is None else [d for _, d, _ in self._columns.heads]
        unknown = sorted({d for d in known if not dtypes.is_known(d)})
        if unknown:
            raise UnsupportedFormat(f"{self.index_name} holds tensors of DataType {unknown[0]}, unknown to this reader")
        self._files: dict[int, LocalFile] = {}
        self._lock = threading.Lock()
        self._roles: tuple | None = None  # (what the object graph says, or None), read on first ask
        self._variables = None

    def listing(self) -> Listing | None:
        """The variables in columns (ls of a million variables), when the index was read so."""
        return self._columns

    def kinds(self):
        """Each key's kind, path and slot owner from the checkpoint's object graph
        (formats/object_graph.py); None when it has none (a TF1 Saver's): kinds are then read off names."""
        if self._roles is None:
            from ckpt_browser.core.formats.object_graph import read_roles

            self._roles = (read_roles(self),)
        return self._roles[0]

    # -- the protocol -------------------------------------------------------------------------

    def variables(self):
        from ckpt_browser.core.formats.records import VariableEntry

        if self._variables is None:
            if self._columns is not None:
                self._variables = self._columns.entries(VariableEntry)
            else:
                self._variables = [VariableEntry(n, shape, dtype) for n, shape, _, dtype in self._listing]
        return list(self._variables)

    def read(self, name: str) -> np.ndarray:
        """The tensor, its crc32c verified (ChecksumMismatch carries the values when it fails)."""
        entry = self._entry(name)
        if entry.slices:
            return self._assemble(name, entry)
        return self._read_entry(name, entry)

    def entry_info(self, name: str) -> Entry:
        return self._entry(name)

    def check(self, name: str, buffer: bytearray) -> int:
        """Check the stored crc32c of one variable without building its array (what `verify`
        does): its bytes pass through ``buffer``, reused from call to call. Returns the bytes
        checked; raises ChecksumMismatch (without values), OpaqueTensor or CheckpointError."""
        done = 0
        for part in self.parts(name):
            kind = dtypes.base_enum(part.dtype)
            if kind == dtypes.STRING:
                self._read_strings(name, part)
            elif dtypes.itemsize(dtypes.dtype_name(kind)) is None:
                raise OpaqueTensor(f"{name} is a {dtypes.dtype_name(kind)} tensor: its checksum is not checked")
            else:
                crc = self._file(part.shard).checksum(part.offset, part.size, buffer)
                if crc != checksum.unmask(part.crc):
                    raise ChecksumMismatch(
                        f"checksum mismatch in {name}: {self._where(part)} (crc32c {crc:#010x}, "
                        f"the index says {checksum.unmask(part.crc):#010x})",
                        None,
                    )
            done += part.size
        return done

    def parts(self, name: str) -> list[Entry]:
        """The entries holding a variable's bytes: its own, or its slices' (partitioned)."""
        entry = self._entry(name)
        if not entry.slices:
            return [entry]
        key, parts = self._key(name), []
        for extents in entry.slices:
            raw = self._lookup(slice_key(key, extents))
            if raw is None:
                raise CheckpointError(f"{self.index_name} is damaged: a slice of {name} has no entry")
            parts.append(self._decode(slice_key(key, extents), raw))
        return parts

    def problems(self) -> list[str]:  # what verify lists about the index as a whole
        return bundle_checks.key_order((k for k, _ in self._pairs), self.index_name)

    def truncation(self) -> str | None:
        """Whether a data shard is too short for the entries that point into it (no value read)."""
        if self._need is None:  # the index does not change under a reader: summed once
            listed = self._listing  # (in columns: the heads, times how many entries have each)
            need = (max(math.prod(shape), 0) * (dtypes.itemsize(name) or 0) for _, shape, _, name in listed)
            self._need = self._columns.need_bytes() if self._columns is not None else sum(need)
        return truncation_message(self.prefix, self._need, self.num_shards)

    # -- details ------------------------------------------------------------------------------

    def _list(self) -> list[tuple[str, tuple[int, ...], int, str]]:
        """(name, shape, dtype enum, dtype name) of every variable, in tf.train.list_variables' order."""
        heads: dict[bytes, tuple[tuple[int, ...], int, str]] = {}
        out = []
        escaped = False
        try:
            for key, raw in self._pairs:
                if key[:1] == b"\x00" or not key:  # the header, and slices of partitioned tensors
                    continue
                # The usual entry: dtype tag + 1-byte value, shape tag + 1-byte length, shape.
                if len(raw) > 3 and raw[0] == 0x08 and raw[1] < 0x80 and raw[2] == 0x12 and raw[3] < 0x80:
                    head = raw[: 4 + raw[3]]
                else:
                    head = raw[: wire.head_length(raw)]
                known = heads.get(head)
                if known is None:
                    dtype, shape = wire.entry_head(head)
                    known = heads[head] = (shape, dtype, dtypes.dtype_name(dtype))
                try:
                    name = key.decode()
                except UnicodeDecodeError:
                    name, escaped = key.decode("utf-8", "backslashreplace"), True
                    self._names[name] = key  # the only names that are not key.encode()
                out.append((name, *known))
        except (DecodeError, ValueError, IndexError) as exc:  # wire.py's ValueError, a cut entry
            raise CheckpointError(f"{self.index_name} is damaged: an entry is not a BundleEntryProto") from exc
        # Keys come sorted as bytes, which is str order for UTF-8; escaped names may differ.
        if escaped:
            out.sort(key=lambda t: t[0])
        return out

    def _lookup(self, key: bytes) -> bytes | None:
        """The encoded entry of a key, or None."""
        if self._columns is not None:
            return self._columns.find(key)
        if self._raw is None:
            self._raw = dict(self._pairs)
        return self._raw.get(key)

    def _key(self, name: str) -> bytes:
        return self._found(name)[0]

    def _found(self, name: str) -> tuple[bytes, bytes]:
        """(key, encoded entry) of a variable, looked up once."""
        key = self._names.get(name) or name.encode("utf-8", "surrogateescape")
        raw = None if key[:1] == b"\x00" or not key else self._lookup(key)
        if raw is None:
            raise CheckpointError(f"{self.prefix.name} has no variable {name!r}")
        return key, raw

    def _entry(self, name: str) -> Entry:
        return self._decode(*self._found(name))

    def _decode(self, key: bytes, raw: bytes) -> Entry:
        entry = self._decoded.get(key)
        if entry is None:
            try:
                entry = _decode_entry(raw, bundle_protos().BundleEntryProto)
            except DecodeError as exc:
                raise CheckpointError(f"{self.index_name} is damaged: the entry of {key!r} cannot be decoded") from exc
            bundle_checks.check_entry(key, entry, self.index_name)
            self._decoded[key] = entry
        return entry

    def shard_path(self, shard: int) -> Location:
        return self.prefix.plus(f".data-{shard:05d}-of-{self.num_shards:05d}")

    def data_file(self, shard: int) -> LocalFile:
        """The opened data shard, or a CheckpointError saying it is missing."""
        return self._file(shard)

    def _file(self, shard: int) -> LocalFile:
        with self._lock:
            f = self._files.get(shard)
            if f is None:
                if not 0 <= shard < max(self.num_shards, 1):
                    raise CheckpointError(f"{self.index_name} is damaged: an entry names shard {shard}")
                path = self.shard_path(shard)
                if storage_stat(path) is None:
                    raise CheckpointError(
                        f"a data file of {self.prefix.name} is missing: {path.name} "
                        f"(the index names {self.num_shards} shard(s))"
                    )
                f = self._files[shard] = open_file(path)
            return f

    def _where(self, entry: Entry) -> str:
        return f"{self.shard_path(entry.shard).name} at offset {entry.offset:,}"

    def _read_entry(self, name: str, entry: Entry) -> np.ndarray:
        kind = dtypes.base_enum(entry.dtype)
        if kind == dtypes.STRING:
            return self._read_strings(name, entry)
        np_dtype = dtypes.numpy_dtype(kind)
        if np_dtype is None:
            raise OpaqueTensor(
                f"{name} is a {dtypes.dtype_name(kind)} tensor ({entry.size:,} bytes): it has no values to show"
            )
        count = math.prod(entry.shape)
        if count * np_dtype.itemsize != entry.size:
            raise CheckpointError(
                f"{self.index_name} is damaged: {name} is {list(entry.shape)} {np_dtype.name} "
                f"({count * np_dtype.itemsize:,} bytes) but its entry says {entry.size:,} bytes"
            )
        import numpy as np

        bundle_checks.check_fits(self._file(entry.shard), entry, self.shard_path(entry.shard).name)
        raw = np.empty(entry.size, np.uint8)
        crc = [0]

        def add(chunk: memoryview) -> None:
            crc[0] = checksum.of_buffer(chunk, crc[0])

        self._file(entry.shard).read_into(entry.offset, raw.data, add)
        if self._swap and np_dtype.itemsize > 1:
            value = raw.view(np_dtype.newbyteorder()).astype(np_dtype).reshape(entry.shape)
        else:
            value = raw.view(np_dtype).reshape(entry.shape)
        if crc[0] != checksum.unmask(entry.crc):
            raise ChecksumMismatch(
                f"checksum mismatch in {name}: {self._where(entry)} (crc32c {crc[0]:#010x}, "
                f"the index says {checksum.unmask(entry.crc):#010x})",
                value,
            )
        return value

    def _read_strings(self, name: str, entry: Entry) -> np.ndarray:
        """[varint64 len]*n, masked crc32c of the lengths, then the bytes. The crc covers each length
        as a little-endian uint32 (uint64 past 4 GiB, as older writers used uint32), the lengths'
        checksum, then the bytes (tensor_bundle.cc, WriteStringTensor)."""
        import numpy as np

        count = math.prod(entry.shape)
        data = self._file(entry.shard).read(entry.offset, entry.size)
        lengths = []
        pos = 0
        try:
            for _ in range(count):
                n, pos = varint(data, pos)
                if n > len(data):  # a length past the entry's bytes (past 2^64 even): not a string tensor
                    raise ValueError(n)
                lengths.append(n)
        except ValueError:
            raise CheckpointError(f"{name} is damaged: bad string lengths in {self._where(entry)}") from None
        crc = checksum.of_bytes(b"".join(struct.pack("<I" if n <= 0xFFFFFFFF else "<Q", n) for n in lengths))
        stored_lengths_crc = data[pos : pos + 4]
        pos += 4
        ok = len(stored_lengths_crc) == 4 and checksum.unmask(int.from_bytes(stored_lengths_crc, "little")) == crc
        crc = checksum.of_bytes(stored_lengths_crc, crc)
        out = np.empty(count, object)
        for i, n in enumerate(lengths):
            out[i] = data[pos : pos + n]
            pos += n
        crc = checksum.of_bytes(data[pos - sum(lengths) : pos], crc) if lengths else crc
        value = out.reshape(entry.shape)
        if pos != len(data) or not ok or crc != checksum.unmask(entry.crc):
            raise ChecksumMismatch(f"checksum mismatch in {name}: {self._where(entry)}", value)
        return value

    def _assemble(self, name: str, full: Entry) -> np.ndarray:
        """A partitioned variable: the slice entries (keys starting with NUL) put in place."""
        import numpy as np

        key = self._key(name)
        parts = []
        for extents in full.slices:
            raw = self._lookup(slice_key(key, extents))
            if raw is None:
                raise CheckpointError(f"{self.index_name} is damaged: a slice of {name} has no entry")
            parts.append(self._decode(slice_key(key, extents), raw))
        bundle_checks.check_parts(name, full, parts, self.index_name)
        np_dtype = dtypes.numpy_dtype(full.dtype)
        out = np.empty(full.shape, object if np_dtype is None else np_dtype)
        bad: ChecksumMismatch | None = None
        for extents, part in zip(full.slices, parts):
            where = tuple(slice(None) if length == FULL else slice(start, start + length) for start, length in extents)
            try:
                out[where] = self._read_entry(name, part)
            except ChecksumMismatch as exc:
                bad = exc
                out[where] = exc.value
        if bad is not None:
            raise ChecksumMismatch(str(bad), out)
        return out

    def close(self) -> None:
        with self._lock:
            for f in self._files.values():
                f.close()
            self._files.clear()
