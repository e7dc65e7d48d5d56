"""Build mode runs the user's script: what it may not do, and how each failure is said (one line).

These scripts import no TensorFlow (a second or so each), run by this interpreter as the user's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.build import build_variables


def script(folder: Path, text: str, name: str = "train.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def refused(path: Path, **kwargs) -> str:
    with pytest.raises(CheckpointError) as info:
        build_variables(path, python=sys.executable, **kwargs)
    line = str(info.value)
    assert "\n" not in line and "Traceback" not in line
    return line


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_nothing_is_written_outside_the_temporary_folder(tmp_path, monkeypatch):
    """Every Python-level way to write, delete, rename or start a program is refused, naming the path;
    the temporary folder is removed afterwards."""
    import tempfile

    temps = tmp_path / "temps"
    temps.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temps))
    here = tmp_path / "project"
    here.mkdir()
    (here / "model").mkdir()
    (here / "model" / "checkpoint").write_text("model_checkpoint_path: 'x'\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    attempts = {
        "open": f"open({str(outside / 'a.txt')!r}, 'w')",
        "append": "open('model/checkpoint', 'a')",
        "os.open": f"os.open({str(outside / 'b')!r}, os.O_CREAT | os.O_WRONLY)",
        "mkdir": f"os.makedirs({str(outside / 'new' / 'deeper')!r})",
        "remove": "os.remove('model/checkpoint')",
        "rename": "os.rename('model/checkpoint', 'model/moved')",
        "rmtree": "shutil.rmtree('model')",
        "copy": f"shutil.copy('train.py', {str(outside)!r})",
        "symlink": f"os.symlink('/etc/passwd', {str(outside / 'link')!r})",
        "chmod": "os.chmod('train.py', 0o777)",
        "pathlib": "pathlib.Path('written.txt').write_text('x')",
        "subprocess": f"subprocess.run(['touch', {str(outside / 'touched')!r}])",
        "system": f"os.system('touch {outside / 'system'}')",
        "sqlite": f"sqlite3.connect({str(outside / 'db.sqlite')!r}).execute('create table t (x)')",
        "h5py": f"h5py.File({str(outside / 'w.h5')!r}, 'w')",
    }
    body = "\n".join(
        f"try:\n    {code}\n    done.append({name!r})\nexcept PermissionError as exc:\n    print({name!r}, exc)"
        for name, code in attempts.items()
    )
    path = script(
        here,
        "import os, pathlib, shutil, sqlite3, subprocess, sys\nimport h5py\ndone = []\n"
        + body
        + "\nsys.exit(str(done))\n",
    )
    before = files(here)
    line = refused(path)
    assert line == "train.py exited (status 1): []", line  # none of the attempts succeeded
    assert files(here) == before and list(outside.iterdir()) == []
    assert list(temps.iterdir()) == []  # the build's temporary folder is gone


def test_a_refused_write_is_one_line_naming_the_path_and_the_line(tmp_path):
    target = tmp_path / "elsewhere.txt"
    (tmp_path / "p").mkdir()
    path = script(tmp_path / "p", f"x = 1\nopen({str(target)!r}, 'w')\n")
    line = refused(path)
    assert line == (
        f"train.py failed: train.py:2: PermissionError: build mode refused to write {target}: nothing is written "
        "outside its temporary folder"
    )
    assert not target.exists()


def test_the_script_error_names_its_file_and_line(tmp_path):
    (tmp_path / "helpers.py").write_text("def load(path):\n    raise ValueError(f'no data in {path}')\n")
    path = script(tmp_path, "import helpers\n\n\ndef main():\n    helpers.load('data.csv')\n\n\nmain()\n")
    assert refused(path) == "train.py failed: helpers.py:2: ValueError: no data in data.csv"


def test_argparse_exit_says_its_status_and_last_line(tmp_path):
    path = script(
        tmp_path,
        "import argparse\np = argparse.ArgumentParser()\np.add_argument('--steps', type=int)\np.parse_args()\n",
    )
    line = refused(path, args=["--steps", "ten"])
    assert line == "train.py exited (status 2): train.py: error: argument --steps: invalid int value: 'ten'"


def test_a_script_that_never_trains_says_so(tmp_path):
    line = refused(script(tmp_path, "print('hello')\n"))
    assert line.startswith("train.py ended without training or saving: build mode stops a script at Estimator.train")


def test_timeout_kills_the_script(tmp_path):
    path = script(tmp_path, "import time\nwhile True:\n    time.sleep(0.1)\n")
    start = time.monotonic()
    line = refused(path, timeout=2)
    assert time.monotonic() - start < 6
    assert (
        line == "train.py did not reach a point where it trains or saves within 2 s: stopped (--timeout S allows more)"
    )
    assert not _running(path)


def test_notebook_cells_in_order_magics_skipped(tmp_path):
    cells = [
        {"cell_type": "code", "source": ["!pip install tensorflow\n", "%matplotlib inline\n", "x = 1\n"]},
        {"cell_type": "markdown", "source": ["# text"]},
        {"cell_type": "code", "source": "%%bash\nrm -rf /\n"},
        {"cell_type": "code", "source": ["files = !ls\n", "y = x + 1\n", "raise RuntimeError(f'y={y}')\n"]},
    ]
    nb = tmp_path / "train.ipynb"
    nb.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    assert refused(nb) == "train.ipynb failed: train.ipynb, cell 4:3: RuntimeError: y=2"


def test_memory_limit_is_one_line(tmp_path):
    # 8 GiB at once: refused under a 4 GiB limit before a page is touched (this machine has more)
    line = refused(script(tmp_path, "x = 1\nblock = bytearray(8 << 30)\n"), memory_limit=4 << 30)
    assert line == "train.py ran out of memory within build mode's limit of 4.0 GiB"


def _running(path: Path) -> list[int]:
    """Processes whose command line names this script."""
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(path).encode() in (proc / "cmdline").read_bytes():
                    out.append(int(proc.name))
            except OSError:
                pass
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_script_dies_with_the_cli(tmp_path):
    """SIGKILL the CLI during a build: its child (the script) is gone within 2 s."""
    path = script(tmp_path, "import time\ntime.sleep(60)\n")
    root = Path(__file__).resolve().parent.parent.parent
    model_dir = root / "tests" / "data" / "build_mode" / "tape" / "tf_ckpts"
    cli = subprocess.Popen(
        [sys.executable, "-m", "ckpt_browser", "check", str(model_dir), "--against", str(path), "--build",
         "--python", sys.executable],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while not (children := [p for p in _running(path) if p != cli.pid]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert children, "the build never started"
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait()
        deadline = time.monotonic() + 2
        while _running(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(path)
    finally:
        cli.kill()
        cli.wait()


@pytest.mark.tf
def test_tensorflow_writes_are_refused_or_moved(tmp_path):
    """tf.io.gfile, tf.io.write_file and tf.saved_model.save write from C++ (no audit event): they
    are refused outside the temporary folder, or moved into it, as Python's own writes are."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "p").mkdir()
    attempts = {
        "makedirs": f"tf.io.gfile.makedirs({str(outside / 'a' / 'b')!r})",
        "GFile": f"tf.io.gfile.GFile({str(outside / 'g.txt')!r}, 'w').write('x')",
        "write_file": f"tf.io.write_file({str(outside / 'w.txt')!r}, 'x')",
        "copy": f"tf.io.gfile.copy(__file__, {str(outside / 'c.py')!r})",
        "summary": f"tf.summary.create_file_writer({str(outside / 'logs')!r}).flush()",
    }
    body = "\n".join(
        f"try:\n    {code}\n    done.append({name!r})\nexcept PermissionError as exc:\n    print({name!r}, exc)"
        for name, code in attempts.items()
    )
    text = "import tensorflow as tf\ndone = []\n" + body + "\nprint('done', done)\n"
    text += f"m = tf.Module()\nm.v = tf.Variable([1.0, 2.0])\ntf.saved_model.save(m, {str(outside / 'sm')!r})\n"
    path = script(tmp_path / "p", text)
    built = build_variables(path, python=sys.executable)
    assert "done ['summary']" in built.output  # the summary writer was moved, not refused
    assert built.what == "tf.saved_model.save" and built.stopped_at == "train.py:31, tf.saved_model.save"
    assert list(outside.iterdir()) == [] and sorted(p.name for p in (tmp_path / "p").iterdir()) == ["train.py"]


