"""`ckpt-browser health` as CI would call it: a real process, JSON on stdout, the exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUNS = Path(__file__).resolve().parent / "data" / "health"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ckpt_browser", "health", *map(str, args)], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "name, code",
    [("healthy", 0), ("explode", 0), ("vanish", 0), ("nan", 1), ("inf", 1), ("frozen", 1), ("dead", 1)],
)
def test_exit_code_gates_on_nan_inf_frozen_dead(name, code):
    r = run(RUNS / name, "--json")
    assert r.returncode == code, r.stderr
    assert r.stderr == ""
    out = json.loads(r.stdout)
    assert [c["name"] for c in out["checkpoints"]][:3] == ["model.ckpt-0", "model.ckpt-25", "model.ckpt-50"]
    first = out["checkpoints"][0]["variables"][0]
    assert set(first) == {"name", "norm", "update_ratio", "nan", "inf", "dead_units", "alpha"}
    assert all(v["update_ratio"] is None for v in out["checkpoints"][0]["variables"])
    for f in out["findings"]:
        assert set(f) >= {"kind", "variable", "checkpoint", "step", "detail"}
    assert isinstance(out["summary"], str)


def test_the_text_report_names_the_first_nan():
    r = run(RUNS / "nan")
    assert r.returncode == 1
    line = next(x for x in r.stdout.splitlines() if x.startswith("nan ") and "dense2/kernel" in x)
    assert "model.ckpt-60" in line and "1 of 4,096 values are NaN" in line


def test_all_adds_optimizer_state():
    names = {
        v["name"] for v in json.loads(run(RUNS / "healthy", "--json", "--all").stdout)["checkpoints"][1]["variables"]
    }
    assert "dense1/kernel/Adam" in names and "beta1_power" in names and "global_step" not in names


def test_a_folder_of_runs_reports_each_and_fails_if_one_does():
    r = run(RUNS, "--json")
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    names = [Path(x["path"]).name for x in out["runs"]]
    assert names == ["dead", "explode", "frozen", "frozen_tf2", "healthy", "inf", "nan", "vanish"]
    assert out["summary"] == "8 runs, 5 with a nan, inf, frozen or dead finding"


def test_one_checkpoint_alone_has_no_update_ratio():
    out = json.loads(run(RUNS / "healthy" / "model.ckpt-50", "--json").stdout)
    assert [c["name"] for c in out["checkpoints"]] == ["model.ckpt-50"]
    assert not out["findings"]


def test_a_path_with_nothing_is_one_line_exit_2(tmp_path):
    for path in (tmp_path / "nothing", tmp_path):
        r = run(path)
        assert r.returncode == 2
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("ckpt-browser health: ")
