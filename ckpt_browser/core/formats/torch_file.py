"""PyTorch files (.pt, .pth, .bin, .ckpt) without torch: torch.save's zip archive (data.pkl + data/<key>
storages) and the legacy format (_use_new_zipfile_serialization=False: pickles, then the storages),
read by byte ranges from a disk or a bucket. The pickle goes through torch_pickle's restricted
unpickler: tensors and containers are built, any other global is a named placeholder, nothing runs.
A CheckpointReader (formats/reader.py), with check() for verify.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from typing import TYPE_CHECKING

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import raw_tensors, torch_pickle
from ckpt_browser.core.formats.records import VariableEntry
from ckpt_browser.core.formats.variables import MODEL, OPTIMIZER
from ckpt_browser.core.storage import locate, open_file

if TYPE_CHECKING:
    import numpy as np

ZIP_MAGIC = b"PK\x03\x04"
CRC_BLOCK = 8 << 20  # bytes of a storage read at a time for its CRC32
ZIP_NOTE = (
    "PyTorch's zip files store a CRC32 of each storage: verify checked it, each tensor's size and place in "
    "the file, and that its values are finite"
)
PICKLE_MAGIC = b"\x80"
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
# What zipfile raises on a damaged archive: a bad signature, an unknown version or method, an
# encrypted member, a broken deflate stream, a short read.
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError, zlib.error,
              struct.error, KeyError, OverflowError)  # fmt: skip
PICKLE_LIMIT = 256 << 20  # data.pkl of a 70B model is a few MB: a bigger one is refused, not read


class TorchFile:
    """One torch.save file: its tensors by name (state_dict keys; nested containers joined with '/'),
    the globals its pickle names but we did not build (a model's class: shown, never imported)."""

    native = True
    framework = "pytorch"  # diff pairs it with a TF checkpoint by the mapping rules (values/mapping.py)
    note: str | None = None
    verify_note = raw_tensors.NO_CHECKSUMS.format(what="PyTorch's legacy (non-zip) files")

    def __init__(self, path) -> None:
        self.path = path
        self.name = os.path.basename(str(path))
        self._f = open_file(locate(path))  # the registry's Location as it is; a test's path located here
        self.container = ""
        self._big_endian = False
        self._spans: dict[str, tuple[int, int]] = {}  # storage key -> (first byte in the file, bytes held)
        self._problems: list[str] = []
        head = self._f.read(0, min(4, self._f.size))
        if head.startswith(ZIP_MAGIC):
            root = self._open_zip()
        elif head.startswith(PICKLE_MAGIC):
            root = self._open_legacy()
        else:
            raise CheckpointError(f"{self.name} is not a PyTorch file (neither a zip archive nor a pickle)")
        found = torch_pickle.collect(root)
        self.tensors = found.tensors
        self.values = found.values
        self.objects = found.objects
        if self.globals:
            shown = ", ".join(self.globals[:5]) + (", ..." if len(self.globals) > 5 else "")
            self.note = f"its pickle names code that was not imported or run: {shown}"

    # ------------------------------------------------------------------ the two layouts
    def _open_zip(self):
        try:
            archive = zipfile.ZipFile(raw_tensors.stream(self._f))
            infos = archive.infolist()
        except ZIP_ERRORS as exc:
            raise CheckpointError(f"{self.name} is a damaged zip archive: {str(exc)[:200]}") from None
        pickles = sorted((i for i in infos if i.filename.endswith("data.pkl")), key=lambda i: len(i.filename))
        if not pickles:
            raise CheckpointError(f"{self.name} is a zip archive without data.pkl: not a torch.save file")
        pkl = pickles[0]
        root = pkl.filename[: -len("data.pkl")]
        self.container = "zip"
        self.verify_note = ZIP_NOTE
        self._crc_checked: set[str] = set()
        if pkl.file_size > PICKLE_LIMIT:
            raise CheckpointError(f"{self.name}: its data.pkl declares {pkl.file_size:,} bytes: refused")
        by_name = {i.filename: i for i in infos}
        order = by_name.get(root + "byteorder")
        try:
            if order is not None and order.file_size < 16:
                self._big_endian = archive.read(order).strip() == b"big"
            with archive.open(pkl) as member:
                obj, unpickler = torch_pickle.load(member.read(PICKLE_LIMIT), "zip")
        except ZIP_ERRORS as exc:
            raise CheckpointError(f"{self.name}: its data.pkl cannot be read: {str(exc)[:200]}") from None
        self.globals = unpickler.globals
        self.storages = unpickler.storages
        self._members = {key: by_name.get(f"{root}data/{key}") for key in self.storages}
        return obj

    def _open_legacy(self):
        self.container = "legacy"
        s = raw_tensors.stream(self._f)
        magic, _ = torch_pickle.load(s, "legacy")
        if magic != LEGACY_MAGIC_NUMBER:
            raise CheckpointError(f"{self.name} is a pickle, not a PyTorch file: no model or tensors are read from it")
        version, _ = torch_pickle.load(s, "legacy")
        if version != LEGACY_PROTOCOL:
            raise CheckpointError(f"{self.name}: PyTorch's legacy format version {str(version)[:20]} is not read")
        info, _ = torch_pickle.load(s, "legacy")
        if isinstance(info, dict) and info.get("little_endian") is False:
            self._big_endian = True
        obj, unpickler = torch_pickle.load(s, "legacy")
        keys, _ = torch_pickle.load(s, "legacy")
        self.globals = unpickler.globals
        self.storages = unpickler.storages
        self._members = {}
        if not isinstance(keys, list):
            raise CheckpointError(f"{self.name}: its list of storages is {type(keys).__name__}, not a list")
        pos = s.tell()
        for key in keys:  # each: int64 element count, then the bytes
            storage = self.storages.get(str(key))
            if storage is None:
                raise CheckpointError(f"{self.name}: storage {str(key)[:40]} is not named by the pickle")
            if pos + 8 > self._f.size:
                self._problems.append(f"{self.name} is truncated: storage {storage.key} is missing")
                break
            (count,) = struct.unpack("<q", self._f.read(pos, 8))
            if count < 0:
                raise CheckpointError(f"{self.name}: storage {storage.key} declares {count} elements")
            held = min(count * storage.itemsize, self._f.size - pos - 8)
            self._spans[storage.key] = (pos + 8, held)
            pos += 8 + count * storage.itemsize
        return obj

    # ------------------------------------------------------------------ the reader protocol
    def variables(self) -> list[VariableEntry]:
        return [VariableEntry(n, t.shape, t.dtype) for n, t in sorted(self.tensors.items())]

    def kinds(self) -> dict[str, tuple[str, str | None]]:
        """Optimizer state in a training checkpoint ({'optimizer': {'state': ...}}) is the optimizer's."""

        out: dict[str, tuple[str, str | None]] = {}
        for n in self.tensors:
            parts = n.split("/")
            optimizer = parts[0].startswith("optim") and "state" in parts[1:]
            out[n] = (OPTIMIZER, None) if optimizer else (MODEL, None)
        return out

    def _span(self, key: str) -> tuple[int, int]:
        """(first byte in the file, bytes held) of a storage; zip members' local headers read once each."""
        if key in self._spans:
            return self._spans[key]
        info = self._members.get(key)
        if info is None and self.container == "legacy":
            raise CheckpointError(f"{self.name} is truncated: storage {key} is missing")
        if info is None:
            raise CheckpointError(f"{self.name} is damaged: storage data/{key} is not in the archive")
        if info.compress_type != zipfile.ZIP_STORED:
            raise CheckpointError(f"{self.name}: storage data/{key} is compressed; torch.save stores it plain")
        header = self._f.read(info.header_offset, 30)
        if header[:4] != ZIP_MAGIC:
            raise CheckpointError(f"{self.name} is damaged: storage data/{key} has no local header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        held = max(0, min(info.file_size, self._f.size - start))
        self._spans[key] = (start, held)
        return self._spans[key]

    def _place(self, name: str) -> tuple[torch_pickle.TensorRef, int, int]:
        """The tensor, the file offset of its first element and the bytes it spans; checked against
        what its storage holds before anything is allocated."""
        t = self.tensors.get(name)
        if t is None:
            raise CheckpointError(f"{self.name} has no tensor {name!r}")
        start, held = self._span(t.storage.key)
        first = (t.storage.view_offset + t.offset) * t.itemsize
        need = t.extent() * t.itemsize
        if need and first + need > held:
            raise CheckpointError(
                f"{self.name} is damaged or truncated: {name} needs bytes {first:,}..{first + need:,} of "
                f"storage {t.storage.key}, which holds {held:,}"
            )
        return t, start + first, need

    def read(self, name: str) -> np.ndarray:
        t, offset, need = self._place(name)
        raw = self._f.read(offset, need) if need else b""
        strides = None if t.contiguous() else t.stride
        return raw_tensors.decode(raw, t.dtype, t.shape, strides, self._big_endian)

    def truncation(self) -> str | None:
        """Storages that hold less than they declare, from what is known without a read (the
        central directory's sizes and offsets; the legacy layout's counts): listing a remote file
        must not cost a request per storage."""
        if self._problems:
            return self._problems[0]
        short = []
        for key, s in self.storages.items():
            need = s.numel * s.itemsize
            if key in self._spans:
                held = self._spans[key][1]
            elif self._members.get(key) is not None:
                info = self._members[key]
                start = info.header_offset + 30 + len(info.filename.encode())  # at least: the local extra adds
                held = min(info.file_size, max(0, self._f.size - start))
            else:
                held = 0  # named by the pickle, not in the archive
            if held < need:
                short.append(key)
        return (
            f"{self.name} is truncated or damaged: {len(short)} storage(s) hold less than declared" if short else None
        )

    def problems(self) -> list[str]:
        return list(self._problems)

    def check(self, name: str, buffer: bytearray | None = None) -> int:
        """Verify: a zip archive's CRC32 of the tensor's storage (torch.save's zip writer stores one
        per member; neither torch.load nor zipfile's reads of a member by range check it), the tensor
        lies inside its storage, and its values are finite."""
        if self.container == "zip" and name in self.tensors:
            self._check_crc(self.tensors[name].storage.key)
        return raw_tensors.check_values(name, self.read(name))

    def _check_crc(self, key: str) -> None:
        if key in self._crc_checked:  # a storage shared by several tensors: once
            return
        self._crc_checked.add(key)
        info = self._members.get(key)
        if info is None or info.compress_type != zipfile.ZIP_STORED:
            return  # read() names what is wrong
        start, held = self._span(key)
        if held < info.file_size:
            return  # truncated: read() names it
        crc = 0
        for pos in range(start, start + held, CRC_BLOCK):
            crc = zlib.crc32(self._f.read(pos, min(CRC_BLOCK, start + held - pos)), crc)
        if crc != info.CRC:
            raise CheckpointError(
                f"storage data/{key} fails its CRC32 (stored {info.CRC:08x}, computed {crc:08x}): "
                "its bytes changed after torch.save wrote them"
            )

    def close(self) -> None:
        self._f.close()


def open_torch(path) -> TorchFile:
    """The registry's opener for .pt / .pth / .bin / .ckpt files."""
    return TorchFile(path)
