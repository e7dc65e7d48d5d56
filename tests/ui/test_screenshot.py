"""The app as a process: --screenshot renders the loaded window to a PNG and exits."""

from __future__ import annotations

import os
import subprocess
import sys


def test_screenshot_of_iris_is_not_blank(tmp_path, iris_dir):
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run(
        [sys.executable, "-m", "ckpt_browser", "--screenshot", str(out), str(iris_dir),
         "--select", "dnn/hiddenlayer_0/kernel"],
        capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    from PySide6.QtGui import QImage

    img = QImage(str(out))
    assert img.width() > 600 and img.height() > 400
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 20  # text, selection, tree lines: not a flat image
