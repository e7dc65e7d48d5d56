"""Plain data files beside a training script, read as data (a part of the interpreter): JSON
(json.load / json.loads), INI (configparser, without interpolation: a value that would interpolate
is named, not guessed) and YAML through PyYAML's safe loader when PyYAML is installed (it builds
only plain values; without it a YAML file is named as not read). Only regular files inside the
script's own folder, at most MAX_DATA_BYTES each; paths as os.path and pathlib spell them, taken
relative to the script's folder as when it is run there. Nothing is ever written or run."""

from __future__ import annotations

import ast
import configparser
import json
import posixpath
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ckpt_browser.core.checks.script_bounds import MAX_ITEMS, deep_count
from ckpt_browser.core.checks.script_names import NOT_HANDLED
from ckpt_browser.core.checks.script_state import PathState
from ckpt_browser.core.checks.script_values import External, Unknown, plain

MAX_DATA_BYTES = 1_000_000
_READ_MODES = {"r", "rt", "rb", "tr", "br"}
_PATH_CALLS = {"join", "dirname", "basename", "abspath", "realpath", "normpath", "expanduser", "splitext", "split"}


@dataclass(frozen=True)
class PathValue:
    """pathlib.Path(...) of a path the script names (relative to its folder)."""

    path: str

    def joinpath(self, other: str) -> PathValue:
        return PathValue(posixpath.join(self.path, other))


@dataclass(frozen=True)
class OpenFile:
    """open(path) of a data file inside the script's folder, for reading."""

    path: str  # as the script names it, relative to its folder


class IniConfig:
    """configparser.ConfigParser() and what .read() loaded into it: sections of strings."""

    def __init__(self, interpolates: bool) -> None:
        self.interpolates = interpolates
        self.parser = configparser.ConfigParser(interpolation=None)

    def section(self, name: str) -> IniSection:
        if name != "DEFAULT" and not self.parser.has_section(name):
            raise KeyError(name)
        return IniSection(self, name)

    __getitem__ = section


@dataclass(frozen=True)
class IniSection:
    config: IniConfig
    name: str

    def __getitem__(self, key: str) -> Any:
        try:
            raw = self.config.parser.get(self.name, key)
        except configparser.Error:
            raise KeyError(key) from None
        if self.config.interpolates and "%" in raw:
            return Unknown(f"{self.name}.{key} = {raw!r}, which uses configparser's interpolation (not followed)")
        return raw

    def section(self) -> None:  # marks it as subscriptable data (script_eval._Subscript)
        return None


