"""Exceptions whose message a user can act on."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import Any, TypeVar, cast

_USERINFO_RE = re.compile(r"\b([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#@\s]*@")


def redact(text: object) -> str:
    """The text with user:password@ taken out of every URL in it (http://user:pw@host/x ->
    http://host/x): what is shown, in errors, headers and JSON."""
    return _USERINFO_RE.sub(r"\1", str(text))


class CheckpointError(Exception):
    """A checkpoint, model_dir or state file cannot be read as asked.

    The message is shown to the user as it is (status bar, panel, one stderr line),
    so it must say what is wrong and, where possible, with which file.
    """

    def __init__(self, *args: object) -> None:
        # One line, always: a message quoting a file's content (a name with a newline, control
        # characters) is folded here, whoever shows it.
        # Credentials in a URL the user gave (http://user:pw@host/...) are never shown back.
        if args and isinstance(args[0], str):
            args = (redact(" ".join(args[0].split())), *args[1:])
        super().__init__(*args)


class Unreachable(CheckpointError):
    """The server behind a URL could not be asked (refused, unreachable, no answer in time).

    Nothing about the path is known: callers must not try other readings of it (each would
    wait for the same server again -- a timeout is honoured once)."""


def exhausted(exc: RecursionError | MemoryError, names: list[str] | None = None) -> CheckpointError:
    """The one line for input that used up Python's stack (nesting 200,000 deep) or the memory
    (a bomb): bad input like any other, said as such. names: the inputs given (paths, specs)."""
    subject = f"cannot read {' / '.join(names)}" if names else "cannot read the input"
    if isinstance(exc, RecursionError):
        return CheckpointError(f"{subject}: nested too deeply (beyond Python's recursion limit)")
    return CheckpointError(f"{subject}: reading it needs more memory than there is")


F = TypeVar("F", bound=Callable[..., Any])


def checkpoint_errors_only(func: F) -> F:
    """For the API's entry points (api.py): input that exhausts the stack or the memory raises
    CheckpointError (see exhausted()), never RecursionError or MemoryError."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (RecursionError, MemoryError) as exc:
            raise exhausted(exc, input_names([*args, *kwargs.values()])) from None

    return cast(F, wrapper)


def input_names(values: list[Any]) -> list[str]:
    """The arguments that name an input (paths, URLs, specs), shortened for one line."""

    out = []
    for value in values:
        if isinstance(value, (str, os.PathLike)):
            text = os.path.basename(os.fspath(value).rstrip("/\\")) or os.fspath(value)
            text = " ".join(str(text).split())
            out.append(text if len(text) <= 60 else text[:57] + "...")
    return out
