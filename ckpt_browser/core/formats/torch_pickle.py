"""A restricted unpickler for PyTorch's pickles: it builds tensors (as references to storage bytes),
storages, ordered dicts and plain containers, and nothing else. Every other global a pickle names
(a model's class, os.system, builtins.eval) becomes a named placeholder: never imported, never called.

Safety rests on one fact of the pickle machine: the only callables a pickle can reach come from
find_class (GLOBAL, STACK_GLOBAL, INST, OBJ, EXT*), and ours answers only with the classes below.
REDUCE and NEWOBJ then call one of ours; BUILD sets state on one of ours.
"""

from __future__ import annotations

import io
import math
import pickle
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ckpt_browser.core.base.errors import CheckpointError

# torch.<X>Storage -> (our dtype name, bytes per element)
STORAGE_DTYPES: dict[str, tuple[str, int]] = {
    "DoubleStorage": ("float64", 8), "FloatStorage": ("float32", 4), "HalfStorage": ("float16", 2),
    "LongStorage": ("int64", 8), "IntStorage": ("int32", 4), "ShortStorage": ("int16", 2),
    "CharStorage": ("int8", 1), "ByteStorage": ("uint8", 1), "BoolStorage": ("bool", 1),
    "BFloat16Storage": ("bfloat16", 2), "ComplexDoubleStorage": ("complex128", 16),
    "ComplexFloatStorage": ("complex64", 8), "UntypedStorage": ("uint8", 1),
    "QInt8Storage": ("qint8", 1), "QUInt8Storage": ("quint8", 1), "QInt32Storage": ("qint32", 4),
}  # fmt: skip
# torch.<dtype> globals (_rebuild_tensor_v3's dtype argument) -> (our dtype name, bytes per element)
TORCH_DTYPES: dict[str, tuple[str, int]] = {
    "float64": ("float64", 8), "double": ("float64", 8), "float32": ("float32", 4), "float": ("float32", 4),
    "float16": ("float16", 2), "half": ("float16", 2), "bfloat16": ("bfloat16", 2),
    "int64": ("int64", 8), "long": ("int64", 8), "int32": ("int32", 4), "int": ("int32", 4),
    "int16": ("int16", 2), "short": ("int16", 2), "int8": ("int8", 1), "uint8": ("uint8", 1),
    "uint16": ("uint16", 2), "uint32": ("uint32", 4), "uint64": ("uint64", 8), "bool": ("bool", 1),
    "complex64": ("complex64", 8), "complex128": ("complex128", 16),
    "float8_e4m3fn": ("float8_e4m3fn", 1), "float8_e5m2": ("float8_e5m2", 1),
    "float8_e4m3fnuz": ("float8_e4m3fnuz", 1), "float8_e5m2fnuz": ("float8_e5m2fnuz", 1),
    "float8_e8m0fnu": ("float8_e8m0fnu", 1), "cfloat": ("complex64", 8), "cdouble": ("complex128", 16),
    # listed with their shape, not decoded (numpy has no such type)
    "complex32": ("complex32", 4), "chalf": ("complex32", 4), "float4_e2m1fn_x2": ("float4_e2m1fn_x2", 1),
    "bits8": ("bits8", 1), "bits16": ("bits16", 2), "bits1x8": ("bits1x8", 1), "bits2x4": ("bits2x4", 1),
    "bits4x2": ("bits4x2", 1),
}  # fmt: skip
MAX_DIMS = 64


def _no_state(self, state: Any) -> None:
    """BUILD on one of our own records: a pickle must not rewrite a shape, size or dtype."""
    raise CheckpointError(f"its pickle sets the state of a {type(self).__name__.strip('_')}: refused")