class DataFiles:
    """Reading the data files a script loads its configuration from."""

    def __init__(self, state: PathState) -> None:
        self.state = state
        self.source, self.unknown = state.source, state.unknown

    def path_attribute(self, node: ast.AST, obj: Any, name: str) -> Any:
        if isinstance(obj, PathValue):
            if name == "parent":
                return PathValue(posixpath.dirname(obj.path))
            if name in ("name", "stem", "suffix"):
                return getattr(PurePosixPath(obj.path), name)
        return NOT_HANDLED

    def read_data(self, node: ast.AST, path: Any) -> str | Unknown:
        """The text of path (relative to the script's folder), or why it is not read."""
        if isinstance(path, PathValue):
            path = path.path
        if not isinstance(path, str):
            return path if isinstance(path, Unknown) else self.unknown(node)
        folder = self.state.loader.folder
        if folder is None:
            return self.unknown(node, f"the file {path}, and the pasted script has no folder to find it in")
        try:
            base = folder.resolve()
            target = (base / path).resolve()
            if base not in target.parents or not target.is_file():
                return self.unknown(node, f"the file {path}, which is not a file in the script's folder")
            if target.stat().st_size > MAX_DATA_BYTES:
                return self.unknown(node, f"the file {path}, larger than {MAX_DATA_BYTES:,} bytes")
            text = target.read_bytes().decode("utf-8", errors="replace")
        except (OSError, RuntimeError, ValueError):
            return self.unknown(node, f"the file {path}, which cannot be read")
        shown = target.relative_to(base).as_posix()
        if shown not in self.state.data_files:
            self.state.data_files.append(shown)
        return text

    def data_call(self, node: ast.Call, func: External, args: list, kwargs: dict) -> Any:
        path, last = func.path, func.last
        a = plain(args)
        if path.startswith("os.path.") and last in _PATH_CALLS:
            return self.os_path(node, last, a)
        if (
            path in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath")
            or path.endswith(".Path")
            and (path.split(".")[0] == "pathlib")
        ):
            return PathValue(posixpath.join(*a)) if a and all(isinstance(x, str) for x in a) else self.unknown(node)
        if path in ("json.load", "json.loads"):
            text = self.read_data(node, a[0].path) if a and isinstance(a[0], OpenFile) else a[0] if a else None
            return self.parse_data(node, text, "JSON", json.loads)
        if path.startswith("yaml.") and last in ("safe_load", "load", "full_load"):
            text = self.read_data(node, a[0].path) if a and isinstance(a[0], OpenFile) else a[0] if a else None
            return self.parse_data(node, text, "YAML", _yaml_loads())
        if path.startswith("configparser.") and last in ("ConfigParser", "SafeConfigParser", "RawConfigParser"):
            interpolation = plain(kwargs.get("interpolation", ""))
            return IniConfig(last != "RawConfigParser" and interpolation is not None)
        return NOT_HANDLED

    def os_path(self, node: ast.AST, name: str, a: list) -> Any:
        if not a or not all(isinstance(x, str) for x in a) or (name != "join" and len(a) != 1):
            return self.unknown(node)
        if name in ("abspath", "realpath", "normpath", "expanduser"):  # relative to the script's folder, as run there
            return posixpath.normpath(a[0]) if a[0] else a[0]
        if name in ("splitext", "split"):
            return list(posixpath.splitext(a[0]) if name == "splitext" else posixpath.split(a[0]))
        if name == "join":
            return posixpath.join(*a)
        return posixpath.dirname(a[0]) if name == "dirname" else posixpath.basename(a[0])

    def parse_data(self, node: ast.AST, text: Any, kind: str, loads: Any) -> Any:
        if isinstance(text, Unknown):
            return Unknown(f"{self.source(node)}: {text.why}", text.where)
        if not isinstance(text, str):
            return self.unknown(node)
        if loads is None:
            return self.unknown(node, f"{self.source(node)}: a YAML file, which is not read (PyYAML is not installed)")
        if len(text) > MAX_DATA_BYTES:
            return self.unknown(node, f"{self.source(node)}: more than {MAX_DATA_BYTES:,} characters")
        try:
            value = loads(text)
        except RecursionError:
            return self.unknown(node, f"{self.source(node)}: {kind} nested too deeply to read")
        except Exception as exc:  # noqa: BLE001 -- json's and yaml's errors: the file is not plain data
            return self.unknown(node, f"{self.source(node)}: not plain {kind} ({type(exc).__name__})")
        count = deep_count(value, 3 * MAX_ITEMS)
        if count > 3 * MAX_ITEMS:  # YAML aliases: a billion laughs
            return self.unknown(node, f"{self.source(node)}: {kind} too large to read")
        self.state.built += count
        return value

    def data_method(self, node: ast.Call, obj: Any, name: str, args: list, kwargs: dict) -> Any:
        a = plain(args)
        if isinstance(obj, OpenFile) and name in ("read", "__enter__"):
            return self.read_data(node, obj.path) if name == "read" else obj
        if isinstance(obj, PathValue):
            if name in ("read_text", "open"):
                return self.read_data(node, obj.path) if name == "read_text" else OpenFile(obj.path)
            if name in ("resolve", "absolute", "expanduser"):
                return obj
            if name == "joinpath" and a and all(isinstance(x, str) for x in a):
                return PathValue(posixpath.join(obj.path, *a))
            return self.unknown(node)
        if isinstance(obj, IniConfig):
            return self.ini_method(node, obj, name, a, plain(kwargs))
        if isinstance(obj, IniSection):
            return self.ini_method(node, obj.config, name, [obj.name, *a], plain(kwargs))
        return NOT_HANDLED

    def ini_method(self, node: ast.Call, config: IniConfig, name: str, a: list, kw: dict) -> Any:
        if name in ("read", "read_file", "read_string"):
            paths = a[0] if a and isinstance(a[0], (list, tuple)) else a[:1]
            read = []
            for p in paths:
                text = p if name == "read_string" else self.read_data(node, p.path if isinstance(p, OpenFile) else p)
                if isinstance(text, Unknown):
                    if name == "read":  # configparser skips a file it cannot open; we cannot tell which
                        return self.unknown(node, text.why)
                    return text
                try:
                    config.parser.read_string(text)
                except configparser.Error as exc:
                    return self.unknown(node, f"{self.source(node)}: not an INI file ({type(exc).__name__})")
                read.append(p)
            return read
        if name == "sections":
            return config.parser.sections()
        if name in ("has_section", "has_option") and a and all(isinstance(x, str) for x in a):
            return getattr(config.parser, name)(*a)
        convert = {"get": str, "getint": int, "getfloat": float, "getboolean": None}
        if name not in convert or len(a) < 2 or not all(isinstance(x, str) for x in a[:2]):
            return self.unknown(node)
        try:
            raw = config.parser.get(a[0], a[1])
        except (configparser.Error, KeyError):
            if "fallback" in kw:
                return kw["fallback"]
            return self.unknown(node, f"{self.source(node)}: no such option in the INI file")
        if config.interpolates and "%" in raw:
            return self.unknown(node, f"{self.source(node)}: {raw!r} uses configparser's interpolation, not followed")
        try:
            if name == "getboolean":
                return configparser.ConfigParser.BOOLEAN_STATES[raw.lower()]
            return convert[name](raw)  # type: ignore[misc]
        except (KeyError, ValueError):
            return self.unknown(node, f"{self.source(node)}: {raw!r} is not a {name[3:] or 'value'}")


def _yaml_loads() -> Any:
    try:
        import yaml
    except ImportError:
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return lambda text: yaml.load(text, Loader=loader)  # noqa: S506 -- the safe loader: plain values only
