"""Command-line flags in a training script (a part of the interpreter): argparse -- arguments, their
defaults with type= applied to string defaults as argparse does, set_defaults, sub-commands (each
one a path, since only the command line chooses) -- and absl's DEFINE_*, FLAGS.set_default and
flag holders. A default is a Flag: a run may change it, so conditions on it stay open."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Protocol

from ckpt_browser.core.checks.script_names import NOT_HANDLED, Attr, Builtin
from ckpt_browser.core.checks.script_state import PathState
from ckpt_browser.core.checks.script_values import (
    ArgParser,
    External,
    Flag,
    FlagValues,
    Function,
    Namespace,
    Unknown,
    plain,
)

_CONVERT = {"int": int, "float": float, "str": str, "bool": bool}
# absl FlagValues methods that read or parse and change no default
_FLAGS_READS = {"is_parsed", "mark_as_parsed", "unparse_flags", "get_flag_value", "flag_values_dict", "__call__",
                "append_flag_values", "find_module_defining_flag", "get_help", "main_module_help"}  # fmt: skip
_FLAGS_WRITES = {"set_default", "__setattr__", "__delattr__", "__setitem__", "remove_flag_values", "set_gnu_getopt",
                 "_set_unknown_flag", "register_flag_by_module", "read_flags_from_files"}  # fmt: skip


@dataclass(eq=False)
class SubParsers:
    """What add_subparsers() returns: the sub-commands' parsers, by name."""

    parent: ArgParser
    dest: str | None
    parsers: dict[str, ArgParser] = field(default_factory=dict)


@dataclass(eq=False)
class FlagHolder:
    """What absl's DEFINE_* returns: .value is the flag's."""

    name: str


class Invoker(Protocol):
    def invoke(self, func: Function, args: list, kwargs: dict, node: ast.AST) -> Any: ...


class Picker(Protocol):
    def pick(self, node: ast.AST, options: list[str], what: str) -> int: ...


