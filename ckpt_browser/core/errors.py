"""Exceptions whose message a user can act on."""

from __future__ import annotations

import re

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
