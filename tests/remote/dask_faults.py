"""A fault for tests/remote/test_dask.py, in a module of its own so that Dask's worker processes
can import it: the first worker to start a task of a given function dies on the spot (os._exit,
as a machine lost or an OOM kill would), once per marker file."""

from __future__ import annotations

import os

from dask.utils import key_split
from distributed import WorkerPlugin


class DieOnce(WorkerPlugin):
    def __init__(self, marker: str, function: str) -> None:
        self.marker, self.function = marker, function

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish != "executing" or key_split(key) != self.function:
            return
        try:  # the first of all the workers (and their restarts) to get here, and only it
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, str(key).encode())
        os.close(fd)
        os._exit(1)
