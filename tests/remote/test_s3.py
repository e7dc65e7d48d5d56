"""Model dirs in a bucket: every subcommand against moto's real S3 server through s3fs, answers
equal to the same files on disk, lazy reads counted on the wire, and faults in one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from ckpt_browser.core.tf.tfimport import tf


def cli(*args, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ckpt_browser", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )  # fmt: skip


def same_answer(local: dict, remote: dict, local_root, remote_root) -> None:
    """Equal JSON, but for what the copy itself changes: where the files are, and their mtimes
    (an upload is a new file; checkpoints without state timestamps are dated by their files)."""

    def scrub(x, root):
        if isinstance(x, dict):
            return {k: scrub(v, root) for k, v in x.items() if k not in ("timestamp", "seconds")}
        if isinstance(x, list):
            return [scrub(v, root) for v in x]
        if isinstance(x, str):
            return re.sub(r"checked in [0-9.]+ s", "checked in ~ s", x.replace(str(root), "<dir>"))
        return x

    assert scrub(local, local_root) == scrub(remote, remote_root)


@pytest.mark.parametrize("name", ["iris", "partitioned", "sharded"])
def test_ls_json_equals_the_local_answer(s3, name):
    local, remote = cli("ls", s3.local[name], "--json"), cli("ls", s3.urls[name], "--json")
    assert remote.returncode == 0, remote.stderr
    assert remote.stderr == ""
    theirs = json.loads(remote.stdout)
    if str(s3.local[name]) in (s3.local[name] / "checkpoint").read_text():
        # TensorFlow wrote absolute paths into the state file: in the bucket they name another folder.
        assert [n for n in theirs["notes"] if "names paths of another machine or folder" in n] != []
        theirs["notes"] = [n for n in theirs["notes"] if "another machine" not in n]
    same_answer(json.loads(local.stdout), theirs, s3.local[name], s3.urls[name])
    names = [v["name"] for v in json.loads(remote.stdout)["variables"]]
    prefix = str(s3.local[name] / json.loads(remote.stdout)["checkpoint"])
    assert names == [n for n, _ in tf().train.list_variables(prefix)]


@pytest.mark.parametrize("name", ["iris", "partitioned", "sharded"])
def test_show_values_equal_tensorflow_on_the_local_files(s3, name):
    listing = json.loads(cli("ls", s3.urls[name], "--json").stdout)
    prefix = str(s3.local[name] / listing["checkpoint"])
    reader = tf().train.load_checkpoint(prefix)
    for v in [v for v in listing["variables"] if v["dtype"] != "string"][:4]:
        r = cli("show", s3.urls[name], v["name"], "--json", "--all")
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        np.testing.assert_array_equal(np.asarray(out["values"]).reshape(v["shape"]), reader.get_tensor(v["name"]))


def test_diff_local_against_remote_and_remote_against_remote(s3):
    iris = s3.local["iris"]
    r = cli("diff", iris, s3.urls["iris"], "--json")
    assert r.returncode == 0, r.stderr  # the same files: identical
    assert json.loads(r.stdout)["identical"] is True
    local = cli("diff", iris / "model.ckpt-100", iris / "model.ckpt-300", "--json")
    remote = cli("diff", s3.urls["iris"] + "/model.ckpt-100", s3.urls["iris"] + "/model.ckpt-300", "--json")
    assert remote.returncode == local.returncode == 1
    same_answer(json.loads(local.stdout), json.loads(remote.stdout), iris, s3.urls["iris"])


def test_verify_and_check_equal_the_local_answers(s3):
    for sub in ("verify", "check"):
        local = cli(sub, s3.local["iris"], "--json")
        remote = cli(sub, s3.urls["iris"], "--json")
        assert remote.returncode == local.returncode == 0, remote.stderr
        same_answer(json.loads(local.stdout), json.loads(remote.stdout), s3.local["iris"], s3.urls["iris"])


def test_run_restores_a_checkpoint_fetched_from_the_bucket(s3):
    args = ("--fetch", "y_est", "--feed", "X=-2:4:7", "--json")
    local = cli("run", s3.local["quadratic"], *args)
    remote = cli("run", s3.urls["quadratic"], *args)
    assert remote.returncode == 0, remote.stderr
    assert json.loads(remote.stdout) == json.loads(local.stdout)


def test_a_missing_bucket_or_object_is_one_line(s3):
    for url, words in [
        ("s3://no-such-bucket/run", "does not exist"),
        (s3.urls["iris"] + "/nothing-here", "does not exist"),
    ]:
        r = cli("ls", url)
        assert r.returncode == 2
        assert r.stdout == ""
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert words in r.stderr and url[:20] in r.stderr


def test_without_s3fs_the_url_says_which_extra_to_install(s3):
    code = (
        "import sys; sys.modules['s3fs'] = None\n"
        "from ckpt_browser.cli import main\n"
        f"sys.exit(main(['ls', {s3.urls['iris']!r}]))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == "ckpt-browser ls: install ckpt-browser[s3] to open s3:// URLs"


def test_a_tfjs_model_in_a_bucket_reads_like_the_local_one(s3):
    from pathlib import Path

    local = Path(__file__).parents[1] / "data" / "tfjs" / "layers"
    s3.fs.put(str(local), "runs/tfjs", recursive=True)
    here, there = cli("ls", local / "model.json", "--json"), cli("ls", "s3://runs/tfjs/model.json", "--json")
    assert there.returncode == 0, there.stderr
    same_answer(json.loads(here.stdout), json.loads(there.stdout), local, "s3://runs/tfjs")
    r = cli("show", "s3://runs/tfjs/model.json", "out/kernel", "--json", "--all")
    want = json.loads((local.parent / "expected.json").read_text())["model"]["out/kernel"]["values"]
    np.testing.assert_array_equal(np.asarray(json.loads(r.stdout)["values"], np.float32), np.asarray(want, np.float32))
