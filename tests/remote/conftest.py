"""A real S3 API on loopback (moto's server) behind a relay that counts the wire, and the test
model_dirs uploaded to it by s3fs -- the same client the app uses."""

from __future__ import annotations

import os

import pytest

from tests.remote.wire import WireRelay, s3_env, start_moto
from tests.ui.conftest import window  # noqa: F401 - the GUI tests here use the real window fixture

BUCKET = "runs"


@pytest.fixture(scope="session")
def moto():
    server, host, port = start_moto()
    yield host, port
    server.stop()


@pytest.fixture(scope="session")
def s3(moto, written, iris_dir, quadratic):
    """The bucket, with iris, a partitioned and a sharded checkpoint and the quadratic example;
    the process's environment points s3fs at the relay, as a user's shell would."""
    relay = WireRelay(*moto)
    saved = {k: os.environ.get(k) for k in s3_env("")}
    os.environ.update(s3_env(relay.url))
    fs = _fresh_fs()
    fs.mkdir(BUCKET)
    uploads = {
        "iris": iris_dir,
        "partitioned": written["partitioned"],
        "sharded": written["sharded"],
        "quadratic": quadratic,
    }
    for name, local in uploads.items():
        fs.put(str(local), f"{BUCKET}/{name}", recursive=True)
    yield S3(relay, fs, {name: f"s3://{BUCKET}/{name}" for name in uploads}, uploads)
    relay.close()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    _fresh_fs()


def _fresh_fs():
    """s3fs keeps one client per set of arguments: a new endpoint needs a new instance."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    return s3fs.S3FileSystem()


class S3:
    def __init__(self, relay, fs, urls, local) -> None:
        self.relay, self.fs, self.urls, self.local = relay, fs, urls, local