@pytest.mark.parametrize("version", ["3.9", "3.10", "3.12"])
def test_the_child_runs_on_each_python(tmp_path, version):
    """build_hook*.py is run by the user's Python: standard library only, from 3.9 on."""
    import shutil

    found = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))  # not pyenv's shims
    python = str(found[-1]) if found else shutil.which(f"python{version}")
    if python is None or "/shims/" in python:
        pytest.skip(f"no python{version} here")
    (tmp_path / "p").mkdir()
    target = tmp_path / "out.txt"
    path = script(tmp_path / "p", f"import helper\nopen({str(target)!r}, 'w')\n")
    (tmp_path / "p" / "helper.py").write_text("import sys\nassert sys.argv[1:] == ['--x', '1'], sys.argv\n")
    with pytest.raises(CheckpointError) as info:
        build_variables(path, python=python, args=["--x", "1"])
    assert str(info.value).startswith(
        f"train.py failed: train.py:2: PermissionError: build mode refused to write {target}"
    )
    assert not target.exists() and sorted(p.name for p in (tmp_path / "p").iterdir()) == ["helper.py", "train.py"]


def test_the_api_runs_a_script_only_with_build(tmp_path):
    import ckpt_browser as cb

    model_dir = Path(__file__).resolve().parent.parent / "data" / "build_mode" / "tape" / "tf_ckpts"
    canary = script(tmp_path, f"open({str(tmp_path / 'ran')!r}, 'w')\n")
    with pytest.raises(CheckpointError):
        cb.check(model_dir, str(canary))  # static reading: it builds no Estimator, and runs nothing
    assert not (tmp_path / "ran").exists()
    quiet = script(tmp_path, "print('no training here')\n", "quiet.py")
    with pytest.raises(CheckpointError, match=r"^quiet.py ended without training or saving"):
        cb.check(model_dir, str(quiet), build=True, python=sys.executable, timeout=30)
    with pytest.raises(CheckpointError, match="^--python /nowhere/python: no such program$"):
        cb.check(model_dir, str(quiet), build=True, python="/nowhere/python")


def test_default_python_is_ours_when_it_has_tensorflow(monkeypatch):
    import importlib.util

    from ckpt_browser.core.checks import build

    if importlib.util.find_spec("tensorflow") is not None:
        assert build.default_python() == sys.executable
    monkeypatch.setattr(build.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(CheckpointError, match="name your training environment's with --python PATH$"):
        build.default_python()


def test_a_build_in_a_worker_thread_ends_with_the_app(tmp_path):
    """The window builds in a pool thread, which Python joins at exit: closing the app stops the
    build at once (not after its time limit), and the script with it."""
    slow = script(tmp_path, "import time\ntime.sleep(60)\n", "slow.py")
    program = textwrap.dedent(f"""
        import sys, time
        from concurrent.futures import ThreadPoolExecutor
        from ckpt_browser.core.checks.build import build_variables
        ThreadPoolExecutor(1).submit(build_variables, {str(slow)!r}, python=sys.executable)
        time.sleep(1.0)
    """)
    root = Path(__file__).resolve().parent.parent.parent
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", program], cwd=root, timeout=30, check=True)
    assert time.monotonic() - start < 10
    time.sleep(0.5)
    assert not _running(slow)
