"""What a file says of itself, in `ls` and `ls --json` ("metadata"): a .safetensors header's
__metadata__ (safetensors' own reader is the oracle), a sharded checkpoint's index metadata, a
.keras file's metadata.json (as Keras wrote it into the zip); a TF checkpoint has none."""

from __future__ import annotations

import json
import zipfile

import pytest

from ckpt_browser.cli import main
from tests.conftest import DATA


def ls_json(capsys, path) -> dict:
    assert main(["ls", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def as_text(meta: dict) -> dict:
    return {k: v if isinstance(v, str) else json.dumps(v, sort_keys=True) for k, v in meta.items()}


def test_a_safetensors_header_metadata(capsys):
    safetensors = pytest.importorskip("safetensors")
    path = DATA / "torch" / "tensors.safetensors"
    with safetensors.safe_open(str(path), "np") as f:
        want = f.metadata()
    assert want  # the fixture's writer gave some
    assert ls_json(capsys, path)["metadata"] == want
    assert main(["ls", str(path)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.strip().startswith("metadata:"))
    assert all(f"{k}={v}" in line for k, v in want.items())


def test_a_sharded_index_metadata(capsys):
    index = DATA / "torch" / "sharded" / "model.safetensors.index.json"
    want = json.loads(index.read_text())["metadata"]
    assert ls_json(capsys, index)["metadata"] == as_text(want)


def test_a_keras_files_metadata(capsys):
    path = DATA / "keras" / "keras_2_13.keras"
    with zipfile.ZipFile(path) as z:
        want = json.loads(z.read("metadata.json"))
    assert ls_json(capsys, path)["metadata"] == as_text(want)


def test_a_tf_checkpoint_has_none(capsys, iris_dir):
    assert ls_json(capsys, iris_dir)["metadata"] == {}
