"""`health` on what it cannot read (issue 30): real checkpoints written by TensorFlow, then damaged
by construction (tests/bundle_edit.py) -- garbage data files, a shape of 2^62 elements, a
negative dimension, big-endian headers -- and what health does not measure (int, string, bool,
complex) or cannot (zero elements). What could not be read is a finding, never "nothing wrong
found"; each answer comes at once, and no numpy warning reaches stderr."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.core.storage.checksum import of_bytes
from ckpt_browser.core.tf.tfimport import tf
from tests.bundle_edit import edit_entry, edit_header, mask

RUNS = Path(__file__).resolve().parent / "data" / "health"
ROOT = Path(__file__).resolve().parents[1]


def health(*args, timeout: float = 60) -> tuple[int, str, str, float]:
    """A real process, as CI calls it: (exit code, stdout, stderr, seconds)."""
    start = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "ckpt_browser", "health", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
    )  # fmt: skip
    return r.returncode, r.stdout, r.stderr, time.monotonic() - start


def healthy_copy(tmp_path: Path) -> Path:
    run = tmp_path / "healthy"
    shutil.copytree(RUNS / "healthy", run)
    return run


def test_a_model_dir_of_garbage_data_files_is_nothing_read_exit_2(tmp_path):
    """Every tensor fails its checksum (verify says corrupt): today's "nothing wrong found, exit 0"."""
    run = healthy_copy(tmp_path)
    rng = np.random.default_rng(30)
    for data in run.glob("*.data-*"):
        data.write_bytes(rng.bytes(data.stat().st_size))
    code, out, err, _ = health(run, "--json")
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("ckpt-browser health: nothing could be read (model.ckpt-0: checksum mismatch in ")
    report = json.loads(out)
    assert "nothing wrong found" not in report["summary"] and "nothing could be read" in report["summary"]
    kinds = {f["kind"] for f in report["findings"]}
    assert kinds == {"unreadable"} and len(report["findings"]) == 5 * 8
    for c in report["checkpoints"]:
        for v in c["variables"]:
            assert v["error"].startswith(f"checksum mismatch in {v['name']}: ") and v["norm"] is None
    code, out, err, _ = health(run)
    assert code == 2 and "nothing wrong found" not in out and "unreadable" in out


def test_one_unreadable_checkpoint_exits_1_and_names_it(tmp_path):
    run = healthy_copy(tmp_path)
    data = run / "model.ckpt-75.data-00000-of-00001"
    data.write_bytes(bytes(data.stat().st_size))
    (run / "model.ckpt-25.index").write_bytes(b"not a table")
    code, out, err, _ = health(run, "--json")
    assert code == 1 and err == ""
    report = json.loads(out)
    where = {(f["kind"], f["checkpoint"]) for f in report["findings"]}
    assert where == {("unreadable", "model.ckpt-75"), ("unreadable", "model.ckpt-25")}
    (whole,) = [f for f in report["findings"] if f["checkpoint"] == "model.ckpt-25"]
    assert whole["variable"] == "" and whole["detail"].startswith("the checkpoint could not be read: ")
    assert report["checkpoints"][1]["error"] in whole["detail"]
    assert "unreadable 9" in report["summary"]


def _edited(tmp_path: Path, name: str, change, variable: str = "dense1/kernel") -> Path:
    run = healthy_copy(tmp_path)
    for index in run.glob("*.index"):
        edit_entry(index, variable, change)
    return run


def _shape(*dims):
    def change(entry):
        del entry.shape.dim[:]
        for d in dims:
            entry.shape.dim.add(size=d)

    return change


@pytest.mark.parametrize(
    "dims, said",
    [
        ((1 << 31, 1 << 31), "expected size 18446744073709551616"),
        ((1 << 62, 1), "expected size 18446744073709551616"),
        ((1 << 32, 1 << 32), "is damaged: Invalid tensor shape"),
        ((-3, 64), "dense1/kernel: its shape [-3, 64] has a negative dimension"),
    ],
)
def test_a_lying_shape_is_one_finding_at_once(tmp_path, dims, said):
    """2^62 elements ran past 60 s (ls answers at once); a negative dimension was the catch-all."""
    run = _edited(tmp_path, "shape", _shape(*dims))
    code, out, err, took = health(run, "--json")
    assert code == 1 and err == "" and took < 15, (err, took)
    report = json.loads(out)
    findings = [f for f in report["findings"] if f["variable"] == "dense1/kernel"]
    assert [f["kind"] for f in findings] == ["unreadable"] * 5 and said in findings[0]["detail"], findings
    others = [f for f in report["findings"] if f["variable"] != "dense1/kernel"]
    assert others == []  # the other seven variables were read, and are healthy


