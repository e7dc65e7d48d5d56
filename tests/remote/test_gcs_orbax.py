"""Orbax checkpoints in a Cloud Storage bucket (the emulator of tests/remote/gcs.py behind the relay
that counts the wire), read by tensorstore's own gcs driver pointed at the emulator by
STORAGE_EMULATOR_HOST: the listing costs the manifest and the B-tree nodes, the values are Orbax's
own restore bit for bit, and a damaged step or a server tensorstore cannot use is one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import DATA
from tests.remote import test_orbax_remote
from tests.remote.gcs import GcsEmulator, emulator_environment, emulator_fs
from tests.remote.test_orbax_remote import BIG, LISTING_LIMIT, TRUTH
from tests.remote.test_s3 import cli
from tests.remote.wire import WireRelay

pytest.importorskip("gcsfs", reason="gcsfs (ckpt-browser[gcs]) is not installed")
pytest.importorskip("tensorstore", reason="tensorstore (ckpt-browser[orbax]) is not installed")

import ckpt_browser as cb  # noqa: E402
from ckpt_browser.core.formats.reader import open_checkpoint  # noqa: E402

ORBAX = DATA / "orbax"
big_run = test_orbax_remote.big_run  # the manager run with a 4 MiB array, as the S3 tests have it


@pytest.fixture(scope="module")
def bucket(big_run):
    """gs://orbax/manager (the big run) and gs://orbax/keras_fit, behind a relay that counts bytes."""
    server = GcsEmulator()
    relay = WireRelay(server.host, server.port)
    with emulator_environment(relay.url):
        fs = emulator_fs()
        fs.mkdir("orbax")
        fs.put(str(big_run[0]), "orbax/manager", recursive=True)
        fs.put(str(ORBAX / "keras_fit"), "orbax/keras_fit", recursive=True)
        yield relay, fs
    relay.close()
    server.stop()


def test_ls_json_lists_every_array_as_orbax_restores_it(bucket):
    r = cli("ls", "gs://orbax/manager", "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    doc = json.loads(r.stdout)
    want = json.loads((TRUTH / "truth.json").read_text())  # Orbax's own metadata of the local step
    got = {v["name"]: (v["shape"], v["dtype"]) for v in doc["variables"]}
    assert set(got) == set(want)
    for name, entry in want.items():
        shape = list(BIG) if name == "params/big" else entry["shape"]  # rewritten 4 MiB large (big_run)
        assert got[name] == (shape, entry["dtype"]), name


def test_listing_costs_the_metadata_not_the_arrays_and_a_slice_its_chunk(bucket, big_run):
    relay, _ = bucket
    md = cb.open("gs://orbax/manager")
    relay.reset()
    variables = md.checkpoint("2").variables
    wire = relay.down + relay.up
    assert {v.name: v.shape for v in variables}["params/big"] == BIG
    print(f"\ngs listing of {len(variables)} arrays: {wire:,} bytes on the wire")
    assert wire < LISTING_LIMIT, wire
    relay.reset()
    reader = open_checkpoint(md.checkpoint("2").prefix)
    np.testing.assert_array_equal(
        reader.read_slice("params/big", (slice(0, 10), slice(300, 310))), big_run[1][0:10, 300:310]
    )
    print(f"gs slice of one chunk of 16: {relay.down:,} bytes down")
    assert relay.down < 400_000, relay.down  # one 256 KiB chunk, not 4 MiB


def test_show_values_are_orbaxs_restore_bit_for_bit(bucket):
    want = json.loads((TRUTH / "truth.json").read_text())
    reader = cb.open("gs://orbax/manager").checkpoint("2")
    for name, entry in want.items():
        if name == "params/big":
            continue  # rewritten by big_run: test_listing_... reads it
        got = reader.read(name)
        stored = got.view(np.uint16) if entry["dtype"] == "bfloat16" else got
        np.testing.assert_array_equal(stored, np.load(TRUTH / entry["npy"]), err_msg=name)
    r = cli("show", "gs://orbax/manager", "params/codes", "--json")
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.asarray(json.loads(r.stdout)["values"], np.int8),
                                  np.load(TRUTH / want["params/codes"]["npy"]))  # fmt: skip


def test_a_keras_run_verifies_and_says_orbax_stores_no_checksums(bucket):
    r = cli("verify", "gs://orbax/keras_fit", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [c["name"] for c in doc["checkpoints"]] == ["8", "10", "12"]
    assert all(c["status"] == "ok" and "no checksums" in c["note"] for c in doc["checkpoints"])


def test_a_truncated_chunk_file_is_one_line(bucket):
    _, fs = bucket
    local = ORBAX / "manager" / "2" / "default"
    fs.put(str(ORBAX / "manager"), "orbax/cut", recursive=True)
    for f in (local / "d").iterdir():  # every data file of the step's database, cut in half
        fs.pipe(f"orbax/cut/2/default/d/{f.name}", f.read_bytes()[: f.stat().st_size // 2])
    r = cli("show", "gs://orbax/cut", "params/codes")
    assert r.returncode == 2 and r.stdout == "", r.stdout
    (line,) = r.stderr.strip().splitlines()
    assert "Traceback" not in r.stderr and "unexpected error" not in line and "d/" in line, line
    r = cli("verify", "gs://orbax/cut", "--json")
    statuses = {c["name"]: c["status"] for c in json.loads(r.stdout)["checkpoints"]}
    assert r.returncode != 0 and statuses["1"] == "ok" and statuses["2"] != "ok", statuses


def test_a_missing_bucket_is_one_line(bucket):
    r = cli("ls", "gs://no-such-bucket/orbax")
    assert r.returncode == 2 and r.stdout == ""
    (line,) = r.stderr.strip().splitlines()
    assert "gs://no-such-bucket/orbax does not exist" in line


def test_a_server_without_object_generations_is_one_line_not_a_hang():
    """gcp-storage-emulator as it is: media downloads without x-goog-generation, which tensorstore's
    gcs driver needs (Cloud Storage sends it). The listing by gcsfs works; the arrays are one line."""
    server = GcsEmulator(generation=False)
    try:
        with emulator_environment(server.url):
            fs = emulator_fs()
            fs.mkdir("bare")
            fs.put(str(ORBAX / "manager"), "bare/manager", recursive=True)
            r = cli("ls", "gs://bare/manager", timeout=90)
    finally:
        server.stop()
    assert r.returncode == 2, (r.stdout, r.stderr)
    (line,) = r.stderr.strip().splitlines()
    assert "Traceback" not in r.stderr and "unexpected error" not in line, line
    assert "2/default cannot be read" in line, line
