"""storage.locate: a path or URL parsed once into a Location (issue 33) -- its kind, its normal
form, credentials never shown, pathlib's vocabulary without parsing again, and storage taking it."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage import Location, locate


@pytest.mark.parametrize(
    ("given", "kind", "protocol", "text"),
    [
        ("s3://bucket/runs/iris/", "bucket", "s3", "s3://bucket/runs/iris"),
        ("gs://bucket/a", "bucket", "gs", "gs://bucket/a"),
        ("memory://bucket/iris", "bucket", "memory", "memory://bucket/iris"),
        ("https://host:8443/runs/", "http", "https", "https://host:8443/runs"),
        ("s3://", "bucket", "s3", "s3://"),
    ],
)
def test_a_url_is_its_kind_and_its_normal_form(given, kind, protocol, text):
    loc = locate(given)
    assert (loc.kind, loc.protocol, loc.text, str(loc), loc.is_remote) == (kind, protocol, text, text, True)


def test_a_local_path_is_absolute_and_a_file_url_is_local(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loc = locate("runs/../iris")
    assert (loc.kind, loc.protocol, loc.is_remote) == ("local", None, False)
    assert str(loc) == os.path.join(str(tmp_path), "iris") and loc.local == tmp_path / "iris"
    assert locate("~/x").text == os.path.join(os.path.expanduser("~"), "x")
    assert locate(f"file://{tmp_path}/a%20b") == locate(tmp_path / "a b")
    with pytest.raises(TypeError, match="is a URL, not a local path"):
        _ = locate("s3://b/k").local
    with pytest.raises(TypeError):
        os.fspath(locate("s3://b/k"))
    assert os.fspath(loc) == str(tmp_path / "iris")


def test_locate_is_idempotent_and_parses_nothing_twice(monkeypatch):
    loc, top = locate("s3://bucket/run"), locate("s3://bucket")
    import ckpt_browser.core.storage.location as location

    def parse(_text):
        raise AssertionError("parsed again")

    monkeypatch.setattr(location, "protocol_of", parse)
    monkeypatch.setattr(location, "from_file_url", parse)
    assert locate(loc) is loc
    assert locate(Path("/tmp/x")).kind == "local"  # a Path is local: no text to parse
    child = loc / "model.ckpt-300"
    assert str(child.plus(".index")) == "s3://bucket/run/model.ckpt-300.index"
    assert child.parent == loc and child.parent.parent == top == top.parent


def test_credentials_are_never_shown():
    loc = locate("http://alice:s3cret@host:8000/runs/iris/")
    child = loc / "eval"
    for shown in (str(loc), repr(loc), str(child), repr(child), str(loc.parent)):
        assert "s3cret" not in shown and "alice" not in shown
    assert loc.text == "http://host:8000/runs/iris"
    bucket = locate("s3://KEY:SECRET@bucket/run")
    assert "SECRET" not in str(bucket) + repr(bucket) + str(bucket / "x")


def test_a_bad_url_is_one_line_at_once():
    with pytest.raises(CheckpointError, match="is not a valid URL"):
        locate("http://user:pw@host:99999/x")
    with pytest.raises(CheckpointError) as err:
        locate("http://user:pw@[::1/x")
    assert "pw" not in str(err.value)


def test_pathlib_vocabulary_on_a_url_and_locally(tmp_path):
    url = locate("gs://bucket/a/b/model.ckpt-300.index")
    assert (url.name, url.stem, url.suffix) == ("model.ckpt-300.index", "model.ckpt-300", ".index")
    assert str(url.with_name("checkpoint")) == "gs://bucket/a/b/checkpoint"
    assert str(locate("gs://bucket/a") / "b/c") == "gs://bucket/a/b/c"
    assert (url.relative_to(locate("gs://bucket/a"))) == "b/model.ckpt-300.index"
    with pytest.raises(ValueError):
        url.relative_to(locate("gs://bucket/z"))
    here = locate(tmp_path)
    assert (here / "eval" / "x").relative_to(here) == "eval/x"
    assert (here / "m").plus(".meta").local == tmp_path / "m.meta"


def test_equal_and_hashed_by_normal_form():
    assert locate("s3://b/x/") == locate("s3://b/x") and hash(locate("s3://b/x/")) == hash(locate("s3://b/x"))
    assert locate("s3://b/x") != locate("gs://b/x")
    assert locate("/tmp/a/../b") == Path("/tmp/b") and {Path("/tmp/b"): 1}[locate("/tmp/b")] == 1
    assert locate("s3://b/x") != "s3://b/x"  # text is not a place: compare Locations
    assert sorted([locate("s3://b/y"), locate("s3://b/x")]) == [locate("s3://b/x"), locate("s3://b/y")]


def test_immutable_and_made_only_by_locate():
    loc = locate("s3://b/x")
    with pytest.raises(AttributeError):
        loc.text = "s3://other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Location("s3://b/x")


def test_it_pickles_as_its_parsed_form():
    loc = locate("https://alice:pw@host/runs")
    back = pickle.loads(pickle.dumps(loc / "x"))
    assert back == loc / "x" and back.kind == "http" and back._auth == loc._auth


def test_storage_answers_for_a_memory_location(iris_dir):
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.put(str(iris_dir), "/loc-test/iris", recursive=True)
    try:
        folder = locate("memory://loc-test/iris")
        assert folder.fs_path == "/loc-test/iris"
        names = {name for name, _ in storage.list_dir(folder)}
        assert "checkpoint" in names and "model.ckpt-300.index" in names
        assert storage.is_dir(folder) and storage.is_file(folder / "checkpoint")
        assert not storage.exists(folder / "nothing")
        local = (iris_dir / "checkpoint").read_bytes()
        assert storage.read_whole(folder / "checkpoint") == local
        assert (folder / "checkpoint").fs is folder.fs  # one file system for the folder and its files
    finally:
        fs.rm("/loc-test", recursive=True)


def test_an_unknown_protocol_fails_when_first_asked():
    loc = locate("nosuch://bucket/run")  # no I/O and no backend when made
    with pytest.raises(CheckpointError, match="no file system knows the protocol nosuch://"):
        storage.stat(loc)


def _count_parses(monkeypatch) -> list[str]:
    import ckpt_browser.core.storage.location as location

    parsed: list[str] = []
    real = location.protocol_of

    def counting(text):
        parsed.append(str(text))
        return real(text)

    monkeypatch.setattr(location, "protocol_of", counting)
    return parsed


def test_one_ls_parses_the_path_it_was_given_once(iris_dir, monkeypatch, capsys):
    from ckpt_browser.cli import main

    parsed = _count_parses(monkeypatch)
    assert main(["ls", str(iris_dir)]) == 0
    assert "model.ckpt-300" in capsys.readouterr().out
    assert parsed == [str(iris_dir)]  # issue 33: it passed as_path / is_remote / stat 13 times


def test_a_bucket_is_parsed_once_and_gets_one_file_system(iris_dir, monkeypatch):
    import fsspec

    from ckpt_browser import api
    from ckpt_browser.core.storage import remote

    fs = fsspec.filesystem("memory")
    fs.put(str(iris_dir), "/loc-once/iris", recursive=True)
    made = []
    real = remote.filesystem
    monkeypatch.setattr(remote, "filesystem", lambda loc: made.append(str(loc)) or real(loc))
    try:
        parsed = _count_parses(monkeypatch)
        md = api.open("memory://loc-once/iris")
        assert md.latest is not None and md.latest.name == "model.ckpt-300" and len(md.latest.variables) == 15
        assert parsed == ["memory://loc-once/iris"] and len(made) == 1  # the folder, its parent, files: one
    finally:
        fs.rm("/loc-once", recursive=True)
