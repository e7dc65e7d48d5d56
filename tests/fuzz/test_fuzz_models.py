"""Structure-aware fuzzing of the Keras, TF.js and HDF5 readers (issue 25): files Keras and the
TF.js converter wrote (tests/data/keras/fuzz, tests/data/tfjs), mutated where their structure
is -- zip members and their headers, HDF5 objects, attributes and links, JSON values replaced by
values of every wrong type, manifests that lie, quantization parameters -- then read through the
core (open, list, read every value, the model report, verify) and, for some, the CLI in process.

Every outcome must be a value or one line (tests/fuzz/test_fuzz.py's `outcome`); the catch-all
fails the test. HDF5 runs in its worker process (formats/isolated.py), so a native crash or hang
is caught there and must come back as one line; the count of those is printed.
"""

from __future__ import annotations

import copy
import faulthandler
import json
import math
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import isolated
from tests.conftest import DATA
from tests.fuzz.test_fuzz import FUZZ, examples, mutate, mutations, outcome

# A RuntimeWarning (numpy's "invalid value encountered") is printed to a user's terminal, a second
# and third line after the one the CLI prints: a finding, as an exception is.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")
SEEDS = DATA / "keras" / "fuzz"
TFJS = DATA / "tfjs"
TFJS_KINDS = ["converted", "quantized", "graph", "layers", "manifest"]
COUNTS = {"keras zip": 0, "hdf5": 0, "tfjs": 0, "cli": 0, "native caught": 0}
CLI_EVERY = 20 if FUZZ else 2  # one case in CLI_EVERY also goes through the CLI
# A case stuck for CASE_LIMIT_S (in C code, where no Python time limit reaches) ends the run with
# every thread's stack printed: a hang is a finding, never a run that waits forever. Generous: a case
# may wait out the worker's limit a few times, and a worker start (imports) on a loaded machine. The
# alarm (faulthandler's own thread) is re-armed every REARM_S, not per case: cancelling it costs a
# thread hop, 3 ms a case; so it fires CASE_LIMIT_S - REARM_S to CASE_LIMIT_S into a stuck case.
CASE_LIMIT_S, REARM_S = 600, 30
_armed = [-math.inf]


@pytest.fixture(autouse=True)
def _disarm():
    yield
    faulthandler.cancel_dump_traceback_later()
    _armed[0] = -math.inf


@pytest.fixture(autouse=True)
def _native_limits(monkeypatch):
    monkeypatch.setenv("CKPT_BROWSER_NATIVE_TIMEOUT", "15")  # a hang is stopped, counted, not waited out


def scratch() -> Path:
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="ckpt-fuzz-", dir=base))


# -- JSON values of every wrong type, and where to put them ------------------------------------
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.sampled_from([0, -1, 1, 2**31, 2**63, -(2**63) - 1, 10**30])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", ".", "..", "/etc/passwd", "float64", "string", "uint8", "\x00", "<b>x</b>"])
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=8,
)  # fmt: skip


def json_paths(doc, prefix=(), limit: int = 400) -> list[tuple]:
    """Where values sit in a JSON document (breadth first, the first `limit`)."""
    out, queue = [], [(prefix, doc)]
    while queue and len(out) < limit:
        path, node = queue.pop(0)
        out.append(path)
        if isinstance(node, dict):
            queue += [((*path, k), v) for k, v in node.items()]
        elif isinstance(node, list):
            queue += [((*path, i), v) for i, v in enumerate(node)]
    return out


