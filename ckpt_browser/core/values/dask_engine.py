"""The task layer on a Dask distributed cluster (the `[dask]` extra): spans are sent to the
scheduler, each worker reads its byte ranges itself (a bucket through fsspec, with that worker's
own credentials), results come back in order. A task whose worker is lost is run again by Dask
(the scheduler's allowed-failures), so a command's answer stays exact."""

from __future__ import annotations

import socket
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from pkgutil import resolve_name  # stdlib: a worker without ckpt-browser can still run it
from typing import Any
from urllib.parse import urlsplit

from ckpt_browser import __version__
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.values.dask_address import check_scheduler, scheduler_address

RETRIES = 3  # a task that raised is run again, up to this many times (a worker that died: Dask's own)

TaskProgress = Callable[[int, int, str], None]  # (tasks done, tasks in all, text)


def connect(address: str, timeout: str = "10s") -> Any:
    """A distributed.Client of the scheduler at address; one clear line, within seconds, when
    none answers there (core/values/dask_address.py checks it first)."""

    try:
        from distributed import Client
    except ImportError as exc:
        raise CheckpointError(
            "running on a Dask cluster needs the [dask] extra: pip install 'ckpt-browser[dask]'"
        ) from exc
    full = scheduler_address(address)
    _knock(full, address)
    check_scheduler(full)
    try:
        return Client(full, timeout=timeout)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise CheckpointError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc


def _knock(full: str, address: str) -> None:
    """A refused or unroutable tcp:// address said at once: the client itself retries until its
    timeout, which for a mistyped port is 10 s of waiting for a sure no."""

    parts = urlsplit(full)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=5).close()
    except OSError as exc:
        raise CheckpointError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}") from exc


class DaskEngine:
    """A client of the scheduler at ``address`` (tcp://host:8786), or of a Client given (the
    window keeps one for its session). progress(done, total, text) hears tasks as they finish on
    the cluster, in whatever order they finish."""

    def __init__(self, address: str | None = None, client: Any = None, progress: TaskProgress | None = None) -> None:
        self._own = client is None
        self.client = client if client is not None else connect(address or "")
        self.address = address or self.client.scheduler.address
        self.progress = progress
        self.workers = 0  # asked of the workers themselves before the first task (check)

    def check(self) -> int:
        """The number of workers, each able to run our tasks: a worker that cannot unpickle a
        task (no ckpt-browser there) dies on it, and Dask would then wait for workers for ever."""

        answers = self.client.run(resolve_name, "ckpt_browser:__version__", on_error="return")
        if not answers:
            raise CheckpointError(f"the Dask scheduler at {self.address} has no workers")
        for worker, got in sorted(answers.items()):
            if isinstance(got, BaseException):
                raise CheckpointError(
                    f"the Dask worker {worker} cannot run ckpt-browser's tasks ({got}): install "
                    "ckpt-browser[dask] and the bucket's fsspec backend where the workers run"
                )
            if got != __version__:
                raise CheckpointError(f"the Dask worker {worker} has ckpt-browser {got}; this is {__version__}")
        self.workers = len(answers)
        return self.workers

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], on_done: Callable[[int], None]) -> Iterator[Any]:
        """fn(item) on the workers, in order; a few tasks per worker in flight (bounded memory:
        results are gathered as they finish, not all at the end)."""
        window: deque = deque()
        finished: set[int] = set()
        limit = 4 * (self.workers or self.check())
        try:
            for i, item in enumerate(items):
                window.append((i, self.client.submit(fn, item, pure=False, retries=RETRIES)))
                if len(window) >= limit:
                    yield self._result(window, finished, on_done, len(items))
            while window:
                yield self._result(window, finished, on_done, len(items))
        finally:
            for _, fut in window:
                fut.cancel()

    def _result(self, window: deque, finished: set[int], on_done: Callable[[int], None], n: int):
        """The oldest task's result; meanwhile every task in flight that finishes is counted at
        once (the cluster's task stream), not when its turn in the order comes."""
        from distributed import wait

        j, fut = window[0]
        while True:
            for i, f in window:
                if i not in finished and f.done():
                    finished.add(i)
                    on_done(i)
                    if self.progress is not None:
                        self.progress(len(finished), n, f"tasks done on {self.address}")
            if fut.done():
                break
            wait([f for i, f in window if i not in finished], return_when="FIRST_COMPLETED")
        window.popleft()

        from distributed import KilledWorker

        try:
            return fut.result()
        except (OSError, TimeoutError, CancelledError, KilledWorker) as exc:
            # The cluster, not the checkpoint: a scheduler gone, a task that killed every worker
            # it was given (Dask's allowed-failures), a future cancelled by a restart.
            text = str(exc) or type(exc).__name__
            raise CheckpointError(f"the Dask cluster at {self.address} failed: {text}") from exc
        except ImportError as exc:  # a worker without the bucket's fsspec backend installed
            raise CheckpointError(
                f"the workers of {self.address} cannot run the tasks: {exc} (install ckpt-browser[dask] "
                "and the bucket's fsspec backend where they run)"
            ) from exc

    def close(self) -> None:
        if self._own:
            self.client.close()
