"""The task runner: work superseded before it starts is never run; a result that went stale is
dropped; one poll per watched folder is under way at a time."""

from __future__ import annotations

import threading

from ckpt_browser.core.storage import locate
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.watcher import ModelDirWatcher


def test_superseded_work_never_runs_and_only_the_newest_result_arrives(qtbot):
    runner = TaskRunner()
    gate = threading.Event()
    ran: list[int] = []
    results: list[int] = []
    runner.submit(gate.wait, 10)  # holds the reading lane, as a slow read does
    for i in range(5):  # a burst of clicks while it reads
        runner.submit(ran.append, i, key="contents", on_done=lambda _r, i=i: results.append(i))
    gate.set()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=5000)
    assert ran == [4]  # the four superseded requests were never run
    assert results == [4]
    runner.shutdown(wait=True)


def test_one_poll_per_folder_however_long_the_network_takes(qtbot, tmp_path, monkeypatch):
    import ckpt_browser.ui.watcher as watcher_module

    gate = threading.Event()
    calls: list[str] = []

    def slow_signature(folder):  # a bucket that does not answer
        calls.append(str(folder))
        gate.wait(10)
        return ()

    monkeypatch.setattr(watcher_module, "dir_signature", slow_signature)
    runner = TaskRunner()
    watcher = ModelDirWatcher(runner)
    folder = "s3://bucket/run"
    watcher._polled[folder] = None
    watcher._where[folder] = locate(folder)  # what watch() keeps: the folder's Location
    for _ in range(4):  # four poll intervals pass while the first poll waits
        watcher._poll_all(remote=True)
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=5000)
    assert calls == [folder]
    watcher._poll_all(remote=True)  # the answer came: the next interval polls again
    qtbot.waitUntil(lambda: runner.pending == 0 and len(calls) == 2, timeout=5000)
    runner.shutdown(wait=True)
