"""Structure-aware fuzzing of the Orbax reader: a step Orbax wrote (tests/data/orbax/manager/2),
one of its parts mutated -- the OCDBT manifest, a data file (B-tree nodes and chunks), a zarr
metadata entry inside the database (replaced by a writer's put), the PyTree and step metadata --
then read as browsing does: scan, list, read every array, verify's check.

Every outcome must be a value or one line (tests/fuzz/test_fuzz.py's `outcome`); tensorstore runs
in its worker process, so a crash or a hang there must come back as one line too.
"""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import DATA
from tests.fuzz.test_fuzz import examples, mutate, mutations, outcome
from tests.fuzz.test_fuzz_models import json_values, scratch

ts = pytest.importorskip("tensorstore", reason="tensorstore (ckpt-browser[orbax]) is not installed")

from ckpt_browser.core.formats.orbax import open_orbax, scan_orbax  # noqa: E402

STEP = DATA / "orbax" / "manager" / "2"
ITEM = "default"
PARTS = ["manifest.ocdbt", "d", "process", "_METADATA", "_CHECKPOINT_METADATA", "zarray"]


@pytest.fixture(autouse=True)
def _native_limits(monkeypatch):
    monkeypatch.setenv("CKPT_BROWSER_NATIVE_TIMEOUT", "10")  # a hang is stopped, not waited out


def read_everything(step):
    found = scan_orbax(step.parent)
    reader = open_orbax(step)
    out = [found, reader.variables()]
    for v in reader.variables():
        out.append(outcome(reader.read, v.name))
        out.append(outcome(reader.check, v.name, None, True))
    return out


def _looped(result) -> bool:
    return "looped on" in str(result) or "crashed reading" in str(result)


@given(part=st.sampled_from(PARTS), how=mutations(), pick=st.integers(0, 100), value=json_values)
@examples(ci=12, fuzz=3000)
def test_a_mutated_orbax_step_gives_values_or_one_line(part, how, pick, value):
    root = scratch()
    try:
        step = root / "2"
        shutil.copytree(STEP, step)
        item = step / ITEM
        if part in ("d", "process"):
            folder = item / "d" if part == "d" else item / "ocdbt.process_0" / "d"
            files = sorted(folder.iterdir())
            target = files[pick % len(files)]
            target.write_bytes(mutate(target.read_bytes(), how))
        elif part == "zarray":
            kv = ts.KvStore.open({"driver": "ocdbt", "base": f"file://{item}/"}).result()
            keys = [k for k in kv.list().result() if k.endswith(b".zarray")]
            key = keys[pick % len(keys)]
            doc = json.loads(kv.read(key).result().value)
            field = sorted(doc)[pick % len(doc)]
            doc[field] = value
            kv.write(key, json.dumps(doc).encode() if pick % 3 else mutate(json.dumps(doc).encode(), how)).result()
        else:
            target = item / part if part != "_CHECKPOINT_METADATA" else step / part
            target.write_bytes(mutate(target.read_bytes(), how))
        outcome(read_everything, step, waive=_looped)
    finally:
        shutil.rmtree(root, ignore_errors=True)
