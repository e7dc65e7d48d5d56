"""The light desktop build (CKPT_BROWSER_EDITION=lite: no TensorFlow), made where TensorFlow is not
installed (make test-notf, as make package-lite does), then used as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TF_INSTALLED
from tests.desktop_build import build_desktop_app, remove_build
from tests.first_run import assert_examples_opened, fresh_env

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TF_INSTALLED, reason="the light build is made without TensorFlow: make test-notf"),
]


@pytest.fixture(scope="module")
def lite_app(tmp_path_factory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("package-lite")
    app = build_desktop_app(work, env={**os.environ, "CKPT_BROWSER_EDITION": "lite"}) / "ckpt-browser-lite"
    assert (app / "ckpt-browser").is_file() and (app / "ckpt-browser-cli").is_file()
    yield app
    remove_build(work)


def test_it_holds_no_tensorflow(lite_app):
    internal = lite_app / "_internal"
    assert not [p.name for p in internal.iterdir() if p.name.split("-")[0] in ("tensorflow", "keras", "tensorboard")]


def test_its_console_twin_answers_as_the_installed_command(lite_app, iris_dir):
    """The frozen program against the installed one (held to TensorFlow's reader by the other tests)."""
    for argv in (["ls", str(iris_dir), "--json"], ["verify", str(iris_dir), "--json"]):
        frozen = subprocess.run(
            [str(lite_app / "ckpt-browser-cli"), *argv], capture_output=True, text=True, timeout=300
        )
        installed = subprocess.run(
            [sys.executable, "-m", "ckpt_browser", *argv], capture_output=True, text=True, timeout=300
        )
        assert frozen.returncode == installed.returncode == 0, frozen.stderr
        ours, theirs = json.loads(frozen.stdout), json.loads(installed.stdout)
        for record in (ours, theirs):
            record.pop("seconds", None)
            record.pop("summary", None)  # holds the seconds too
        assert ours == theirs


def test_run_says_what_the_full_build_adds(lite_app, iris_dir):
    r = subprocess.run(
        [str(lite_app / "ckpt-browser-cli"), "run", str(iris_dir), "--fetch", "dnn/logits/BiasAdd"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 2 and r.stdout == ""
    (line,) = r.stderr.strip().splitlines()
    assert "light build" in line and "the full build" in line and "restores" in line and "pip" not in line


def test_the_window_shows_the_model_dir(lite_app, iris_dir, tmp_path):
    png = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run(
        [str(lite_app / "ckpt-browser"), "--screenshot", str(png), str(iris_dir), "--select", "dnn/logits/kernel",
         "--tab", "graph"],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    assert img.width() > 600 and img.height() > 400
    colours = {img.pixel(x, y) for x in range(0, img.width(), 5) for y in range(0, img.height(), 5)}
    assert len(colours) > 50  # text, tree, the graph's variables: not a blank window


def test_it_opens_the_examples_from_an_empty_home(lite_app, tmp_path):
    """The light build's first run (issue 31): its bundled examples, nothing in errors.log."""
    home = tmp_path / "home"
    r = subprocess.run(
        [str(lite_app / "ckpt-browser"), "--demo", "--screenshot", str(tmp_path / "shot.png")],
        capture_output=True, text=True, timeout=300, env=fresh_env(home), cwd=tmp_path,
    )  # fmt: skip
    assert_examples_opened(home, r)