def test_big_endian_data_gives_no_numpy_warning(tmp_path):
    """The header says big-endian: every value is read byte-swapped (garbage, NaN, huge)."""
    run = healthy_copy(tmp_path)
    for index in run.glob("*.index"):
        edit_header(index, lambda h: setattr(h, "endianness", 1))
    code, out, err, _ = health(run)
    assert err == "" and code in (0, 1), err
    assert "Warning" not in out


@pytest.fixture(scope="module")
def odd_run(tmp_path_factory) -> Path:
    """Two checkpoints by TensorFlow's Saver: a [0, 3] kernel and a [0] gamma, an int, a bool, a
    string and a complex variable, a kernel that trains, and a bias +Inf in both (Inf - Inf)."""
    t = tf()
    out = tmp_path_factory.mktemp("odd") / "run"
    g = t.Graph()
    with g.as_default():
        v1 = t.compat.v1
        kernel = v1.get_variable("dense/kernel", initializer=np.arange(12, dtype=np.float32).reshape(4, 3))
        v1.get_variable("empty/kernel", initializer=np.zeros((0, 3), np.float32))
        v1.get_variable("empty/gamma", initializer=np.zeros((0,), np.float32))
        v1.get_variable("counts", initializer=np.array([1, 2], np.int32))
        v1.get_variable("flags", initializer=np.array([True, False]))
        v1.Variable(np.array([b"a", b"bc"], object), name="names")
        v1.get_variable("spin", initializer=np.array([1 + 2j], np.complex64))
        bias = v1.get_variable("dense/bias", initializer=np.array([np.inf, 1.0], np.float32))
        saver = v1.train.Saver()
        with v1.Session(graph=g) as s:
            s.run(v1.global_variables_initializer())
            saver.save(s, str(out / "model.ckpt"), global_step=1)
            s.run([kernel.assign_add(np.ones((4, 3), np.float32)), bias.assign([np.inf, 2.0])])
            saver.save(s, str(out / "model.ckpt"), global_step=2)
    return out


def test_zero_elements_are_neither_dead_nor_frozen_and_odd_dtypes_are_skipped(odd_run):
    code, out, err, _ = health(odd_run, "--json")
    assert err == "", err  # Inf - Inf: no RuntimeWarning line
    report = json.loads(out)
    reader = tf().train.load_checkpoint(str(odd_run / "model.ckpt-2"))
    dtypes = reader.get_variable_to_dtype_map()
    measured = {n for n, d in dtypes.items() if d.is_floating}
    unmeasured = {n: d for n, d in dtypes.items() if not d.is_floating}
    assert set(unmeasured) == {"counts", "flags", "names", "spin"}
    last = report["checkpoints"][1]
    assert {v["name"] for v in last["variables"]} == measured
    assert {s["name"]: s["dtype"] for s in last["skipped"]} == {
        "counts": "int32", "flags": "bool", "names": "string", "spin": "complex64"
    }  # fmt: skip
    skipped = {f["variable"] for f in report["findings"] if f["kind"] == "skipped"}
    assert skipped == set(unmeasured)  # once each, not once per checkpoint
    by_name = {v["name"]: v for v in last["variables"]}
    for name in ("empty/kernel", "empty/gamma"):
        assert reader.get_tensor(name).size == 0
        assert by_name[name]["dead_units"] is None and by_name[name]["norm"] == 0
    assert by_name["dense/bias"]["inf"] == int(np.isinf(reader.get_tensor("dense/bias")).sum()) == 1
    kinds = {(f["kind"], f["variable"]) for f in report["findings"] if f["kind"] != "skipped"}
    assert kinds == {("inf", "dense/bias")}  # nothing dead, nothing frozen
    assert code == 1


def test_the_json_keys_are_the_documented_ones(odd_run, tmp_path):
    """docs/health.md lists every key: checked against what the command prints."""
    doc = (ROOT / "docs" / "health.md").read_text()
    run = healthy_copy(tmp_path)
    data = run / "model.ckpt-75.data-00000-of-00001"
    data.write_bytes(bytes(data.stat().st_size))
    (run / "model.ckpt-25.index").write_bytes(b"not a table")
    keys: set[str] = set()
    for path in (odd_run, run):
        report = json.loads(health(path, "--json")[1])
        keys |= set(report)
        for c in report["checkpoints"]:
            keys |= set(c)
            for v in c["variables"] + c.get("skipped", []):
                keys |= set(v)
        for f in report["findings"]:
            keys |= set(f)
    assert {"error", "skipped", "dtype", "kind", "detail"} <= keys
    for key in keys:
        assert f'"{key}"' in doc, key


