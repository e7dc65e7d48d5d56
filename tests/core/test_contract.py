"""The import contract covers the whole package: every module is in exactly one layer, and an import
against the arrows from any layer turns `lint-imports` (and so make test, tests/core/test_layers.py) red."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
import tomllib

import ckpt_browser

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "ckpt_browser"
CONTAINERS = (PACKAGE, "ckpt_browser.core")  # what the two layer contracts are made of, in no layer themselves


def contracts() -> list[dict]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]["contracts"]


def layer_contracts() -> list[dict]:
    return [c for c in contracts() if c["type"] == "layers"]


def layers(contract: dict) -> list[list[str]]:
    """Each layer's modules, full names, top layer first: import-linter's `a | b` (independent) and
    `a : b` (siblings) share a layer; `(a)` is optional."""
    out = []
    for entry in contract["layers"]:
        names = [n.strip().strip("()").strip() for part in entry.split("|") for n in part.split(":")]
        out.append(
            [f"{c}.{n}" for c in contract.get("containers", [""]) for n in names] if "containers" in contract else names
        )
    return out


def all_modules() -> list[str]:
    def fail(name: str) -> None:
        raise ImportError(f"walk_packages could not import {name}")

    found = [PACKAGE] + [m.name for m in pkgutil.walk_packages(ckpt_browser.__path__, PACKAGE + ".", onerror=fail)]
    return sorted(found)


def within(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


def test_the_walk_finds_every_module_on_disk():
    on_disk = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / PACKAGE).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert set(all_modules()) == on_disk


def test_the_contract_has_the_two_layer_contracts_this_test_reads():
    assert [c.get("containers") for c in layer_contracts()].count(None) == 1
    assert [c.get("containers") for c in layer_contracts()].count(["ckpt_browser.core"]) == 1


def layer_contract(container: str) -> dict:
    """The layers contract of the package (PACKAGE) or of one container."""
    return next(c for c in layer_contracts() if c.get("containers", [PACKAGE]) == [container])


@pytest.mark.parametrize("container", CONTAINERS, ids=["package", "core"])
def test_every_module_is_in_exactly_one_layer(container):
    contract = layer_contract(container)
    names = [n for layer in layers(contract) for n in layer]
    modules = [m for m in all_modules() if within(m, container) and m not in CONTAINERS]
    assert modules
    counts = {m: sum(within(m, n) for n in names) for m in modules}
    assert {m: c for m, c in counts.items() if c != 1} == {}, "in no layer (0) or in more than one"
    missing = [n for n in names if not any(within(m, n) for m in modules)]
    assert missing == [], "a layer naming no module: renamed or gone?"


def test_the_containers_import_nothing_of_the_package_at_run_time():
    """The containers are in no layer of their own contract: what they import is checked here instead.
    The root names the API under TYPE_CHECKING and imports it on first use (importlib)."""
    g = grimp.build_graph(PACKAGE, cache_dir=None, exclude_type_checking_imports=True)
    imported = {c: sorted(m for m in g.find_modules_directly_imported_by(c) if within(m, PACKAGE)) for c in CONTAINERS}
    assert imported == {c: [] for c in CONTAINERS}


def upward_imports() -> list[tuple[str, str]]:
    """(a module of each layer but the top, the layer just above it): one upward arrow per layer of both
    layer contracts, from a module in the middle of the layer (not its package's __init__)."""
    modules = [m for m in all_modules() if m not in CONTAINERS]
    out = []
    for contract in map(layer_contract, CONTAINERS):
        stack = layers(contract)
        for above, layer in zip(stack, stack[1:]):
            inside = sorted(m for m in modules if any(within(m, n) for n in layer))
            leaves = [m for m in inside if not (ROOT / Path(*m.split(".")) / "__init__.py").exists()] or inside
            out.append((leaves[len(leaves) // 2], above[0]))
    return out


def injected(tmp_path: Path, module: str, target: str, in_function: bool) -> subprocess.CompletedProcess:
    """lint-imports on a copy of the package where `module` imports `target`, at the top or in a function."""
    src = tmp_path / "src"
    if not src.exists():
        shutil.copytree(ROOT / PACKAGE, src / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "pyproject.toml", src / "pyproject.toml")
    path = src / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    original = path.read_text()
    line = f"import {target}  # injected\n"
    path.write_text(original + ("\n\ndef _injected():\n    " + line if in_function else "\n" + line))
    try:
        exe = Path(sys.executable).with_name("lint-imports")
        env = {**os.environ, "COLUMNS": "500"}
        return subprocess.run([str(exe), "--no-cache"], cwd=src, env=env, capture_output=True, text=True, timeout=60)
    finally:
        path.write_text(original)


def test_the_copy_keeps_the_contract(tmp_path):
    r = injected(tmp_path, "ckpt_browser.core.base.errors", "math", in_function=False)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


FORBIDDEN = [
    ("ckpt_browser.core.values.stats", "PySide6.QtCore"),  # core never imports Qt
    ("ckpt_browser.core.base.progress", "pyqtgraph"),
    ("ckpt_browser.ui.widgets.tensor_view", "tensorflow"),  # only core/tf/tfimport.py does
    ("ckpt_browser.core.formats.bundle", "tensorflow"),
]


def shown(target: str) -> str:
    """import-linter names an outside package by its top-level name."""
    return target if within(target, PACKAGE) else target.split(".")[0]


def test_the_sample_spans_every_layer():
    sample = upward_imports()
    assert len(sample) == sum(len(layer_contract(c)["layers"]) - 1 for c in CONTAINERS)
    starts = {m.split(".")[1] if m.split(".")[1] != "core" else ".".join(m.split(".")[1:3]) for m, _ in sample}
    assert {"core.base", "core.formats", "core.values", "ui", "api", "cli"} <= starts


def test_an_import_against_the_arrows_from_any_layer_breaks_the_contract(tmp_path):
    """One upward import per layer, at a module's top or inside a function (a deferred import counts),
    and a forbidden one (Qt into core, TensorFlow outside tfimport): each alone turns lint-imports red,
    naming the import."""
    cases = [(m, t, i % 2 == 1) for i, (m, t) in enumerate(upward_imports())]
    cases += [(m, t, False) for m, t in FORBIDDEN]
    unnoticed = []
    for module, target, in_function in cases:
        r = injected(tmp_path, module, target, in_function)
        if r.returncode == 0 or "BROKEN" not in r.stdout or f"{module} -> {shown(target)} (l." not in r.stdout:
            unnoticed.append((module, target, r.returncode, r.stdout[-1500:] + r.stderr[-500:]))
    assert unnoticed == []
