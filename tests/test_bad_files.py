"""Issue 25: special files in place of checkpoint files, file:// URLs, TF.js manifests that lie
(mutations of the converter's own files in tests/data/tfjs). One clear line, never a hang."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from ckpt_browser.cli import main
from tests.conftest import DATA, ESTIMATOR


def cli(capsys, *argv) -> tuple[int, str, list[str]]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err.strip().splitlines()


@pytest.mark.parametrize("name", ["model.ckpt-300.index", "model.ckpt-300.data-00000-of-00001"])
def test_a_fifo_in_place_of_a_bundle_file_is_refused_not_waited_on(tmp_path, name):
    """In a child process with a time limit: a blocked open would hang it, not fail."""
    folder = tmp_path / "iris"
    shutil.copytree(ESTIMATOR / "iris", folder)
    (folder / name).unlink()
    os.mkfifo(folder / name)
    for command in (["verify", str(folder)], ["show", str(folder), "dnn/logits/kernel"]):
        code = f"import sys\nfrom ckpt_browser.cli import main\nsys.exit(main({command!r}))\n"
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        err = r.stderr.strip().splitlines()
        refused = f"{name} is a FIFO (named pipe), not a regular file: refused"
        if command[0] == "verify" and name.endswith("0001"):  # the index is read: that tensor is bad
            assert r.returncode == 1 and err == [] and refused in r.stdout, (command, r.stdout, r.stderr)
        else:
            assert r.returncode == 2 and len(err) == 1, (command, r.stderr)
            assert refused in err[0]


def test_file_urls_are_local_paths(capsys):
    url = "file://" + str(ESTIMATOR / "iris")
    code, out, err = cli(capsys, "ls", url, "--json")
    assert code == 0 and err == []
    assert json.loads(out)["latest"] == "model.ckpt-300"
    code, out, err = cli(capsys, "show", url + "/model.ckpt-200", "dnn/logits/bias", "--json")
    assert code == 0 and len(json.loads(out)["values"]) == 3


def _tfjs(tmp_path, kind: str, edit):
    folder = tmp_path / kind
    shutil.copytree(DATA / "tfjs" / kind, folder)
    doc = json.loads((folder / "model.json").read_text())
    edit(doc, folder)
    (folder / "model.json").write_text(json.dumps(doc))
    return folder / "model.json"


def _weights(doc):
    return doc["weightsManifest"][0]["weights"]


def test_a_manifest_that_shrinks_a_shape_is_reported_lying(tmp_path, capsys):
    path = _tfjs(tmp_path, "converted", lambda doc, _: _weights(doc)[0].update(shape=[4, 3]))
    code, out, err = cli(capsys, "verify", path)
    assert code == 1 and err == []
    assert "its manifest accounts for 320 of the 332 bytes in group1-shard1of1.bin" in out
    assert "no checksums" in out
    code, out, err = cli(capsys, "check", path)
    assert code == 1 and "a shape or dtype in it is wrong" in out
    code, out, err = cli(capsys, "ls", path)
    assert "warning: model.json: its manifest accounts for 320" in out


def test_a_nan_quantization_scale_fails_verify(tmp_path, capsys):
    def nan_scale(doc, _):
        q = next(w["quantization"] for w in _weights(doc) if "scale" in w.get("quantization", {}))
        q["scale"] = float("nan")

    path = _tfjs(tmp_path, "quantized", nan_scale)
    code, out, err = cli(capsys, "verify", path)
    assert code == 1 and "its quantization scale is nan: every value would be nan" in out


def test_a_huge_quantization_scale_gives_inf_quietly_and_fails_verify(tmp_path, capsys):
    def huge(doc, _):
        for w in _weights(doc):
            if "scale" in w.get("quantization", {}):
                w["quantization"]["scale"] = 1e308

    path = _tfjs(tmp_path, "quantized", huge)
    code, out, err = cli(capsys, "verify", path)
    assert code == 1 and "values are NaN or infinite" in out and err == []


def test_a_string_weight_declaring_a_billion_elements_is_refused_at_once(tmp_path, capsys):
    path = _tfjs(tmp_path, "converted", lambda doc, _: _weights(doc).insert(0, {"name": "s", "shape": [1 << 30], "dtype": "string"}))  # fmt: skip
    import time

    start = time.perf_counter()
    code, _, err = cli(capsys, "ls", path)
    assert time.perf_counter() - start < 5
    assert code == 2 and "declares 1,073,741,824 strings" in err[0]


@pytest.mark.parametrize(
    "edit",
    [
        lambda doc, _: _weights(doc)[0].update(shape="53"),
        lambda doc, _: _weights(doc)[0].update(shape=[float("inf"), 3]),
        lambda doc, _: _weights(doc)[0].update(shape=[-4, 3]),
        lambda doc, _: _weights(doc)[0].update(name=5),
        lambda doc, _: _weights(doc)[0].update(dtype="float64"),
        lambda doc, _: doc["weightsManifest"][0].update(paths=["."]),
        lambda doc, _: doc["weightsManifest"][0].update(paths=[3]),
        lambda doc, _: doc["weightsManifest"][0].update(paths=[{"a": 1}]),
        lambda doc, _: doc["weightsManifest"][0].update(paths="group1-shard1of1.bin"),
        lambda doc, _: doc.update(weightsManifest=["x"]),
        lambda doc, _: _weights(doc)[0].update(quantization=[1]),
        lambda doc, _: _weights(doc)[0].update(quantization={"dtype": "uint8", "scale": "a", "min": 0}),
        lambda doc, folder: ((folder / "group1-shard1of1.bin").unlink(), os.mkfifo(folder / "group1-shard1of1.bin")),
    ],
    ids=["shape-str", "shape-inf", "shape-negative", "name-number", "dtype-float64", "path-dot", "path-number",
         "path-dict", "paths-str", "group-str", "quantization-list", "scale-str", "shard-fifo"],
)  # fmt: skip
def test_manifest_fields_of_the_wrong_type_are_one_line(tmp_path, capsys, edit):
    path = _tfjs(tmp_path, "converted", edit)
    for command in ("ls", "verify", "check"):
        code, _, err = cli(capsys, command, path)
        assert code == 2 and len(err) == 1 and ("model.json" in err[0] or "shard1of1" in err[0]), (command, err)
        assert "unexpected error" not in err[0]


def test_wrong_types_in_topology_and_signature_still_list(tmp_path, capsys):
    path = _tfjs(
        tmp_path, "graph", lambda doc, _: doc.update(signature="x", userDefinedMetadata=[1], modelTopology=[2])
    )
    code, out, err = cli(capsys, "ls", path)
    assert code == 0 and err == []
    want = np.load(DATA / "tfjs" / "expected_graph.npz")
    assert all(name in out for name in want.files)


def test_a_quantization_min_beyond_any_float_is_flagged_not_a_crash(tmp_path, capsys):
    """Found by tests/fuzz: a min of -(2**63)-1 (JSON has no integer limit) met numpy's isfinite."""

    def huge_min(doc, _):
        for w in _weights(doc):
            if "scale" in w.get("quantization", {}):
                w["quantization"]["min"] = -(2**63) - 1
                w["quantization"]["scale"] = 10**400

    path = _tfjs(tmp_path, "quantized", huge_min)
    code, out, err = cli(capsys, "verify", path)
    assert code == 1 and err == [] and "its quantization scale is inf" in out