def test_a_fixed_checksum_makes_an_inf_readable(tmp_path):
    """The construction is right: a value rewritten with its crc32c fixed reads as TensorFlow reads it."""
    run = healthy_copy(tmp_path)
    from ckpt_browser.core.formats.reader import open_checkpoint

    prefix = run / "model.ckpt-50"
    entry = open_checkpoint(prefix).entry_info("dense1/bias")
    data = prefix.with_name(prefix.name + ".data-00000-of-00001")
    raw = bytearray(data.read_bytes())
    raw[entry.offset : entry.offset + 4] = np.array([np.inf], "<f4").tobytes()
    data.write_bytes(bytes(raw))
    crc = mask(of_bytes(bytes(raw[entry.offset : entry.offset + entry.size])))
    edit_entry(prefix.with_name(prefix.name + ".index"), "dense1/bias", lambda e: setattr(e, "crc32c", crc))
    assert np.isinf(tf().train.load_checkpoint(str(prefix)).get_tensor("dense1/bias")[0])
    code, out, err, _ = health(run, "--json")
    assert code == 1 and err == ""
    found = {(f["kind"], f["variable"], f["checkpoint"]) for f in json.loads(out)["findings"]}
    assert ("inf", "dense1/bias", "model.ckpt-50") in found
    assert not any(k == "unreadable" for k, _, _ in found)


@pytest.mark.parametrize("dims", [(1, 1 << 62), (1 << 62, 64), (15000, 50000)])
def test_a_lying_shape_in_one_checkpoint_allocates_nothing_for_it(tmp_path, dims):
    """One checkpoint's kernel rewritten alone is a series of its own: its unit mask (2^62 units)
    and Gram matrix are not allocated from the shape's word (make fuzz found 4 EiB asked for)."""
    run = healthy_copy(tmp_path)
    edit_entry(run / "model.ckpt-50.index", "dense1/kernel", _shape(*dims))
    code, out, err, took = health(run, "--json")
    assert code == 1 and err == "" and took < 15, (err, took)
    (finding,) = json.loads(out)["findings"]
    assert (finding["kind"], finding["variable"], finding["checkpoint"]) == (
        "unreadable", "dense1/kernel", "model.ckpt-50"
    )  # fmt: skip


@pytest.mark.parametrize("dtype, said", [(4, "Invalid size in bundle entry: key bn1/beta; stored size 256; expected size 64"),
                                         (7, "checksum mismatch in bn1/beta")])  # fmt: skip
def test_a_float_rewritten_as_an_unmeasured_dtype_is_unreadable_not_skipped(tmp_path, dtype, said):
    """uint8 and string (DataType 4, 7) are not measured, but verify finds them corrupt: so does
    health (make fuzz found both 'skipped' with nothing wrong)."""
    run = healthy_copy(tmp_path)
    edit_entry(run / "model.ckpt-0.index", "bn1/beta", lambda e: setattr(e, "dtype", dtype))
    code, out, err, _ = health(run, "--json")
    assert code == 1 and err == ""
    (finding,) = json.loads(out)["findings"]
    assert (finding["kind"], finding["variable"], finding["checkpoint"]) == ("unreadable", "bn1/beta", "model.ckpt-0")
    assert said in finding["detail"]


def test_a_kernel_rewritten_as_strings_is_one_line_everywhere(tmp_path):
    """Its float bytes read as string lengths give one past 2^64: struct.error reached the
    catch-all of show, verify and health (found by make fuzz)."""
    run = healthy_copy(tmp_path)
    edit_entry(run / "model.ckpt-25.index", "dense1/kernel", lambda e: setattr(e, "dtype", 7))
    said = "dense1/kernel is damaged: bad string lengths in model.ckpt-25.data-00000-of-00001 at offset 2,312"
    code, out, err, _ = health(run, "--json")
    assert code == 1 and err == "" and [f["detail"] for f in json.loads(out)["findings"]] == [said]
    for command in (["verify", run], ["show", run / "model.ckpt-25", "dense1/kernel"]):
        r = subprocess.run(
            [sys.executable, "-m", "ckpt_browser", *map(str, command)], capture_output=True, text=True, timeout=60,
            cwd=ROOT,
        )  # fmt: skip
        assert "unexpected error" not in r.stderr and said in r.stdout + r.stderr, (command, r.stdout, r.stderr)
