"""The import policy: browsing never imports TensorFlow; what needs it says so in one line.

Each command runs in a fresh interpreter, once with `tensorflow` blocked (an import of it fails,
as on a machine without it) and once as usual, where it must still be absent at exit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ESTIMATOR

IRIS = ESTIMATOR / "iris"
CANNED = ESTIMATOR / "canned" / "dnn_classifier_adam_bn"

RUNNER = """
import sys, json
if {blocked}:
    sys.modules["tensorflow"] = None  # `import tensorflow` now raises ImportError
from ckpt_browser.cli import main
code = main({argv!r})
sys.stdout.flush()
loaded = sys.modules.get("tensorflow") is not None
print(json.dumps({{"code": code, "tensorflow_loaded": loaded}}), file=sys.stderr)
"""


def run_cli(argv: list[str], blocked: bool) -> tuple[int, str, list[str], bool]:
    r = subprocess.run(
        [sys.executable, "-c", RUNNER.format(blocked=blocked, argv=argv)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    *lines, last = r.stderr.strip().splitlines() or [""]
    outcome = json.loads(last)
    return outcome["code"], r.stdout, lines, outcome["tensorflow_loaded"]


def browsing_commands(tmp: Path) -> list[tuple[list[str], int]]:
    return [
        (["ls", str(IRIS)], 0),
        (["ls", str(IRIS), "--json"], 0),
        (["show", str(IRIS), "dnn/logits/kernel", "--json"], 0),
        (["diff", str(IRIS / "model.ckpt-100"), str(IRIS / "model.ckpt-300")], 1),
        (["check", str(ESTIMATOR / "iris_resized")], 1),
        (["check", str(IRIS), "--against", "DNNClassifier(hidden_units=[10, 10], n_classes=3, feature_columns=4)"], 0),
        (["verify", str(IRIS)], 0),
        (["verify", str(CANNED), "--json"], 0),
        (["ls", str(CANNED), "--json"], 0),
    ]


@pytest.mark.parametrize("blocked", [True, False], ids=["tensorflow-blocked", "tensorflow-installed"])
def test_browsing_commands_never_import_tensorflow(tmp_path, blocked):
    for argv, want in browsing_commands(tmp_path):
        code, out, err, loaded = run_cli(argv, blocked)
        assert code == want, (argv, err)
        assert err == [], (argv, err)
        assert out.strip(), argv
        assert not loaded, argv


def test_ls_json_is_the_same_with_and_without_tensorflow():
    _, with_tf, _, _ = run_cli(["ls", str(IRIS), "--json"], blocked=False)
    _, without, _, _ = run_cli(["ls", str(IRIS), "--json"], blocked=True)
    assert json.loads(with_tf) == json.loads(without)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(IRIS), "--fetch", "dnn/logits/BiasAdd"],
        ["demo", "{tmp}/demo"],
    ],
    ids=["run", "demo"],
)
def test_what_needs_tensorflow_says_so_in_one_line(tmp_path, argv):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err, _ = run_cli(argv, blocked=True)
    assert code == 2
    assert len(err) == 1 and "needs TensorFlow" in err[0], err


def test_the_window_browses_without_tensorflow_and_the_graph_tab_says_why_it_cannot_restore():
    r = subprocess.run(
        [sys.executable, "-m", "tests.gui_without_tensorflow", str(IRIS)],
        capture_output=True, text=True, timeout=180, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(seen["variables"]) == 15 and "dnn/logits/kernel" in seen["variables"]
    assert seen["tensor_shape"] == [10, 3]
    assert seen["scalar_tags"]  # the Scalars tab plotted the event files
    assert "needs TensorFlow" in seen["graph_status"]
    assert "15 variables" in seen["graph_status"]  # the .meta was still parsed and listed
    assert seen["tensorflow_loaded"] is False


ALL_COMMANDS = """
import sys, json
sys.modules["tensorflow"] = None
from ckpt_browser.cli import main
import contextlib, io
failures = []
for argv, allowed in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    if code not in allowed or err.getvalue().strip():
        failures.append([argv, code, err.getvalue()[-300:]])
print(json.dumps({"failures": failures, "tensorflow": "tensorflow" in sys.modules and sys.modules["tensorflow"] is not None}))
"""


def test_every_fixture_browses_with_tensorflow_blocked(written, pair):
    """Issue 10: ls, show, diff, check and verify on every fixture, TensorFlow never imported."""
    from ckpt_browser.core.model_dir.contents import open_source

    folders = [ESTIMATOR / "iris", ESTIMATOR / "iris_resized"]
    folders += sorted(p for p in (ESTIMATOR / "canned").iterdir() if p.is_dir())
    folders += [written[k] for k in ("saver", "object", "sharded", "partitioned", "saved_model", "dtypes")]
    commands = []
    for folder in folders:
        source = open_source(folder)  # (in this process: only to pick a variable to show)
        info = source.checkpoint()
        first = next(v.name for v in __import__("ckpt_browser.core.formats.reader", fromlist=["x"]).open_checkpoint(
            info.prefix).variables() if v.name != "_CHECKPOINTABLE_OBJECT_GRAPH")  # fmt: skip
        commands += [
            [["ls", str(folder), "--json"], [0]],
            [["show", str(info.prefix), first, "--json"], [0]],
            [["verify", str(folder)], [0]],
            [["check", str(folder)], [0, 1]],
            [["diff", str(folder), str(folder)], [0]],
        ]
    commands.append([["diff", str(pair[0]), str(pair[1]), "--json"], [1]])
    r = subprocess.run(
        [sys.executable, "-c", ALL_COMMANDS, json.dumps(commands)], capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    outcome = json.loads(r.stdout.strip().splitlines()[-1])
    assert outcome["failures"] == []
    assert outcome["tensorflow"] is False
    assert len(commands) == 5 * len(folders) + 1
