"""verify on a Dask cluster: a LocalCluster of worker processes reading moto's S3 server
themselves gives the JSON a local run gives, for a sound and a damaged checkpoint."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.remote.test_s3 import cli, same_answer

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster(s3):
    # Started after the s3 fixture put the bucket's endpoint and keys in the environment: the
    # worker processes inherit them, as workers on a cluster have their own credentials.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def test_verify_on_the_cluster_equals_the_local_run(s3, cluster):
    local = cli("verify", s3.local["iris"], "--json")
    remote = cli("verify", s3.urls["iris"], "--json", "--dask", cluster.scheduler_address, timeout=300)
    assert remote.returncode == local.returncode == 0, remote.stderr
    same_answer(json.loads(local.stdout), json.loads(remote.stdout), s3.local["iris"], s3.urls["iris"])
    env = cli("verify", s3.urls["iris"], "--json", env={"CKPT_BROWSER_DASK": cluster.scheduler_address}, timeout=300)
    assert env.returncode == 0, env.stderr
    same_answer(json.loads(remote.stdout), json.loads(env.stdout), s3.urls["iris"], s3.urls["iris"])


def test_a_damaged_checkpoint_in_the_bucket_is_judged_as_locally(s3, cluster, tmp_path):
    damaged = tmp_path / "iris"
    shutil.copytree(s3.local["iris"], damaged)
    data = sorted(damaged.glob("model.ckpt-300.data-*"))[0]
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0x5A  # one flipped byte in the middle of a tensor
    data.write_bytes(bytes(raw))
    s3.fs.put(str(damaged), "runs/iris-damaged", recursive=True)
    url = "s3://runs/iris-damaged"
    local = cli("verify", damaged, "--json")
    remote = cli("verify", url, "--json", "--dask", cluster.scheduler_address, timeout=300)
    assert remote.returncode == local.returncode == 1, remote.stderr
    report = json.loads(remote.stdout)
    assert [c["status"] for c in report["checkpoints"] if c["name"] == "model.ckpt-300"] == ["corrupt"]
    same_answer(json.loads(local.stdout), report, damaged, url)


def test_an_unreachable_scheduler_is_one_line(s3):
    out = cli("verify", s3.local["iris"], "--dask", "tcp://127.0.0.1:9", timeout=120)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "cannot reach the Dask scheduler" in out.stderr
