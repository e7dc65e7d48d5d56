"""HDF5 objects checked before they are trusted (in the HDF5 worker, formats/keras_h5.py): a group
where a group belongs, hard links only, datasets of numbers or strings that store the bytes their
shape declares -- so a damaged or hostile file is a message, never a huge allocation or a read of
another file."""

from __future__ import annotations

import lzma
import zipfile
import zlib

from ckpt_browser.core.base.errors import CheckpointError

# What zipfile raises on a damaged archive: bad CRCs and headers, cut streams, unknown methods.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, RuntimeError, OSError)
# What h5py raises on a damaged file (its C errors come as OSError, RuntimeError, KeyError, ValueError).
H5_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError)
MAX_RATIO = 1024  # a chunked (compressed) dataset may declare this many times the bytes it stores


class Damaged(CheckpointError):
    """The file is damaged or was not written by Keras: one line naming the object."""


def _link_kind(group, key: str) -> str | None:
    """None for a hard link (an object of this file); else what the link is."""
    import h5py

    link = group.get(key, getlink=True)
    if link is None or isinstance(link, h5py.HardLink):
        return None
    return "an external link (to another file)" if isinstance(link, h5py.ExternalLink) else "a soft link"


def _where(group, key: str) -> str:
    return f"{group.name.rstrip('/')}/{key}"


def child(group, key: str, file: str):
    """group[key] if it is an object of this file (hard link), else Damaged."""
    kind = _link_kind(group, key)
    if kind is not None:
        raise Damaged(f"{file}: {_where(group, key)} is {kind}, which Keras never writes: refused")
    return group[key]


def subgroup(group, key: str, file: str):
    """The group group[key], None when there is none, Damaged when it is something else."""
    import h5py

    if key not in group:
        return None
    obj = child(group, key, file)
    if not isinstance(obj, h5py.Group):
        raise Damaged(f"{file}: {_where(group, key)} is a dataset where Keras writes a group")
    return obj


def group_items(group, file: str) -> list[str]:
    """The keys of a group, each checked to be a hard link."""
    keys = list(group)
    for key in keys:
        kind = _link_kind(group, key)
        if kind is not None:
            raise Damaged(f"{file}: {_where(group, key)} is {kind}, which Keras never writes: refused")
    return keys


def dataset(group, key: str, file: str):
    """group[key] as a dataset whose type is a tensor's and whose storage holds its shape's bytes."""
    import h5py

    obj = child(group, key, file)
    where = _where(group, key)
    if not isinstance(obj, h5py.Dataset):
        raise Damaged(f"{file}: {where} is a group where Keras writes a dataset")
    dt = obj.dtype
    if dt.kind not in "biufcSOUV" or dt.fields is not None or dt.subdtype is not None:  # V: opaque (bfloat16)
        raise Damaged(f"{file}: {where} holds {dt} values, which are no tensor's (not written by Keras)")
    if dt.kind == "O" and h5py.check_string_dtype(dt) is None:
        raise Damaged(f"{file}: {where} holds HDF5 references or variable-length data, not a tensor")
    shape = obj.shape
    if shape is None:
        raise Damaged(f"{file}: {where} has no shape (an empty HDF5 dataspace)")
    declared = dt.itemsize
    for d in shape:
        declared *= int(d)
    if dt.kind in "biufcV" and declared:
        stored = obj.id.get_storage_size()
        if obj.chunks is None and obj.compression is None:
            ok = stored == declared
        else:
            ok = declared <= max(stored, 1) * MAX_RATIO
        if not ok:
            raise Damaged(
                f"{file}: {where} declares {list(shape)} {dt} ({declared:,} bytes) but the file stores "
                f"{stored:,} bytes for it"
            )
    return obj


def text_attr(attrs, key: str, default: str) -> str:
    """A string attribute, or default when it is missing or of another type."""
    import numpy as np

    if key not in attrs:
        return default
    value = attrs[key]
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else default


def shape_of(ds) -> tuple[int, ...]:
    return tuple(int(d) for d in ds.shape)
