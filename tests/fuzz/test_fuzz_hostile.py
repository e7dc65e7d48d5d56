"""Issue 30, fuzzed: --dask addresses where no scheduler answers as one should (silent, garbage,
a real scheduler's handshake followed by lies, random address text) are one line within seconds
for verify/health/show/diff; hostile modules in the current folder (random sets of the names the
command and its worker import, as files or packages) never run, and the answers stay those of a
clean folder.

`make test` runs a few cases of each; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) many.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.test_fuzz import FUZZ, IRIS, examples
from tests.hostile_servers import Server, dask_handshake, scripted, sending

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
KERAS = ROOT / "tests" / "data" / "keras" / "fuzz"
COMMANDS = {
    "verify": ["verify", str(IRIS)],
    "health": ["health", str(IRIS)],
    "show": ["show", str(IRIS), "dnn/logits/bias"],
    "diff": ["diff", str(IRIS / "model.ckpt-100"), str(IRIS / "model.ckpt-300")],
}


@pytest.fixture(scope="module")
def handshake() -> bytes:
    with distributed.LocalCluster(
        n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=":0"
    ) as cluster:
        return dask_handshake(cluster.scheduler_address)


def _one_line(capsys, argv: list[str]) -> str:
    from ckpt_browser.cli import main

    start = time.monotonic()
    code = main(argv)
    took = time.monotonic() - start
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, (argv, code, err)
    assert "unexpected error" not in err[0] and "Traceback" not in err[0], err
    assert took < 8, (argv, took)
    return err[0]


frames = st.one_of(
    st.binary(max_size=64),
    # a length that looks like Dask's (little-endian uint64), then anything
    st.builds(lambda n, rest: n.to_bytes(8, "little") + rest, st.integers(0, 2**64 - 1), st.binary(max_size=64)),
)


@examples(ci=3, fuzz=300)
@given(
    command=st.sampled_from(sorted(COMMANDS)),
    real_greeting=st.booleans(),
    reply=frames,
    close=st.booleans(),
)
def test_dask_servers_that_lie(capsys, monkeypatch, handshake, command, real_greeting, reply, close):
    """A server that sends a scheduler's real handshake (or not), then bytes of any kind."""
    monkeypatch.setenv("CKPT_BROWSER_DASK_TIMEOUT", "1")
    with Server(scripted(handshake if real_greeting else b"", reply, close)) as server:
        line = _one_line(capsys, [*COMMANDS[command], "--dask", server.address])
    assert server.address in line, line


@examples(ci=2, fuzz=200)
@given(command=st.sampled_from(sorted(COMMANDS)), data=frames)
def test_dask_servers_sending_garbage_at_once(capsys, monkeypatch, command, data):
    monkeypatch.setenv("CKPT_BROWSER_DASK_TIMEOUT", "1")
    with Server(sending(data)) as server:
        line = _one_line(capsys, [*COMMANDS[command], "--dask", server.address])
    assert server.address in line, line


addresses = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda scheme, rest: f"{scheme}://{rest}",
        st.sampled_from(["tcp", "tls", "inproc", "ucx", "ws", "http", "TCP", "", "tcp+x"]),
        st.text(max_size=30),
    ),
    st.builds(
        lambda port, tail: f"tcp://127.0.0.1:{port}{tail}",
        st.integers(-5, 70000),
        st.sampled_from(["", "/", "/x", "?a", "#"]),
    ),
)


@examples(ci=8, fuzz=1000)
@given(address=addresses)
def test_dask_address_text(capsys, monkeypatch, address):
    """Any text as the address: one line (nothing listens on the ports tried here)."""
    if not address.strip() or "\x00" in address:
        return  # empty: no cluster asked for (a local run); NUL: argv cannot hold it
    monkeypatch.setenv("CKPT_BROWSER_DASK_TIMEOUT", "1")
    _one_line(capsys, [*COMMANDS["verify"], f"--dask={address}"])  # "--dask -x": argparse's own message


# -- hostile modules in the current folder ---------------------------------------------------------

