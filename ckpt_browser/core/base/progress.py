"""The progress callback long core functions take: (done, total, what) -- the task runner
passes one that updates the window's progress bar; the CLI prints."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]
