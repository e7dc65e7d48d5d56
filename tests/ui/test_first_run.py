"""The first run on a fresh machine (issue 31): the README's `make run` (`ckpt-browser --demo`) with an
empty cache and config folder opens the bundled examples, logs nothing to errors.log, and the window
has its icon -- in a source checkout, and with the resources where the wheel and the frozen build put
them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib

from tests.first_run import assert_examples_opened, fresh_env

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_from_an_empty_home_opens_the_examples(tmp_path):
    """What `make run` runs (Makefile: ckpt-browser --demo), from a source checkout."""
    make_run = re.search(r"^run:.*\n\t\$\(BIN\)/ckpt-browser (.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert make_run and make_run.group(1).split() == ["--demo"]
    home = tmp_path / "home"
    png = tmp_path / "shot.png"
    r = subprocess.run(
        [sys.executable, "-m", "ckpt_browser", *make_run.group(1).split(), "--screenshot", str(png)],
        capture_output=True, text=True, timeout=180, env=fresh_env(home), cwd=ROOT,
    )  # fmt: skip
    assert_examples_opened(home, r)
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    assert img.width() > 600 and img.height() > 400


def _package_copy(site: Path, resources_at: str) -> Path:
    """The package as an install lays it out: ckpt_browser/ in site/, the repository's resources/ at
    resources_at (relative to site/); no repository around it."""
    shutil.copytree(ROOT / "ckpt_browser", site / "ckpt_browser", ignore=shutil.ignore_patterns("__pycache__"))
    (site / resources_at).parent.mkdir(parents=True, exist_ok=True)
    (site / resources_at).symlink_to(ROOT / "resources", target_is_directory=True)
    return site


def _resources_seen_by(site: Path, env: dict[str, str]) -> str:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from ckpt_browser.core.model_dir.examples import resources_dir; print(resources_dir())"
    )
    r = subprocess.run(
        [sys.executable, "-I", "-c", code, str(site)], capture_output=True, text=True, timeout=60, env=env, cwd=site
    )
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_the_wheel_layout_finds_the_resources(tmp_path):
    """pyproject's force-include puts resources/ at ckpt_browser/resources in the wheel."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]["resources"]
    site = _package_copy(tmp_path / "site-packages", target)
    assert _resources_seen_by(site, dict(os.environ)) == str(site / target)


def test_the_frozen_layout_finds_the_resources(tmp_path):
    """packaging/pyinstaller.spec's datas put resources/ at <bundle>/ckpt_browser/resources, and the
    frozen modules' __file__ is under the bundle (tests/test_package*.py run the real builds)."""
    spec = (ROOT / "packaging" / "pyinstaller.spec").read_text()
    datas = re.search(r'datas=\[\(str\(ROOT / "resources"\), "([^"]+)"\)\]', spec)
    assert datas
    site = _package_copy(tmp_path / "_internal", datas.group(1))
    assert _resources_seen_by(site, dict(os.environ)) == str(site / datas.group(1))


def test_the_window_icon_is_found(qapp):
    from ckpt_browser.ui.app import app_icon

    icon = app_icon()
    assert icon is not None and not icon.isNull()
    for size in (16, 48, 256):
        img = icon.pixmap(size, size).toImage()
        assert img.width() == size
        opaque = sum(img.pixelColor(x, y).alpha() > 0 for x in range(size) for y in range(size))
        assert opaque > size * size // 4  # the drawing, not an empty pixmap
