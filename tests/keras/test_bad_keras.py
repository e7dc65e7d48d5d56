"""Issue 25, the Keras and HDF5 side: damaged and hostile Keras files (mutations of files Keras
wrote in this session) give one clear line naming the file, never the catch-all; HDF5 runs in a
worker process whose hangs and crashes cost the worker, not the app."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.cli import main

COMMANDS = ("ls", "verify", "check", "show")


def run_all(capsys, path, variable: str = "hidden/kernel") -> list[tuple[int, list[str]]]:
    """Every command on path: each exits 0/1/2 with at most one stderr line, never the catch-all."""
    out = []
    for command in COMMANDS:
        argv = [command, str(path)] + ([variable] if command == "show" else [])
        code = main(argv)
        err = capsys.readouterr().err.strip().splitlines()
        assert code in (0, 1, 2), (argv, code)
        assert len(err) <= 1, (argv, err)
        assert not any("unexpected error" in line or "Traceback" in line for line in err), (argv, err)
        if code == 2:
            assert err, argv
        out.append((code, err))
    return out


def test_sharded_weights_list_verify_and_show(keras_files, tmp_path, capsys):
    """An unmutated X.weights.json + shard: ls and verify succeed, values are the model's."""
    folder, model = keras_files
    model.save_weights(tmp_path / "sharded.weights.json", max_shard_size=0.0005)
    assert main(["ls", str(tmp_path / "sharded.weights.json")]) == 0
    assert main(["verify", str(tmp_path / "sharded.weights.json")]) == 0
    capsys.readouterr()
    assert main(["show", str(tmp_path / "sharded.weights.json"), "hidden/kernel", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(shown["values"], model.get_layer("hidden").kernel.numpy(), rtol=1e-6)


def _rezip(src, dest, edit) -> None:
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    edit(members)
    with zipfile.ZipFile(dest, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)


WRONG = [[1], "x", 5, None, float("inf"), {"a": 1}, True]


@pytest.mark.parametrize("where", ["config", "compile_config", "layers", "layer fields", "whole"])
def test_config_fields_of_every_wrong_json_type(keras_files, tmp_path, capsys, where):
    folder, _ = keras_files
    for i, value in enumerate(WRONG):

        def edit(m, value=value):
            c = json.loads(m["config.json"])
            if where == "whole":
                c = value
            elif where == "layers":
                c["config"]["layers"] = value
            elif where == "layer fields":
                for layer in c["config"]["layers"]:
                    layer["config"]["units"] = value
                    layer["config"]["name"] = value
            else:
                c[where] = value
            m["config.json"] = json.dumps(c).encode()

        path = tmp_path / f"m{i}.keras"
        _rezip(folder / "model.keras", path, edit)
        results = run_all(capsys, path)
        if where == "whole" and not isinstance(value, dict):  # not a model config at all: refused, naming it
            assert results[0][0] == 2 and "config.json" in results[0][1][0]


def test_damaged_zip_members_are_one_line(keras_files, tmp_path, capsys):
    folder, _ = keras_files
    data = (folder / "model.keras").read_bytes()
    with zipfile.ZipFile(folder / "model.keras") as z:
        info = z.getinfo("config.json")
    # A byte of config.json's stored data flipped: zipfile finds a bad CRC when it reads it.
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    bad = bytearray(data)
    bad[start] ^= 0xFF
    (tmp_path / "crc.keras").write_bytes(bytes(bad))
    code, err = run_all(capsys, tmp_path / "crc.keras")[0]
    assert code == 2 and "crc.keras" in err[0]


def test_a_keras_file_cut_short_is_a_damaged_zip_not_an_hdf5_file(keras_files, tmp_path, capsys):
    """The first half of a .keras Keras wrote: a zip without its central directory."""
    folder, _ = keras_files
    data = (folder / "model.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(tmp_path / "cut.keras")
    for code, err in run_all(capsys, tmp_path / "cut.keras"):
        assert code == 2 and "cut.keras is a damaged zip archive" in err[0] and "HDF5" not in err[0], err


def _edit_h5(src, dest, edit) -> None:
    import h5py

    shutil.copy(src, dest)
    with h5py.File(dest, "r+") as f:
        edit(f)


def _compound(f):
    del f["layers/dense/vars/0"]
    f.create_dataset("layers/dense/vars/0", data=np.zeros(3, dtype=[("a", "f4"), ("b", "i4")]))


def _huge(f):  # 8 TiB declared, nothing stored: refused before any allocation
    del f["layers/dense/vars/0"]
    f.create_dataset("layers/dense/vars/0", shape=(1 << 21, 1 << 20), dtype="f4", chunks=(64, 64))


def _soft_loop(f):
    import h5py

    del f["layers/dense/vars"]
    f["layers/dense/vars"] = h5py.SoftLink("/layers/dense/vars")


def _external(f):
    import h5py

    del f["layers/dense/vars"]
    f["layers/dense/vars"] = h5py.ExternalLink("/etc/passwd", "/x")


def _group_for_dataset(f):
    del f["layers/dense/vars/0"]
    f.create_group("layers/dense/vars/0")


def _name_not_text(f):
    f["layers/dense/vars"].attrs["name"] = np.arange(3)


@pytest.mark.parametrize(
    "edit, words",
    [
        (_compound, "no tensor's"),
        (_huge, "declares [2097152, 1048576] float32"),
        (_soft_loop, "soft link"),
        (_external, "external link"),
        (_group_for_dataset, "a group where Keras writes a dataset"),
        (_name_not_text, None),
    ],
    ids=["compound", "8-TiB-declared", "soft-link-loop", "external-link", "group-for-dataset", "name-attr-array"],
)
def test_hdf5_objects_checked_before_trusted(keras_files, tmp_path, capsys, edit, words):
    folder, _ = keras_files
    path = tmp_path / "model.weights.h5"
    _edit_h5(folder / "model.weights.h5", path, edit)
    results = run_all(capsys, path)
    if words:
        messages = [line for _, err in results for line in err]
        assert any(words in m and "model.weights.h5" in m for m in messages), messages


def test_a_fifo_in_place_of_a_keras_file_is_refused(tmp_path, capsys):
    os.mkfifo(tmp_path / "model.keras")
    for code, err in run_all(capsys, tmp_path / "model.keras"):
        assert code == 2 and ("FIFO" in err[0] or "not a checkpoint file" in err[0]), err


def test_a_read_that_hangs_costs_the_worker_not_the_app(keras_files, tmp_path, monkeypatch):
    """A dataset of a million one-element chunks takes HDF5 seconds to read: with a 1 s limit the
    read stops with one line naming the file, and the next read works (a fresh worker)."""
    import h5py

    from ckpt_browser.core.base.errors import CheckpointError
    from ckpt_browser.core.formats import isolated
    from ckpt_browser.core.formats.keras import KerasFile

    folder, model = keras_files
    path = tmp_path / "slow.weights.h5"

    def slow(f):
        del f["layers/dense/vars/1"]
        f.create_dataset("layers/dense/vars/1", data=np.zeros(1 << 20, "f4"), chunks=(1,))

    _edit_h5(folder / "model.weights.h5", path, slow)
    with h5py.File(path) as f:
        assert f["layers/dense/vars/1"].chunks == (1,)
    reader = KerasFile(path)
    started = isolated.HDF5.started
    monkeypatch.setenv("CKPT_BROWSER_NATIVE_TIMEOUT", "1")
    with pytest.raises(
        CheckpointError, match=r"the HDF5 library looped on hidden/bias in slow\.weights\.h5: stopped after 1 s"
    ):
        reader.read("hidden/bias")
    monkeypatch.delenv("CKPT_BROWSER_NATIVE_TIMEOUT")
    np.testing.assert_array_equal(reader.read("hidden/kernel"), model.get_layer("hidden").kernel.numpy())
    assert isolated.HDF5.started == started + 1


def test_the_time_limit_holds_for_a_fresh_workers_first_call(keras_files, tmp_path, monkeypatch):
    """The first call of a fresh worker had 120 s (its imports' allowance) whatever the limit: a file
    that hangs HDF5, opened first, or next after a crash, held the window two minutes (make fuzz
    found such a .keras). Now the imports have that allowance and the call has the call's limit."""
    import time

    import h5py

    from ckpt_browser.core.base.errors import CheckpointError
    from ckpt_browser.core.formats import isolated
    from ckpt_browser.core.formats.keras import KerasFile

    folder, _ = keras_files
    path = tmp_path / "slow.weights.h5"

    def slow(f):
        del f["layers/dense/vars/1"]
        f.create_dataset("layers/dense/vars/1", data=np.zeros(1 << 21, "f4"), chunks=(1,))

    _edit_h5(folder / "model.weights.h5", path, slow)
    with h5py.File(path) as f:
        assert f["layers/dense/vars/1"].chunks == (1,)
    reader = KerasFile(path)
    isolated.HDF5.close()  # the read below is a fresh worker's first call
    monkeypatch.setenv("CKPT_BROWSER_NATIVE_TIMEOUT", "1")
    start = time.perf_counter()
    with pytest.raises(
        CheckpointError, match=r"the HDF5 library looped on hidden/bias in slow\.weights\.h5: stopped after 1 s"
    ):
        reader.read("hidden/bias")
    assert time.perf_counter() - start < 60


def test_verify_reads_every_variable_and_names_the_one_that_hangs(tmp_path, monkeypatch):
    """verify reads a Keras file's variables a batch per worker call; a batch that hangs HDF5 is read
    again one variable a call, so the line names the variable, and the others are still read."""
    import h5py

    from ckpt_browser.core.model_dir.contents import open_source
    from ckpt_browser.core.values.verify import verify

    seed = Path(__file__).parents[1] / "data" / "keras" / "fuzz" / "model.weights.h5"  # written by Keras
    with h5py.File(seed) as f:
        stored: list[int] = []
        f.visititems(lambda _, obj: stored.append(obj.nbytes) if isinstance(obj, h5py.Dataset) else None)
    good = verify([open_source(seed).checkpoint()]).verdicts[0]
    assert (good.status, good.problems, good.tensors, good.bytes) == ("ok", [], len(stored), sum(stored))

    def slow(f):  # a million one-element chunks: HDF5 takes many seconds to read them
        del f["layers/batch_normalization/vars/1"]
        f.create_dataset("layers/batch_normalization/vars/1", data=np.zeros(1 << 21, "f4"), chunks=(1,))

    path = tmp_path / "slow.weights.h5"
    _edit_h5(seed, path, slow)
    monkeypatch.setenv("CKPT_BROWSER_NATIVE_TIMEOUT", "1")
    verdict = verify([open_source(path).checkpoint()]).verdicts[0]
    assert verdict.status == "corrupt" and verdict.tensors == len(stored) - 1
    assert verdict.problems == ["bn/beta: the HDF5 library looped on bn/beta in slow.weights.h5: stopped after 1 s"]


@pytest.mark.tf
def test_tensorflows_import_is_not_counted_in_the_first_calls_limit(monkeypatch):
    """TensorFlow's worker imports TensorFlow (seconds) before its first call, under the start-up
    limit: with a 1 s limit per call, the fallback reader still lists the iris checkpoint."""
    import tensorflow as tf

    from ckpt_browser.core.formats import isolated
    from ckpt_browser.core.formats.bundle_open import TFCheckpointReader
    from tests.conftest import ESTIMATOR

    prefix = ESTIMATOR / "iris" / "model.ckpt-300"
    isolated.TENSORFLOW.close()  # the listing below is a fresh worker's first call
    monkeypatch.setenv("CKPT_BROWSER_NATIVE_TIMEOUT", "1")
    listed = {v.name: v.shape for v in TFCheckpointReader(prefix).variables()}
    assert listed == {name: tuple(shape) for name, shape in tf.train.list_variables(str(prefix))}