def _by_fields(self) -> tuple:
    """Pickled (a worker process, a cache) by constructor arguments: no state to set on loading."""
    return type(self), tuple(getattr(self, name) for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class Storage:
    """A storage a pickle names by persistent id: its key (a zip member data/<key>, or a legacy
    file's storage key), dtype, declared element count; view: (offset, size) in elements, legacy only."""

    key: str
    dtype: str
    itemsize: int
    numel: int
    view_offset: int = 0

    __setstate__ = _no_state
    __reduce__ = _by_fields


@dataclass
class TensorRef:
    """A tensor as the pickle describes it: no bytes read."""

    storage: Storage
    offset: int  # in elements of dtype
    shape: tuple[int, ...]
    stride: tuple[int, ...]
    dtype: str
    itemsize: int
    parameter: bool = False

    __setstate__ = _no_state
    __reduce__ = _by_fields

    def extent(self) -> int:
        """Elements of the storage the tensor spans from its offset (0 when empty)."""
        if any(d == 0 for d in self.shape):
            return 0
        return 1 + sum((d - 1) * s for d, s in zip(self.shape, self.stride))

    def contiguous(self) -> bool:
        expected = 1
        for d, s in zip(reversed(self.shape), reversed(self.stride)):
            if d != 1 and s != expected:
                return False
            expected *= d
        return True


class PlaceholderObject:
    """A global the pickle names that we do not build is a subclass of this, made on the spot and
    named after it (`qualified`), never imported. Calling it (REDUCE, NEWOBJ, INST, OBJ) runs nothing:
    it keeps the arguments, and BUILD's state."""

    qualified = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> PlaceholderObject:
        obj = object.__new__(cls)
        obj.args = args
        obj.state = None
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args: tuple = args
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __repr__(self) -> str:
        return f"<{self.qualified} (not imported, not run)>"

    @property
    def class_name(self) -> str:
        """The class a copyreg._reconstructor pickle names (nn.Module subclasses), else our own."""
        first = self.args[0] if self.args else None
        if isinstance(first, type) and issubclass(first, PlaceholderObject):
            return first.qualified
        return self.qualified


def is_placeholder(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, PlaceholderObject)


class _DtypeMarker:
    __slots__ = ("name", "size")
    __setstate__ = _no_state

    def __init__(self, name: str, size: int) -> None:
        self.name, self.size = name, size


class _StorageClass:
    __slots__ = ("name", "dtype", "size")
    __setstate__ = _no_state

    def __init__(self, name: str, dtype: str, size: int) -> None:
        self.name, self.dtype, self.size = name, dtype, size


def _shape(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or len(value) > MAX_DIMS or not all(isinstance(d, int) for d in value):
        raise CheckpointError(f"a tensor's {what} is not a tuple of integers: {str(value)[:80]}")
    if any(d < 0 for d in value) and what == "shape":
        raise CheckpointError(f"a tensor's shape {list(value)} has a negative dimension")
    return tuple(value)


def rebuild_tensor(storage, offset, size, stride, *_rest, dtype: _DtypeMarker | None = None) -> TensorRef:
    if not isinstance(storage, Storage):
        raise CheckpointError(f"a tensor names {type(storage).__name__}, not a storage")
    if not isinstance(offset, int) or offset < 0:
        raise CheckpointError(f"a tensor's storage offset is {str(offset)[:40]}")
    shape, strides = _shape(size, "shape"), _shape(stride, "stride")
    if len(shape) != len(strides):
        raise CheckpointError(f"a tensor's shape {list(shape)} and stride {list(strides)} differ in length")
    name, size_ = (dtype.name, dtype.size) if dtype is not None else (storage.dtype, storage.itemsize)
    return TensorRef(storage, offset, shape, strides, name, size_)


def rebuild_tensor_v3(storage, offset, size, stride, requires_grad=False, hooks=None, dtype=None, *rest):
    if not isinstance(dtype, _DtypeMarker):
        raise CheckpointError("a tensor names no dtype it can be read as")
    return rebuild_tensor(storage, offset, size, stride, dtype=dtype)


def rebuild_parameter(data, *_rest) -> Any:
    if isinstance(data, TensorRef):
        data.parameter = True
    return data


def rebuild_from_type(func, new_type, args, state=None) -> Any:
    """torch._tensor._rebuild_from_type_v2: a tensor subclass; the inner call is one of ours or not run."""
    if func in _BUILT.values() and isinstance(args, tuple):
        return func(*args)
    return _placeholder("torch._tensor._rebuild_from_type_v2")(func, new_type)


def _encode(text, encoding="latin1") -> bytes:
    """_codecs.encode, which protocol 2 uses for bytes: latin-1 text only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise CheckpointError("a pickle asks _codecs.encode for something other than latin-1 text")
    return text.encode("latin-1")


_BUILT: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor"): rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v3"): rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): rebuild_from_type,
    ("_codecs", "encode"): _encode,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("__builtin__", "set"): set,
}


MAX_GLOBALS = 10_000


def _placeholder(dotted: str) -> type[PlaceholderObject]:
    return type(dotted, (PlaceholderObject,), {"qualified": dotted})


class RestrictedUnpickler(pickle.Unpickler):
    """pickle's own machine with find_class answering only from _BUILT, storages and dtypes;
    persistent ids become Storage records. globals: every name it met and did not build."""

    def __init__(self, file, persistent_kind: str = "zip") -> None:
        super().__init__(file, encoding="utf-8")
        self.kind = persistent_kind
        self.globals: list[str] = []
        self.storages: dict[str, Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        module, name = str(module), str(name)
        if (module, name) in _BUILT:
            return _BUILT[(module, name)]
        if module in ("torch", "torch.storage", "torch.cuda") and name in STORAGE_DTYPES:
            return _StorageClass(name, *STORAGE_DTYPES[name])
        if module == "torch" and name in TORCH_DTYPES:
            return _DtypeMarker(*TORCH_DTYPES[name])
        dotted = f"{module}.{name}"[:200]
        if dotted not in self.globals:
            if len(self.globals) >= MAX_GLOBALS:
                raise CheckpointError(f"its pickle names more than {MAX_GLOBALS:,} globals")
            self.globals.append(dotted)
        return _placeholder(dotted)

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, tuple) or not pid:
            raise CheckpointError(f"an unknown persistent id in the pickle: {str(pid)[:80]}")
        kind = pid[0].decode("ascii", "replace") if isinstance(pid[0], bytes) else str(pid[0])
        if kind == "module" and self.kind == "legacy":
            return pid[1] if len(pid) > 1 else None
        if kind != "storage" or len(pid) < 5:
            raise CheckpointError(f"an unknown persistent id in the pickle: {str(pid)[:80]}")
        cls, key, numel = pid[1], str(pid[2]), pid[4]
        if not isinstance(cls, _StorageClass):
            raise CheckpointError(f"a storage of an unknown type: {str(cls)[:80]}")
        if not isinstance(numel, int) or numel < 0:
            raise CheckpointError(f"storage {key} declares {str(numel)[:40]} elements")
        view = pid[5] if len(pid) > 5 else None
        storage = self.storages.setdefault(key, Storage(key, cls.dtype, cls.size, numel))
        if view is not None and isinstance(view, tuple) and len(view) == 3:  # (view key, offset, size)
            vkey, voffset = str(view[0]), view[1]
            if isinstance(voffset, int) and voffset >= 0:
                return Storage(key, cls.dtype, cls.size, numel, view_offset=voffset)
            raise CheckpointError(f"storage view {vkey} has offset {str(voffset)[:40]}")
        return storage


# Protocol 5's out-of-band buffers: BYTEARRAY8 makes pickle allocate the size it declares before
# reading a byte; torch.save never writes these.
_REFUSED = {"BYTEARRAY8", "NEXT_BUFFER", "READONLY_BUFFER"}


def _prescan(stream) -> None:
    """Walk the pickle's opcodes (pickletools: nothing built) before pickle's machine runs it:
    declared sizes are checked against the bytes there are, and buffer opcodes refused."""
    import pickletools

    start = stream.tell()
    try:
        for op, _, _ in pickletools.genops(stream):
            if op.name in _REFUSED:
                raise CheckpointError(f"its pickle uses {op.name}, which torch.save never writes: refused")
    except CheckpointError:
        raise
    except Exception as exc:  # noqa: BLE001 -- pickletools raises ValueError and others on damage
        raise CheckpointError(f"its pickle cannot be read: {str(exc)[:200]}") from None
    stream.seek(start)


def load(data: bytes | io.BufferedIOBase, kind: str = "zip") -> tuple[Any, RestrictedUnpickler]:
    """The object a pickle describes, built from our classes only; a CheckpointError if it is no pickle."""
    import warnings

    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    unpickler = RestrictedUnpickler(stream, kind)
    try:
        # Protocol 0's STRING decodes escapes; a file's invalid one is its problem, not a warning of ours.
        with warnings.catch_warnings(action="ignore", category=DeprecationWarning):
            _prescan(stream)
            return unpickler.load(), unpickler
    except CheckpointError:
        raise
    except RecursionError:
        raise CheckpointError("its pickle is nested too deeply to read") from None
    except MemoryError:
        raise CheckpointError("its pickle asks for more memory than there is") from None
    except Exception as exc:  # noqa: BLE001 -- any malformed pickle: pickle raises many types
        raise CheckpointError(f"its pickle cannot be read: {type(exc).__name__}: {str(exc)[:200]}") from None


@dataclass
class Found:
    """What a loaded pickle holds: tensors by name, other leaves (numbers, text), unbuilt objects."""

    tensors: dict[str, TensorRef] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    objects: dict[str, str] = field(default_factory=dict)  # path -> the placeholder class's name


MAX_NODES = 1_000_000
MAX_PATH = 10_000  # characters of a tensor's name


def collect(root: Any) -> Found:
    """Tensors of a loaded pickle by name: dict keys and list indices joined with '/', a whole
    nn.Module (a placeholder object with _parameters / _buffers / _modules) named as its state_dict
    is ('body.0.weight'). Iterative, each container visited once (pickles may share or loop)."""
    found = Found()
    seen: set[int] = set()
    stack: list[tuple[str, Any, bool]] = [("", root, False)]  # (path, object, inside a module: '.' joins)
    nodes = 0
    while stack:
        path, obj, dotted = stack.pop()
        nodes += 1
        if len(path) > MAX_PATH:  # a name grows with the nesting: bounded before it costs depth squared
            raise CheckpointError(f"its pickle nests containers too deeply to name ({path[:60]}...)")
        if nodes > MAX_NODES:
            raise CheckpointError(f"its pickle holds more than {MAX_NODES:,} objects")
        if isinstance(obj, TensorRef):
            found.tensors.setdefault(path, obj)
            continue
        if isinstance(obj, (int, float, str, bool, bytes, type(None))):
            if path and len(found.values) < 1000:
                found.values[path] = repr(obj)[:80]
            continue
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        sep = "." if dotted else "/"

        def join(key: Any, sep: str = sep, path: str = path) -> str:
            return f"{path}{sep}{key}" if path else str(key)

        if isinstance(obj, PlaceholderObject):
            found.objects[path or "(root)"] = obj.class_name
            state = obj.state
            if isinstance(state, dict) and ("_parameters" in state or "_modules" in state):
                children: list[tuple[str, Any, bool]] = []
                for part in ("_parameters", "_buffers"):
                    items = state.get(part)
                    if isinstance(items, dict):
                        children += [(join(k, "."), v, True) for k, v in items.items() if v is not None]
                modules = state.get("_modules")
                if isinstance(modules, dict):
                    children += [(join(k, "."), v, True) for k, v in modules.items() if v is not None]
                stack.extend(reversed(children))
            elif state is not None:
                stack.append((path, state, dotted))
            continue
        if isinstance(obj, dict):
            stack.extend(reversed([(join(k), v, False) for k, v in obj.items()]))
        elif isinstance(obj, (list, tuple)):
            stack.extend(reversed([(join(i), v, False) for i, v in enumerate(obj)]))
    return found


def declared_bytes(t: TensorRef) -> int:
    return math.prod(t.shape) * t.itemsize