def json_edit(data, doc, focus: tuple = ()):
    """A document with one to three edits: a value replaced (by any JSON value, or a near miss of
    a number), a key deleted, a list entry repeated."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in json_paths(doc) if p[: len(focus)] == focus] or [()]
        path = data.draw(st.sampled_from(paths))
        parent, key = _walk(doc, path[:-1]), path[-1] if path else None
        old = _walk(doc, path)
        kind = data.draw(st.sampled_from(["replace", "replace", "nudge", "delete", "repeat"]))
        if key is None:
            doc = data.draw(json_values)
        elif kind == "delete" and isinstance(parent, (dict, list)):
            del parent[key]
        elif kind == "repeat" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(old))
        elif kind == "nudge" and isinstance(old, (int, float)) and not isinstance(old, bool):
            parent[key] = data.draw(st.sampled_from([old + 1, old - 1, old * 2, -old, 0, math.nan, math.inf, 1e308]))
        elif kind == "nudge" and isinstance(old, list) and old and all(isinstance(d, int) for d in old):
            i = data.draw(st.integers(0, len(old) - 1))
            parent[key] = old[:i] + [data.draw(st.sampled_from([old[i] - 1, old[i] + 1, 0, -1, 2**40]))] + old[i + 1 :]
        else:
            parent[key] = data.draw(json_values)
    return doc


def _walk(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def dumps(doc) -> bytes:
    return json.dumps(doc, allow_nan=True).encode()


# -- what browsing does with a file ------------------------------------------------------------
def exercise(path: Path, layer: str) -> None:
    """Open, list, read every value, the model report and verify; some cases through the CLI too.
    Counted here: a case Hypothesis abandons while drawing it (an overrun) never gets this far."""
    from ckpt_browser.core.checks.keras_checks import report
    from ckpt_browser.core.formats import reader as reader_module
    from ckpt_browser.core.model_dir.contents import open_source, read_contents
    from ckpt_browser.core.values.verify import verify

    COUNTS[layer] += 1
    case = COUNTS[layer]
    if FUZZ and case % 1000 == 0:  # long runs say how far they are
        print(f"fuzz (models) so far: {COUNTS}", flush=True)
    if time.monotonic() - _armed[0] > REARM_S:
        faulthandler.dump_traceback_later(CASE_LIMIT_S, exit=True)
        _armed[0] = time.monotonic()
    reader_module._cache.clear()
    source = checked(open_source, path)
    if isinstance(source, CheckpointError):
        return _note(source)
    info = source.checkpoint()
    contents = _note(checked(read_contents, info))
    if not isinstance(contents, CheckpointError):
        reader = _note(checked(reader_module.open_checkpoint, info.prefix))
        if not isinstance(reader, CheckpointError):
            for v in contents.variables[:3]:  # verify reads them all, below
                _note(checked(reader.read, v.name))
            _note(checked(report, reader))
    for verdict in checked(verify, [info]).verdicts:
        for problem in verdict.problems + [verdict.error or ""]:
            _note(CheckpointError(problem))
    if case % CLI_EVERY == 0:
        cli_round(path, contents)


def checked(fn, *args):
    """outcome(), whose time limit does not hold when the HDF5 worker was stopped (a native crash or
    hang: caught, one line, and it takes the worker's own limit by design) or started (its imports)
    during the call."""
    started = isolated.HDF5.started
    return outcome(fn, *args, waive=lambda result: isolated.HDF5.started != started or _native(result))


def _native(result) -> bool:
    """Does the result say a native crash or hang was caught (verify: in a verdict)?"""
    texts = [str(result)] if isinstance(result, CheckpointError) else []
    for verdict in getattr(result, "verdicts", []):
        texts += [*verdict.problems, verdict.error or ""]
    return any(w in t for t in texts for w in ("crashed reading", "looped on", "did not start in"))


def _note(result):
    if isinstance(result, CheckpointError) and _native(result):
        COUNTS["native caught"] += 1
    return result


def cli_round(path: Path, contents) -> None:
    from tests.fuzz.test_fuzz import cli

    COUNTS["cli"] += 1
    variables = [] if isinstance(contents, CheckpointError) else contents.variables
    commands = [["ls", str(path), "--json"], ["verify", str(path)], ["check", str(path)]]
    if variables:
        commands.append(["show", str(path), variables[0].name, "--json"])
    for argv in commands:
        code, out, err = cli(*argv)
        lines = err.strip().splitlines()
        assert code in (0, 1, 2) and len(lines) <= 1, (argv, code, err)
        assert "unexpected error" not in err and "Traceback" not in err, (argv, err)
        if "--json" in argv and code != 2:
            json.loads(out)


# -- Keras zips ------------------------------------------------------------------------------
ZIP_OPS = ["config", "config", "metadata", "drop", "rename", "member bytes", "zip bytes", "weights bytes"]


@examples(ci=60, fuzz=20_000)
@given(data=st.data(), op=st.sampled_from(ZIP_OPS), how=mutations(max_edits=4))
def test_keras_zip_members_and_headers(data, op, how):
    folder = scratch()
    try:
        with zipfile.ZipFile(SEEDS / "model.keras") as z:
            members = {n: z.read(n) for n in z.namelist()}
        if op in ("config", "metadata"):
            name = f"{op}.json"
            members[name] = dumps(json_edit(data, json.loads(members[name])))
        elif op == "drop":
            del members[data.draw(st.sampled_from(sorted(members)))]
        elif op == "rename":
            old = data.draw(st.sampled_from(sorted(members)))
            members[data.draw(st.sampled_from(["x.json", "model.weights.h5", "config.json", "../up.h5", ""]))] = (
                members.pop(old)
            )
        elif op in ("member bytes", "weights bytes"):
            name = "model.weights.h5" if op == "weights bytes" else data.draw(st.sampled_from(sorted(members)))
            members[name] = mutate(members[name], how)
        path = folder / "model.keras"
        with zipfile.ZipFile(path, "w", data.draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))) as z:
            for name, body in members.items():
                z.writestr(name or "unnamed", body)
        if op == "zip bytes":  # headers, the central directory, compressed streams
            path.write_bytes(mutate(path.read_bytes(), how))
        exercise(path, "keras zip")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- HDF5 objects, attributes and links -----------------------------------------------------------
H5_SEEDS = ["model.weights.h5", "legacy.h5", "sharded.weights.json"]
H5_OPS = ["delete", "group", "compound", "huge", "strings", "scalar", "soft link", "external link", "attr",
          "attr delete", "config attr", "bytes"]  # fmt: skip


def h5_edit(data, f, op: str, how) -> None:
    import h5py
    import numpy as np

    names: list[str] = []
    f.visit(names.append)
    target = data.draw(st.sampled_from(sorted(names)))
    obj = f[target]
    if op == "delete":
        del f[target]
    elif op in ("group", "compound", "huge", "strings", "scalar"):
        shape = obj.shape if isinstance(obj, h5py.Dataset) else (3,)
        del f[target]
        if op == "group":
            f.create_group(target)
        elif op == "compound":
            f.create_dataset(target, data=np.zeros(shape, dtype=[("a", "f4"), ("b", "i4")]))
        elif op == "huge":  # declared, never stored
            f.create_dataset(target, shape=(data.draw(st.sampled_from([1 << 20, 1 << 31, 1 << 40])), 64), dtype="f4", chunks=(8, 8))  # fmt: skip
        elif op == "strings":
            f.create_dataset(target, data=np.array([b"a", b"<unk>"], dtype=object), dtype=h5py.string_dtype())
        else:
            f.create_dataset(target, data=np.float32(data.draw(st.floats(allow_nan=True, width=32))))
    elif op in ("soft link", "external link"):
        del f[target]
        f[target] = h5py.SoftLink("/" + target) if op == "soft link" else h5py.ExternalLink("/etc/hostname", "/x")
    elif op in ("attr", "attr delete", "config attr"):
        keys = sorted(obj.attrs) or ["name"]
        key = data.draw(st.sampled_from(keys))
        if op == "attr delete" and key in obj.attrs:
            del obj.attrs[key]
        elif (
            op == "config attr" and key in obj.attrs and isinstance(obj.attrs[key], str) and obj.attrs[key][:1] in "[{"
        ):
            obj.attrs[key] = json.dumps(json_edit(data, json.loads(obj.attrs[key])), allow_nan=True)
        else:
            value = data.draw(st.sampled_from([np.arange(3), np.array([b"a", b"b"]), 7, 1.5, b"x" * 300, "", "[1]"]))
            obj.attrs[key] = value


@examples(ci=60, fuzz=20_000)
@given(data=st.data(), seed=st.sampled_from(H5_SEEDS), op=st.sampled_from(H5_OPS), how=mutations(max_edits=3))
def test_hdf5_objects_attributes_and_links(data, seed, op, how):
    import h5py

    folder = scratch()
    try:
        for p in SEEDS.glob("sharded*") if seed.startswith("sharded") else [SEEDS / seed]:
            shutil.copy(p, folder / p.name)
        target = folder / ("sharded_00000.weights.h5" if seed.startswith("sharded") else seed)
        if op == "bytes":
            target.write_bytes(mutate(target.read_bytes(), how))
        else:
            with h5py.File(target, "r+") as f:
                h5_edit(data, f, op, how)
        exercise(folder / seed, "hdf5")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- TF.js manifests that lie ----------------------------------------------------------------------
TFJS_OPS = ["manifest", "manifest", "weights", "quantization", "whole", "shard bytes", "shard length"]


@examples(ci=80, fuzz=60_000)
@given(data=st.data(), kind=st.sampled_from(TFJS_KINDS), op=st.sampled_from(TFJS_OPS), how=mutations(max_edits=4))
def test_tfjs_manifests_that_lie(data, kind, op, how):
    folder = scratch()
    try:
        shutil.copytree(TFJS / kind, folder / kind)
        name = "weights_manifest.json" if kind == "manifest" else "model.json"
        path = folder / kind / name
        doc = json.loads(path.read_text())
        manifest = ("weightsManifest",) if isinstance(doc, dict) else ()
        weights = [(*manifest, g, "weights", i) for g, group in enumerate(_walk(doc, manifest))
                   for i in range(len(group["weights"]))]  # fmt: skip
        if op == "manifest":
            doc = json_edit(data, doc, manifest)
        elif op == "weights":
            doc = json_edit(data, doc, data.draw(st.sampled_from(weights)))
        elif op == "quantization":
            w = _walk(doc, data.draw(st.sampled_from(weights)))
            w["quantization"] = data.draw(
                st.fixed_dictionaries(
                    {"dtype": st.sampled_from(["uint8", "uint16", "float16", "int8", 3])},
                    optional={"scale": scalars, "min": scalars},
                )  # fmt: skip
                | scalars
            )
        elif op == "whole":
            doc = json_edit(data, doc)
        shard = next(p for p in (folder / kind).iterdir() if p.suffix == ".bin")
        if op == "shard bytes":
            shard.write_bytes(mutate(shard.read_bytes(), how))
        elif op == "shard length":
            size = shard.stat().st_size
            shard.write_bytes(shard.read_bytes()[: data.draw(st.integers(0, size + 8))].ljust(size // 2, b"\0"))
        path.write_bytes(dumps(doc))
        exercise(path, "tfjs")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_zz_report_model_counts():
    """Printed by make fuzz (-s): how many inputs each layer tried, and native failures caught."""
    print("\nfuzz (models): " + ", ".join(f"{v:,} {k}" for k, v in COUNTS.items()) + "; no finding")
