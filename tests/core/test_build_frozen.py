"""The desktop app (packaging/pyinstaller.spec) carries build mode's child as files: the user's
Python runs build_hook.py by path (core/checks/build.py: HOOK, beside build.py's __file__), and
PyInstaller keeps our modules only in its archive, so the spec's datas must put every
build_hook*.py in the folder where a frozen build.py's __file__ points."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import ckpt_browser
from ckpt_browser.core.checks import build

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC = ROOT / "packaging" / "pyinstaller.spec"
CHECKS = ROOT / "ckpt_browser" / "core" / "checks"


def spec_datas() -> list[tuple[str, str]]:
    """The spec's own datas= expression (our file, not user input), with ROOT the repository."""
    for node in ast.walk(ast.parse(SPEC.read_text())):
        if isinstance(node, ast.keyword) and node.arg == "datas":
            code = compile(ast.Expression(node.value), str(SPEC), "eval")
            return eval(code, {"__builtins__": {}, "ROOT": ROOT, "str": str, "sorted": sorted})  # noqa: S307
    raise AssertionError("packaging/pyinstaller.spec has no datas=")


def where_frozen_build_looks() -> str:
    """build.py's folder relative to the package's parent: where PyInstaller's __file__ puts it."""
    return Path(build.__file__).parent.relative_to(Path(ckpt_browser.__file__).parent.parent).as_posix()


def test_the_spec_ships_every_build_hook_file_where_build_looks():
    hooks = sorted(p.name for p in CHECKS.glob("build_hook*.py"))
    assert "build_hook.py" in hooks and len(hooks) >= 4
    shipped = {Path(src).name for src, dest in spec_datas() if dest == where_frozen_build_looks()}
    assert set(hooks) <= shipped
    assert build.HOOK.parent == Path(build.__file__).parent  # the child is looked for beside build.py


def test_the_child_runs_from_a_frozen_layout(tmp_path):
    """The datas copied as PyInstaller lays them out (_MEIPASS/dest/name), build.py's HOOK rule applied
    to a frozen build.py there, and the child run from it: it loads its siblings and runs a script."""
    meipass = tmp_path / "_internal"
    for src, dest in spec_datas():
        if Path(src).is_file():
            (meipass / dest).mkdir(parents=True, exist_ok=True)
            shutil.copy(src, meipass / dest)
    frozen_build = meipass / where_frozen_build_looks() / "build.pyc"
    hook = frozen_build.with_name(build.HOOK.name)
    assert hook.is_file()
    temp, folder = tmp_path / "temp", tmp_path / "script"
    temp.mkdir()
    folder.mkdir()
    (folder / "train.py").write_text("import json\nprint(json.dumps({'ran': True}))\n")
    done = subprocess.run(
        [sys.executable, "-I", str(hook), str(temp), str(folder / "train.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"HOME": str(temp), "TMPDIR": str(temp)},
    )
    assert '{"ran": true}' in done.stdout, done.stderr
    assert json.loads((temp / "result.json").read_text())["status"] == "ended"
