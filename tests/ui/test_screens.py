"""The window on the screens people have -- 1366x768, 1920x1080 at 150 % and 200 % scaling,
2560x1440 -- each an offscreen screen in a process of its own: the window fits the screen, the
variable names read (Name column >= 24 characters), every tab is on show or in the tab menu."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
SCREENS = ["1366x768", "1920x1080-150", "1920x1080-200", "2560x1440"]


@pytest.mark.parametrize("screen", SCREENS)
def test_window_fits_the_screen(tmp_path, iris_dir, screen):
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={DATA / f'offscreen-{screen}.json'}")
    shot = tmp_path / "shot.png"
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.screen_probe", str(iris_dir), "dnn/hiddenlayer_0/kernel", str(shot)],
        capture_output=True, text=True, timeout=180, env=env, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    spec = json.loads((DATA / f"offscreen-{screen}.json").read_text())["screens"][0]
    assert seen["screen"][:2] == [spec["width"], spec["height"]]
    assert seen["window"][0] <= spec["width"] and seen["window"][1] <= spec["height"]
    assert seen["name_chars"] >= 24, seen
    assert seen["name_shown"]
    for tab in seen["tabs"]:
        assert tab in seen["tabs_visible"] or tab in seen["tabs_in_menu"], tab
    assert seen["tabs_in_menu"] == seen["tabs"]  # the menu lists them all, in order
    assert seen["tabs_pane"] >= 360, seen  # the plots are not squashed to a sliver
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    dpr = spec["dpr"]
    assert (image.width(), image.height()) == (round(seen["size"][0] * dpr), round(seen["size"][1] * dpr))
