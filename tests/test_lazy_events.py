"""`ls` reads the event files only for what it prints (issue 25): nothing when the state file has
the save times, the checkpoint records alone -- the graphs and scalars skipped unread -- when
the save times must come from them. TensorFlow's summary_iterator is the oracle for the records."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

import pytest

from ckpt_browser.cli import main
from ckpt_browser.core.model_dir.events import read_events
from ckpt_browser.core.storage import local
from ckpt_browser.core.tf.tfimport import tf

ESTIMATOR = Path(__file__).parent / "data" / "estimator"
WITH_EVENTS = sorted(p.parent for p in ESTIMATOR.rglob("events.out.tfevents.*") if p.parent.name != "eval")


class Reads:
    """Every file the storage layer opens, and the bytes read from each, with the thread."""

    def __init__(self) -> None:
        self.opened: list[Path] = []
        self.bytes: dict[Path, int] = {}
        self.threads: set[str] = set()

    def of_events(self) -> dict[Path, int]:
        return {p: n for p, n in self.bytes.items() if ".tfevents." in p.name}


@pytest.fixture
def reads(monkeypatch) -> Reads:
    seen = Reads()
    init, read = local.LocalFile.__init__, local.LocalFile.read

    def spy_init(self, path):
        init(self, path)
        seen.opened.append(Path(path))

    def spy_read(self, offset, size):
        data = read(self, offset, size)
        seen.bytes[self.path] = seen.bytes.get(self.path, 0) + len(data)
        if ".tfevents." in self.path.name:
            seen.threads.add(threading.current_thread().name)
        return data

    monkeypatch.setattr(local.LocalFile, "__init__", spy_init)
    monkeypatch.setattr(local.LocalFile, "read", spy_read)
    return seen


def tf_saves(folder: Path) -> dict[str, float]:
    """checkpoint name -> wall time of its SessionLog CHECKPOINT record, as TensorFlow reads them."""
    saved = {}
    for path in sorted(folder.rglob("events.out.tfevents.*")):
        for event in tf().compat.v1.train.summary_iterator(str(path)):
            if event.HasField("session_log") and event.session_log.status == event.session_log.CHECKPOINT:
                # The Saver logs its base path; the checkpoint is that path with "-<step>" appended.
                name = Path(event.session_log.checkpoint_path).name
                saved[name if name.endswith(f"-{event.step}") else f"{name}-{event.step}"] = event.wall_time
    return saved


def saved_column(out: str) -> dict[str, str]:
    """checkpoint -> its "saved" cell, from ls' table of checkpoints."""
    rows = re.findall(r"^[* ] +(model\.ckpt-\d+) +\d+ +(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ", out, re.M)
    return dict(rows)


def when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def ls(capsys, *args) -> str:
    assert main(["ls", *map(str, args), "--wide"]) == 0
    return capsys.readouterr().out


def test_ls_with_save_times_in_the_state_does_not_open_the_event_files(tmp_path, iris_dir, reads, capsys):
    copy = tmp_path / "iris"
    shutil.copytree(iris_dir, copy)
    steps = (100, 150, 200, 250, 300)
    stamps = {f"model.ckpt-{s}": 1_700_000_000.0 + 60 * i for i, s in enumerate(steps)}
    (copy / "checkpoint").write_text(
        'model_checkpoint_path: "model.ckpt-300"\n'
        + "".join(f'all_model_checkpoint_paths: "{n}"\n' for n in stamps)
        + "".join(f"all_model_checkpoint_timestamps: {t}\n" for t in stamps.values())
    )
    out = ls(capsys, copy)
    assert not [p for p in reads.opened if ".tfevents." in p.name], reads.opened
    assert saved_column(out) == {n: when(t) for n, t in stamps.items()}
    assert "saved: from the checkpoint state file's timestamps" in out
    assert "model.ckpt-300: 15 variables" in out


def test_ls_reads_only_the_checkpoint_records_when_the_times_come_from_them(tmp_path, iris_dir, reads, capsys):
    copy = tmp_path / "iris"
    shutil.copytree(iris_dir, copy)  # the copy's file times: the event records keep the real ones
    out = ls(capsys, copy)
    saved = tf_saves(copy)
    assert len(saved_column(out)) == 5
    assert saved_column(out) == {n: when(saved[n]) for n in saved_column(out)}
    assert "saved: from the event files' checkpoint records" in out
    size = sum(p.stat().st_size for p in copy.rglob("events.out.tfevents.*"))
    read = sum(reads.of_events().values())
    print(f"ls read {read:,} of the {size:,} bytes of iris' event files")
    assert 0 < read < size / 10  # the graphs (most of the bytes) skipped, unread
    # The same answer as reading every record (what ls --json does, for its scalars).
    every = read_events(copy)
    assert {r.name: r.wall_time for r in every.checkpoints} == saved
    assert every.series  # and the JSON still has the scalars: tests/test_cli.py


@pytest.mark.parametrize("folder", WITH_EVENTS, ids=lambda p: p.name)
def test_the_checkpoint_records_alone_are_tensorflows(folder):
    saves = read_events(folder, saves_only=True)
    assert {r.name: r.wall_time for r in saves.checkpoints} == tf_saves(folder)
    assert not saves.series and not saves.notes


def test_a_checkpoint_record_after_a_graph_field_is_still_found(tmp_path):
    """A record whose first field is a graph and whose last is a session_log is a session_log
    (protobuf keeps the last field of a oneof): it must not be skipped as a graph."""
    from tensorflow.core.util import event_pb2

    graph = event_pb2.Event(wall_time=1.0, step=3, graph_def=b"\x0a\x00" * 500)
    save = event_pb2.Event(
        session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.CHECKPOINT, checkpoint_path="/x/model.ckpt")
    )
    record = graph.SerializeToString() + save.SerializeToString()
    assert event_pb2.Event.FromString(record).WhichOneof("what") == "session_log"  # protobuf's reading
    path = tmp_path / "events.out.tfevents.1.test"
    with tf().io.TFRecordWriter(str(path)) as w:
        w.write(event_pb2.Event(wall_time=0.5, file_version="brain.Event:2").SerializeToString())
        w.write(graph.SerializeToString())
        w.write(record)
    saves = read_events(tmp_path, saves_only=True)
    assert [(r.name, r.step, r.wall_time) for r in saves.checkpoints] == [("model.ckpt-3", 3, 1.0)]


def test_a_partial_last_record_is_said_as_the_full_reader_says_it(iris_copy):
    (path,) = iris_copy.glob("events.out.tfevents.*")
    raw = path.read_bytes()
    path.write_bytes(raw[:-7])
    assert read_events(iris_copy, saves_only=True).notes == read_events(iris_copy).notes
    assert any("partial record" in n for n in read_events(iris_copy, saves_only=True).notes)
