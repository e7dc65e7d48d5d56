"""Layout by content on the screens people have (issue 31): 1366x768, 1920x1080 at 150 % and 200 %,
2560x1440 at 200 %, each an offscreen screen in a process of its own (tests/ui/layout_probe.py).
The variable tree is as wide as its names want, up to a cap: no name of the Estimator model_dirs is cut
below 24 characters; the tabs get the rest; the checkpoint list shows Flags and the selected checkpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SCREENS = ["1366x768", "1920x1080-150", "1920x1080-200", "2560x1440-200"]
# The held-out Estimator model_dirs with the longest and deepest names (input_from_feature_columns,
# age_bucketized_X_education_X_occupation under training/Adagrad/linear/linear_model, embedding_weights
# six scopes down), then iris, whose names are short.
CENSUS = DATA / "scripts" / "census" / "model_dir"
CANNED = DATA / "estimator" / "canned"
MODEL_DIRS = [
    CENSUS,
    DATA / "scripts" / "census" / "model_dir_wide",
    *sorted(p for p in CANNED.iterdir() if p.is_dir()),
    DATA / "estimator" / "iris_resized",
    DATA / "estimator" / "iris",  # last: the selection in a list of many checkpoints
]
LEAST_CHARS = 24
TABS_LEAST = 360


@pytest.fixture(scope="module", params=SCREENS)
def probe(request, tmp_path_factory):
    screen = request.param
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={DATA / f'offscreen-{screen}.json'}")
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.layout_probe", "", *map(str, MODEL_DIRS)],
        capture_output=True, text=True, timeout=180, env=env, cwd=ROOT,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return screen, json.loads(r.stdout.strip().splitlines()[-1])


def test_no_name_is_cut_below_24_characters(probe):
    screen, seen = probe
    for model_dir, what in seen["seen"].items():
        assert len(what["names"]) > 5, model_dir  # the tree is open
        for name, shown in what["names"]:
            kept = len(shown) if shown == name else len(shown.rstrip("…"))
            assert kept >= min(LEAST_CHARS, len(name)), (screen, model_dir, name, shown)


def test_the_tabs_get_the_rest(probe):
    screen, seen = probe
    for model_dir, what in seen["seen"].items():
        tree, tabs = what["split"]
        assert tabs >= TABS_LEAST, (screen, model_dir, what["split"])
    # Short names leave room to the tabs: iris's tree is narrower than census's, and shows every name whole.
    iris, census = seen["seen"][str(MODEL_DIRS[-1])], seen["seen"][str(CENSUS)]
    assert all(shown == name for name, shown in iris["names"])
    assert iris["split"][0] < census["split"][0]
    assert iris["split"][1] > census["split"][1]


def test_the_checkpoint_list_shows_flags_and_the_selection(probe):
    screen, seen = probe
    for model_dir, what in seen["seen"].items():
        ckpts = what["checkpoints"]
        width, height = ckpts["viewport"]
        flags = ckpts["columns"]["Flags"]
        assert flags is not None, (screen, model_dir)
        assert ckpts["columns"]["Checkpoint"] is not None
        widest = max(w for _, w in ckpts["flags"])
        assert any(text == "latest" for text, _ in ckpts["flags"])
        # The whole of the widest flag inside its column, and the column inside the list.
        assert flags["right"] - flags["left"] >= widest + 6, (screen, model_dir, ckpts)
        assert flags["left"] >= 0 and flags["left"] + widest + 6 <= width, (screen, model_dir, ckpts)
        left, top, right, bottom = ckpts["current"]
        assert ckpts["current_name"], (screen, model_dir)
        assert 0 <= top and bottom < height, (screen, model_dir, ckpts)  # the selected checkpoint is in view
