"""The task layer on a Dask distributed cluster (the `[dask]` extra): spans are sent to the
scheduler, each worker reads its byte ranges itself (a bucket through fsspec, with that worker's
own credentials), results come back in order. Dask retries a task whose worker was lost."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ckpt_browser.core.errors import CheckpointError

RETRIES = 3  # a task whose worker died is run again on another, up to this many times


class DaskEngine:
    """A client of the scheduler at ``address`` (tcp://host:8786), or of a Client given."""

    def __init__(self, address: str | None = None, client: Any = None) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise CheckpointError(
                "running on a Dask cluster needs the [dask] extra: pip install 'ckpt-browser[dask]'"
            ) from exc
        if client is None:
            try:
                client = Client(address, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise CheckpointError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        self.client = client
        self.address = address or str(getattr(client, "scheduler", {}) and client.scheduler.address)
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], on_done: Callable[[int], None]) -> Iterator[Any]:
        """fn(item) on the workers, in order; a few tasks per worker in flight (bounded memory:
        results are gathered as they finish, not all at the end)."""
        window: deque = deque()
        limit = 4 * self.workers
        try:
            for i, item in enumerate(items):
                window.append((i, self.client.submit(fn, item, pure=False, retries=RETRIES)))
                if len(window) >= limit:
                    j, fut = window.popleft()
                    yield self._result(j, fut, on_done)
            while window:
                j, fut = window.popleft()
                yield self._result(j, fut, on_done)
        finally:
            for _, fut in window:
                fut.cancel()

    @staticmethod
    def _result(i: int, fut, on_done: Callable[[int], None]):
        result = fut.result()
        on_done(i)
        return result

    def close(self) -> None:
        self.client.close()