# What the command and its HDF5 worker import (third-party and standard library), and what Python
# would import at start-up if it looked in the current folder.
HOSTILE = [
    "h5py", "numpy", "ml_dtypes", "tensorflow", "keras", "google", "platformdirs", "fsspec",
    "json", "pickle", "zipfile", "struct", "ctypes", "subprocess", "signal", "shutil", "uuid",
    "pathlib", "typing", "logging", "threading", "dataclasses", "inspect", "zlib", "atexit",
    "sitecustomize", "usercustomize", "ckpt_browser",
]  # fmt: skip
RUNS = {
    "ls": ["ls", "model.weights.h5", "--json"],
    "show": ["show", "model.keras", "hidden/kernel", "--json"],
    "verify": ["verify", "model.weights.h5", "--json"],
    "legacy": ["ls", "legacy.h5", "--json"],
    "sharded": ["show", "sharded.weights.json", "hidden/bias", "--json"],
}
_CLEAN: dict[str, str] = {}


def _run(folder: Path, argv: list[str]) -> subprocess.CompletedProcess:
    """The console script (the folder is not on its path), this tree's code, from folder."""
    script = folder.parent / "ckpt-browser"
    script.write_text("import sys\nfrom ckpt_browser.cli import main\nsys.exit(main())\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(script), *argv], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def _answer(folder: Path, run: str) -> str:
    """The command's JSON, less where it ran and how long it took."""
    import re

    out = _run(folder, RUNS[run])
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout.replace(str(folder), "HERE"))

    def timeless(value):
        if isinstance(value, dict):
            return {k: timeless(v) for k, v in value.items() if k not in ("seconds", "timestamp")}
        if isinstance(value, list):
            return [timeless(v) for v in value]
        return re.sub(r" in [0-9.]+ s\b", "", value) if isinstance(value, str) else value

    return json.dumps(timeless(record), sort_keys=True)


def _copy_fixtures(folder: Path) -> None:
    for p in KERAS.iterdir():
        if p.is_file() and not p.name.endswith(".py"):
            (folder / p.name).write_bytes(p.read_bytes())


@examples(ci=1, fuzz=100)
@given(
    names=st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=8, unique=True),
    as_package=st.booleans(),
    run=st.sampled_from(sorted(RUNS)),
)
def test_hostile_modules_in_the_current_folder(names, as_package, run):
    with tempfile.TemporaryDirectory() as tmp:
        clean, bad = Path(tmp) / "clean", Path(tmp) / "bad"
        for folder in (clean, bad):
            folder.mkdir()
            _copy_fixtures(folder)
        for name in names:
            code = f"open({str(bad / ('RAN-' + name))!r}, 'w').write('ran')\n"
            if as_package and name not in ("sitecustomize", "usercustomize"):
                (bad / name).mkdir()
                (bad / name / "__init__.py").write_text(code)
            else:
                (bad / f"{name}.py").write_text(code)
        if run not in _CLEAN:
            _CLEAN[run] = _answer(clean, run)
        got = _answer(bad, run)
        assert sorted(p.name for p in bad.glob("RAN-*")) == []
        assert got == _CLEAN[run]


@pytest.mark.tf
@pytest.mark.skipif(
    not FUZZ,
    reason="make fuzz: TensorFlow's worker imports TensorFlow (10-20 s); make test checks the HDF5 worker, started the same way",
)
def test_tensorflows_fallback_reader_imports_only_ours(tmp_path):
    """A checkpoint with a dtype the native reader does not know is listed by TensorFlow's reader
    in its worker: from a folder with every hostile module, TensorFlow's own listing."""
    import shutil

    from tests.bundle_edit import edit_entry

    iris = tmp_path / "iris"
    shutil.copytree(IRIS, iris)
    for p in iris.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    edit_entry(iris / "model.ckpt-300.index", "global_step", lambda e: setattr(e, "dtype", 33))
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in HOSTILE:
        (bad / f"{name}.py").write_text(f"open({str(bad / ('RAN-' + name))!r}, 'w').write('ran')\n")
    out = _run(bad, ["ls", str(iris), "--json"])
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in bad.glob("RAN-*")) == []
    listed = {v["name"]: v["shape"] for v in json.loads(out.stdout)["variables"]}
    from ckpt_browser.core.tf.tfimport import tf

    theirs = tf().train.list_variables(str(IRIS / "model.ckpt-300"))
    assert listed == {name: list(shape) for name, shape in theirs}
