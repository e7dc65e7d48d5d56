"""`ls` prints shards and meta only where a listed checkpoint's format has them: not for an Orbax
root, a .safetensors or a model.json; an index.json's shards are counted."""

from __future__ import annotations

import shutil

from ckpt_browser.cli import main
from tests.conftest import DATA, ESTIMATOR


def _table(capsys, path) -> tuple[list[str], list[dict[str, str]]]:
    """The checkpoint table's titles, and each row's cells by title (cut at the titles' columns)."""
    assert main(["ls", str(path)]) == 0
    lines = capsys.readouterr().out.split("\n\n")[0].splitlines()[1:]
    header = lines[0]
    titles = header.split()
    starts = [header.index(t) for t in titles] + [None]
    rows = []
    for line in lines[1:]:
        if line.startswith("  saved: "):
            continue
        rows.append({t: line[starts[i] : starts[i + 1]].strip() for i, t in enumerate(titles)})
    return titles, rows


def test_an_orbax_root_has_no_shards_or_meta(capsys):
    titles, rows = _table(capsys, DATA / "orbax" / "keras_fit")
    assert titles == ["checkpoint", "step", "saved", "size", "flags"]
    assert [r["step"] for r in rows] == ["8", "10", "12"] and rows[-1]["flags"] == "latest"


def test_tensorflow_checkpoints_keep_them(capsys):
    titles, rows = _table(capsys, ESTIMATOR / "iris")
    assert titles == ["checkpoint", "step", "saved", "size", "shards", "meta", "flags"]
    assert {(r["shards"], r["meta"]) for r in rows} == {("1", "yes")}  # one data file and a .meta each


def test_a_safetensors_file_and_an_index_json(capsys):
    assert _table(capsys, DATA / "torch" / "tensors.safetensors")[0] == ["file", "saved", "size"]
    titles, rows = _table(capsys, DATA / "torch" / "sharded")
    assert titles == ["file", "saved", "size", "shards"] and rows[0]["shards"] == "3"


def test_a_bundle_beside_model_files_leaves_theirs_empty(capsys, tmp_path):
    for f in (ESTIMATOR / "iris").glob("model.ckpt-300.*"):
        shutil.copy(f, tmp_path / f.name)
    shutil.copy(DATA / "torch" / "tensors.safetensors", tmp_path)
    titles, rows = _table(capsys, tmp_path)
    assert "shards" in titles and "meta" in titles
    by_name = {r["checkpoint"]: r for r in rows}
    assert (by_name["tensors.safetensors"]["shards"], by_name["tensors.safetensors"]["meta"]) == ("", "")
    assert (by_name["model.ckpt-300"]["shards"], by_name["model.ckpt-300"]["meta"]) == ("1", "yes")