class Flags:
    """argparse and absl, as far as the defaults a run starts from. A type= that is the script's own
    function is run by the invoker (script_calls.Calls); each sub-command is a path the picker
    (script_statements.Statements) chooses."""

    def __init__(self, state: PathState) -> None:
        self.state = state
        self.where, self.source, self.unknown = state.where, state.source, state.unknown

    def connect(self, invoker: Invoker, picker: Picker) -> None:
        self.invoker, self.picker = invoker, picker

    def flag_method(self, node: ast.Call, obj: Any, name: str, args: list, kwargs: dict) -> Any:
        if isinstance(obj, ArgParser):
            return self.argparse(node, obj, name, args, kwargs)
        if isinstance(obj, SubParsers):
            if name == "add_parser" and args and isinstance(plain(args[0]), str):
                made = ArgParser()
                obj.parsers[plain(args[0])] = made
                return made
            return None
        if isinstance(obj, FlagValues):
            if name == "set_default" and len(args) == 2 and isinstance(plain(args[0]), str):
                self.set_flag_default(node, plain(args[0]), args[1])
                return None
            if name in _FLAGS_READS:
                return dict(obj.values) if name == "flag_values_dict" else None
            self.state.taint(obj, self.unknown(node, f"the flags after {self.source(node)}, which is not followed"))
            return self.unknown(node)
        if isinstance(obj, FlagHolder) and name == "present":
            return self.unknown(node)
        return NOT_HANDLED

    def set_flag_default(self, node: ast.AST, name: str, value: Any) -> None:
        if name in self.state.flag_values.values:
            v = plain(value)
            self.state.flag_values.values[name] = v if isinstance(v, Unknown) else Flag(v, f"--{name}")
        else:
            self.state.flag_values.values[name] = self.unknown(node, f"the flag --{name}, set before it is defined")

    def flag_attribute(self, node: ast.AST, obj: Any, name: str) -> Any:
        if isinstance(obj, FlagValues) and name not in obj.values and name in _FLAGS_READS | _FLAGS_WRITES:
            return Attr(obj, name)  # a method of FLAGS: flag_method calls it
        if isinstance(obj, FlagHolder) and name in ("value", "default"):
            self.state.touched_flag = True
            return self.state.flag_values.values.get(obj.name, self.unknown(node))
        if isinstance(obj, FlagHolder) and name == "name":
            return obj.name
        return NOT_HANDLED

    def absl_call(self, node: ast.Call, func: External, args: list, kwargs: dict) -> Any:
        """flags.DEFINE_*, flags.set_default(holder, value); NOT_HANDLED for anything else."""
        last = func.last
        if last.startswith("DEFINE_"):
            return self.absl_define(node, last, args, kwargs)
        if last == "set_default" and len(args) == 2 and isinstance(args[0], FlagHolder):
            self.set_flag_default(node, args[0].name, args[1])
            return None
        return NOT_HANDLED

    def argparse(self, node: ast.Call, parser: ArgParser, name: str, args: list, kwargs: dict) -> Any:
        if name == "add_argument":
            flags = [x for x in plain(args) if isinstance(x, str)]
            dest = plain(kwargs.get("dest")) or next((f.lstrip("-") for f in flags if f.startswith("--")), None)
            dest = dest or (flags[0].lstrip("-") if flags else None)
            if not isinstance(dest, str):
                return None
            dest = dest.replace("-", "_")
            action = plain(kwargs.get("action"))
            if "default" in kwargs:
                default = self.typed(node, dest, plain(kwargs["default"]), kwargs.get("type"))
            elif action in ("store_true", "store_false"):
                default = action == "store_false"
            else:
                default = Unknown(f"the flag --{dest}, which has no default", self.where(node))
            parser.defaults[dest] = default if isinstance(default, Unknown) else Flag(default, f"--{dest}")
            return None
        if name in ("add_argument_group", "add_mutually_exclusive_group"):
            return parser
        if name == "add_subparsers":
            dest = plain(kwargs.get("dest"))
            parser.subparsers = SubParsers(parser, dest if isinstance(dest, str) else None)  # type: ignore[attr-defined]
            return parser.subparsers  # type: ignore[attr-defined]
        if name == "set_defaults":  # a flag's new default stays a flag; anything else (func=train) is fixed
            for k, v in kwargs.items():
                parser.defaults[k] = Flag(plain(v), f"--{k}") if k in parser.defaults else v
            return None
        if name in ("parse_args", "parse_known_args"):
            values = self.parsed(node, parser)
            return values if name == "parse_args" else (values, [])
        return None

    def parsed(self, node: ast.AST, parser: ArgParser) -> Namespace:
        """The namespace a run with no arguments but the sub-command starts from; each sub-command a path."""
        values = dict(parser.defaults)
        subs: SubParsers | None = getattr(parser, "subparsers", None)
        if subs is not None and subs.parsers:
            names = list(subs.parsers)
            chosen = names[self.picker.pick(node, names, "sub-command")]
            if subs.dest:
                values[subs.dest] = chosen
            values.update(self.parsed(node, subs.parsers[chosen]).values)
        return Namespace(values)

    def typed(self, node: ast.AST, dest: str, default: Any, kind: Any) -> Any:
        """argparse applies type= to a default given as a string (and only then)."""
        if not isinstance(default, str) or kind is None:
            return default
        if isinstance(kind, Builtin) and kind.name in _CONVERT:
            try:
                return _CONVERT[kind.name](default)
            except ValueError:
                return self.unknown(node, f"the flag --{dest}'s default {default!r}, which type={kind.name} refuses")
        if isinstance(kind, Function):
            return plain(self.invoker.invoke(kind, [default], {}, node))
        what = kind.path if isinstance(kind, External) else self.source(node)
        return self.unknown(node, f"the flag --{dest}'s default {default!r} through type={what}")

    def absl_define(self, node: ast.Call, kind: str, args: list, kwargs: dict) -> Any:
        a = plain(args)
        name = a[0] if a else plain(kwargs.get("name"))
        if not isinstance(name, str):
            return None
        default = a[1] if len(a) > 1 else plain(kwargs.get("default"))
        if kind in ("DEFINE_list", "DEFINE_spaceseplist") and isinstance(default, str):
            default = [p.strip() for p in default.split("," if kind == "DEFINE_list" else None) if p.strip()]
        if kind in ("DEFINE_integer", "DEFINE_float") and isinstance(default, str):  # absl parses a string default
            try:
                default = int(default) if kind == "DEFINE_integer" else float(default)
            except ValueError:
                default = Unknown(f"the flag --{name}'s default {default!r}", self.where(node))
        if default is None:
            value: Any = Unknown(f"the flag --{name}, which has no default", self.where(node))
        else:
            value = default if isinstance(default, Unknown) else Flag(default, f"--{name}")
        self.state.flag_values.values[name] = value
        return FlagHolder(name)
