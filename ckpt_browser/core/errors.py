"""Exceptions whose message a user can act on."""

from __future__ import annotations


class CheckpointError(Exception):
    """A checkpoint, model_dir or state file cannot be read as asked.

    The message is shown to the user as it is (status bar, panel, one stderr line),
    so it must say what is wrong and, where possible, with which file.
    """
