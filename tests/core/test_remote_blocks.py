"""A bucket's blocks are fetched once, however many threads want them at the same moment (health's
workers read neighbouring tensors of one data file side by side: each used to fetch the block)."""

from __future__ import annotations

import threading
import time

import fsspec
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage import locate, remote

DATA = bytes(range(256)) * (3 * remote.BLOCK // 256 + 7)  # three blocks and a bit


@pytest.fixture
def slow_file(monkeypatch):
    """A RemoteFile on memory:// whose every ranged read takes 0.2 s; the ranges asked, in order."""
    fs = fsspec.filesystem("memory")
    fs.pipe("/blocks/data", DATA)
    remote.clear_blocks()
    f = remote.RemoteFile(locate("memory://blocks/data"))
    asked: list[tuple[int, int]] = []
    real = f.path.fs.cat_file

    def slow(path, start=None, end=None, **kw):
        asked.append((start, end))
        time.sleep(0.2)  # longer than it takes every thread to reach the same block
        return real(path, start=start, end=end, **kw)

    monkeypatch.setattr(f.path.fs, "cat_file", slow)
    yield f, asked
    remote.clear_blocks()
    fs.rm("/blocks", recursive=True)


def _side_by_side(f, ranges):
    start = threading.Barrier(len(ranges))
    got: dict[int, bytes] = {}

    def read(j, offset, size):
        start.wait()
        got[j] = f.read(offset, size)

    threads = [threading.Thread(target=read, args=(j, *r)) for j, r in enumerate(ranges)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return [got[j] for j in range(len(ranges))]


def test_threads_reading_the_same_blocks_fetch_each_block_once(slow_file):
    f, asked = slow_file
    b = remote.BLOCK
    # Four readers of neighbouring tensors: one in block 0, one across blocks 0-1, two in block 1-2.
    ranges = [(8, 256), (b - 100, 300), (b + 10, b), (2 * b + 5, 700)]
    values = _side_by_side(f, ranges)
    assert values == [DATA[o : o + n] for o, n in ranges]
    fetched = sorted(i for s, e in asked for i in range(s // b, (e - 1) // b + 1))
    assert fetched == [0, 1, 2], asked  # each block once: no range asked twice, none overlapping
    assert f.read(0, 3 * b) == DATA[: 3 * b] and len(asked) == len(set(asked))  # from the cache now


def test_a_fetch_that_failed_is_fetched_again_by_the_thread_that_waited(slow_file, monkeypatch):
    f, asked = slow_file
    fetch = f.path.fs.cat_file
    failed: list[int] = []

    def first_fails(path, start=None, end=None, **kw):
        if not failed:
            failed.append(start)
            time.sleep(0.2)
            raise OSError("connection reset")
        return fetch(path, start=start, end=end, **kw)

    monkeypatch.setattr(f.path.fs, "cat_file", first_fails)
    errors: list[str] = []
    values: list[bytes] = []

    def read():
        try:
            values.append(f.read(100, 50))
        except CheckpointError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(errors) == 1 and "connection reset" in errors[0], errors  # the one whose request failed
    assert values == [DATA[100:150]]
    assert [s for s, _ in asked] == [0]  # the other fetched block 0 itself, once
