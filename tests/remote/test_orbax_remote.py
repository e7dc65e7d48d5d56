"""Orbax checkpoints in a bucket (moto's S3 server) and on an HTTP server, the bytes on the wire
counted by a relay: listing a step's arrays reads the manifest and B-tree nodes (and each array's
small zarr metadata), never the arrays; a slice reads only its chunks."""

from __future__ import annotations

import json
import os
import shutil
from urllib.parse import urlsplit

import numpy as np
import pytest

from tests.conftest import DATA
from tests.hostile_http import Hostile
from tests.remote.wire import WireRelay, s3_env

ts = pytest.importorskip("tensorstore", reason="tensorstore (ckpt-browser[orbax]) is not installed")

import ckpt_browser as cb  # noqa: E402
from ckpt_browser.core.formats.reader import open_checkpoint  # noqa: E402

ORBAX = DATA / "orbax"
TRUTH = ORBAX / "truth" / "manager" / "2" / "default"
LISTING_LIMIT = 100_000
BIG = (1024, 1024)  # float32: 4 MiB of random values, chunks of 256 x 256 (256 KiB)


@pytest.fixture(scope="module")
def big_run(tmp_path_factory):
    """The manager fixture with its params/big array rewritten 4 MiB large (random: no compression
    helps) through tensorstore, as a bigger run of the same writer would hold it: the listing must
    cost the same."""
    root = tmp_path_factory.mktemp("orbax") / "manager"
    shutil.copytree(ORBAX / "manager", root)
    item = root / "2" / "default"
    spec = {
        "driver": "zarr", "kvstore": {"driver": "ocdbt", "base": f"file://{item}/", "path": "params.big/"},
        "metadata": {"shape": list(BIG), "chunks": [256, 256], "dtype": "<f4", "compressor": {"id": "zstd", "level": 1}},
    }  # fmt: skip
    array = ts.open(spec, create=True, delete_existing=True).result()
    values = np.random.default_rng(7).standard_normal(BIG).astype(np.float32)
    array.write(values).result()
    return root, values


@pytest.fixture(scope="module")
def bucket(moto, big_run):
    """s3://orbax/manager (the big run) and s3://orbax/keras_fit, behind a relay that counts bytes."""
    import s3fs

    relay = WireRelay(*moto)
    saved = {k: os.environ.get(k) for k in s3_env("")}
    os.environ.update(s3_env(relay.url))
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    fs.mkdir("orbax")
    fs.put(str(big_run[0]), "orbax/manager", recursive=True)
    fs.put(str(ORBAX / "keras_fit"), "orbax/keras_fit", recursive=True)
    yield relay
    relay.close()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    s3fs.S3FileSystem.clear_instance_cache()


def _listing_bytes(relay, url: str, name: str):
    md = cb.open(url)
    relay.reset()
    variables = md.checkpoint(name).variables
    return variables, relay.down + relay.up, md


def test_listing_a_bucket_costs_the_metadata_not_the_arrays(bucket, big_run):
    variables, wire, md = _listing_bytes(bucket, "s3://orbax/manager", "2")
    want = json.loads((TRUTH / "truth.json").read_text())
    assert {v.name for v in variables} == set(want)
    assert {v.name: v.shape for v in variables}["params/big"] == BIG
    assert wire < LISTING_LIMIT, wire
    print(f"\ns3 listing of {len(variables)} arrays: {wire:,} bytes on the wire")
    bucket.reset()
    reader = open_checkpoint(md.checkpoint("2").prefix)
    part = reader.read_slice("params/big", (slice(0, 10), slice(300, 310)))  # one chunk of 16
    np.testing.assert_array_equal(part, big_run[1][0:10, 300:310])
    assert bucket.down < 400_000, bucket.down  # one 256 KiB chunk, not 4 MiB
    bucket.reset()
    np.testing.assert_array_equal(reader.read("params/big"), big_run[1])
    assert bucket.down > 3 << 20  # the rest of the array crossed the wire (its first chunk is cached)
    embed = reader.read("params/embed")
    np.testing.assert_array_equal(embed.view(np.uint16), np.load(TRUTH / want["params/embed"]["npy"]))


def test_a_keras_run_in_a_bucket_lists_its_steps_and_verifies(bucket, capsys):
    from ckpt_browser.cli import main

    assert main(["verify", "s3://orbax/keras_fit", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in doc["checkpoints"]] == ["8", "10", "12"]
    assert all(c["status"] == "ok" and "no checksums" in c["note"] for c in doc["checkpoints"])


def test_over_http(big_run):
    with Hostile(big_run[0].parent, lifetime=60) as server:
        u = urlsplit(server.url)
        relay = WireRelay(u.hostname, u.port)
        try:
            variables, wire, md = _listing_bytes(relay, f"{relay.url}/ok/manager", "2")
            assert {v.name: v.shape for v in variables}["params/big"] == BIG
            assert wire < LISTING_LIMIT, wire
            print(f"\nhttp listing of {len(variables)} arrays: {wire:,} bytes on the wire")
            relay.reset()
            part = open_checkpoint(md.checkpoint("2").prefix).read_slice("params/big", (slice(700, 705), 3))
            np.testing.assert_array_equal(part, big_run[1][700:705, 3])
            assert relay.down < 400_000, relay.down
        finally:
            relay.close()


def test_over_http_with_a_password(capsys):
    """user:password@ in the URL: tensorstore's reads send it as our HTTP reads do; it is never shown."""
    from ckpt_browser.cli import main
    from tests.hostile_http import PASSWORD, USER

    with Hostile(ORBAX, lifetime=60) as server:
        url = server.url.replace("http://", f"http://{USER}:{PASSWORD}@") + "/auth/manager"
        assert main(["show", url, "params/codes", "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        want = json.loads((TRUTH / "truth.json").read_text())["params/codes"]
        np.testing.assert_array_equal(np.asarray(doc["values"], np.int8), np.load(TRUTH / want["npy"]))
        wrong = server.url.replace("http://", f"http://{USER}:not-{PASSWORD}@") + "/auth/manager"
        assert main(["show", wrong, "params/codes"]) == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert "401" in line and "not-" + PASSWORD not in line
