"""The desktop build: PyInstaller with our spec, then the built executable used as a user would."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ckpt_browser.core.tf.tfimport import tf
from tests.conftest import TF_INSTALLED
from tests.desktop_build import build_desktop_app, remove_build
from tests.first_run import assert_examples_opened, fresh_env

ROOT = Path(__file__).resolve().parent.parent

# The full build bundles TensorFlow: made where it is installed (make test); without it, the light
# build's tests run instead (tests/test_package_lite.py).
pytestmark = pytest.mark.skipif(not TF_INSTALLED, reason="the full build bundles TensorFlow, not installed here")


@pytest.fixture(scope="module")
def built_app(tmp_path_factory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("package")
    exe = build_desktop_app(work) / "ckpt-browser" / "ckpt-browser"
    assert exe.is_file() and os.access(exe, os.X_OK)
    yield exe
    remove_build(work)


@pytest.mark.slow
def test_built_app_ls_json(built_app, iris_dir):
    r = subprocess.run([str(built_app), "ls", str(iris_dir), "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    theirs = tf().train.list_variables(str(iris_dir / "model.ckpt-300"))
    assert [(v["name"], v["shape"]) for v in out["variables"]] == [(n, list(s)) for n, s in theirs]
    assert [c["name"] for c in out["checkpoints"]] == [f"model.ckpt-{s}" for s in (100, 150, 200, 250, 300)]


@pytest.mark.slow
def test_console_twin_prints_the_subcommands(built_app, iris_dir):
    twin = built_app.with_name("ckpt-browser-cli")
    assert twin.is_file() and os.access(twin, os.X_OK)
    r = subprocess.run([str(twin), "verify", str(iris_dir), "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [c["name"] for c in out["checkpoints"]] == [f"model.ckpt-{s}" for s in (100, 150, 200, 250, 300)]
    assert {c["status"] for c in out["checkpoints"]} == {"ok"}
    bad = subprocess.run([str(twin), "ls", str(iris_dir / "nothing")], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_built_app_reads_a_bucket(built_app, iris_dir):
    """The frozen app has its URL backends: `ls s3://...` against moto's S3 server."""
    from tests.remote.wire import s3_env, start_moto

    server, host, port = start_moto()
    try:
        env = {**os.environ, **s3_env(f"http://{host}:{port}")}
        import s3fs

        s3fs.S3FileSystem.clear_instance_cache()
        fs = s3fs.S3FileSystem(endpoint_url=env["AWS_ENDPOINT_URL"], key="testing", secret="testing")
        fs.mkdir("frozen")
        fs.put(str(iris_dir), "frozen/iris", recursive=True)
        r = subprocess.run(
            [str(built_app), "ls", "s3://frozen/iris", "--json"], capture_output=True, text=True, timeout=300, env=env
        )
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    theirs = tf().train.list_variables(str(iris_dir / "model.ckpt-300"))
    assert [(v["name"], v["shape"]) for v in json.loads(r.stdout)["variables"]] == [(n, list(s)) for n, s in theirs]


@pytest.mark.slow
def test_built_app_screenshot(built_app, iris_dir, tmp_path):
    png = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run(
        [str(built_app), "--screenshot", str(png), str(iris_dir), "--select", "dnn/logits/kernel", "--tab", "plot"],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    assert img.width() > 600 and img.height() > 400
    colours = {img.pixel(x, y) for x in range(0, img.width(), 5) for y in range(0, img.height(), 5)}
    assert len(colours) > 50  # the heatmap's colour map, text, tree: not a blank window


@pytest.mark.slow
def test_built_app_opens_the_examples_from_an_empty_home(built_app, tmp_path):
    """The frozen app's first run (issue 31): its bundled examples, nothing in errors.log."""
    home = tmp_path / "home"
    r = subprocess.run(
        [str(built_app), "--demo", "--screenshot", str(tmp_path / "shot.png")],
        capture_output=True, text=True, timeout=300, env=fresh_env(home), cwd=tmp_path,
    )  # fmt: skip
    assert_examples_opened(home, r)
