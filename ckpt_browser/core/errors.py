"""Exceptions whose message a user can act on."""

from __future__ import annotations


class CheckpointError(Exception):
    """A checkpoint, model_dir or state file cannot be read as asked.

    The message is shown to the user as it is (status bar, panel, one stderr line),
    so it must say what is wrong and, where possible, with which file.
    """

    def __init__(self, *args: object) -> None:
        # One line, always: a message quoting a file's content (a name with a newline, control
        # characters) is folded here, whoever shows it.
        if args and isinstance(args[0], str):
            args = (" ".join(args[0].split()), *args[1:])
        super().__init__(*args)


class Unreachable(CheckpointError):
    """The server behind a URL could not be asked (refused, unreachable, no answer in time).

    Nothing about the path is known: callers must not try other readings of it (each would
    wait for the same server again -- a timeout is honoured once)."""
