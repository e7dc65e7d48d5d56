"""Imports at the top of the module, unless deferring one is worth it: an import inside a function is
allowed when its library is heavy or optional (HEAVY below), or when it says why, on its line or the
line above, `# deferred: <reason>` (start-up time measured, an import cycle avoided, an optional feature, what a
child process must not load first ...). An import inside a function that repeats one at the top is
never needed. Run by make lint and make test (tests/test_imports_at_top.py).

    python tools/check_imports.py ckpt_browser      # one line per import to move or explain; exit 1
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from pathlib import Path

# Top-level packages whose import is heavy or optional, by `python -X importtime -c "import X"` on the
# project's machine (cumulative, best of 3, a loaded 2-core machine, so generous): a function importing
# one of them needs no comment. Optional: an extra or a test dependency, absent from a plain install.
HEAVY = {
    "tensorflow": "12 s; optional ([tf])",
    "tf_keras": "optional (tests)",
    "keras": "comes with TensorFlow; optional",
    "h5py": "380 ms",
    "PySide6": "260-290 ms (QtCore, QtWidgets)",
    "shiboken6": "with PySide6",
    "pyqtgraph": "1.5 s",
    "fsspec": "280 ms",
    "s3fs": "1.1 s; optional ([s3])",
    "gcsfs": "optional ([gcs])",
    "aiohttp": "240 ms; optional (through s3fs/gcsfs, http)",
    "dask": "570 ms; optional ([dask])",
    "distributed": "1.2 s; optional ([dask])",
    "tensorstore": "optional",
    "scipy": "360 ms; optional (through weightwatcher)",
    "weightwatcher": "5.5 s; optional (tests)",
    "moto": "610 ms; optional (tests)",
    "yaml": "40-60 ms; optional (PyYAML)",
    "google.protobuf": "25 ms with the message classes (core/formats/wire.py reads without it)",
    "numpy": "120-150 ms",
    "ml_dtypes": "with numpy, 1.8 s cold",
    "threadpoolctl": "22-45 ms",
    "crc32c": "40 ms",
    "upath": "21-32 ms",
    "asyncio": "100-120 ms (the standard library's heaviest we use)",
}
REASON = re.compile(r"#\s*deferred:\s*\S")
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _heavy(name: str) -> bool:
    parts = name.split(".")
    return any(".".join(parts[:i]) in HEAVY for i in range(1, len(parts) + 1))


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.Import | ast.ImportFrom, package: str, root: Path) -> list[str]:
    """The modules the statement imports: `from pkg import sub` names pkg.sub when sub is a module of
    ours (a file or a folder under root's parent), else pkg; a relative import resolved against package."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join([*parts, base] if base else parts)
    out = []
    for alias in node.names:
        folder = root.parent.joinpath(*base.split("."), alias.name)
        sub = folder.is_dir() or folder.with_suffix(".py").is_file()
        name = f"{base}.{alias.name}" if sub else base
        if name not in out:
            out.append(name)
    return out


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level(body: list[ast.stmt], package: str, root: Path) -> set[str]:
    """Modules imported when the module runs: its own statements, in try and if blocks too, but not
    under `if TYPE_CHECKING:` (never run) nor in functions or classes."""
    out: set[str] = set()
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update(_imported(node, package, root))
        elif isinstance(node, ast.If) and not _type_checking(node.test):
            out |= _top_level(node.body + node.orelse, package, root)
        elif isinstance(node, ast.Try):
            out |= _top_level(node.body + node.orelse + node.finalbody, package, root)
            for handler in node.handlers:
                out |= _top_level(handler.body, package, root)
    return out


def _comments(text: str) -> dict[int, str]:
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string
    return out


def problems_in(path: Path, root: Path) -> list[str]:
    text = path.read_text()
    tree = ast.parse(text)
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    top = _top_level(tree.body, package, root)
    comments = _comments(text)
    lines = text.splitlines()
    out: list[str] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = function
            if isinstance(child, FUNCTIONS):
                inner = getattr(child, "name", "<lambda>")
            if function is not None and isinstance(child, (ast.Import, ast.ImportFrom)):
                where = f"{path}:{child.lineno}"
                for name in _imported(child, package, root):
                    end = child.end_lineno or child.lineno
                    above = child.lineno - 1 if lines[child.lineno - 2].lstrip().startswith("#") else child.lineno
                    said = any(REASON.search(comments.get(line, "")) for line in range(above, end + 1))
                    if name in top:
                        out.append(f"{where}: {name} is imported at the top already: use that import ({function})")
                    elif not _heavy(name) and not said:
                        out.append(
                            f"{where}: {name} imported inside {function}(): move it to the top, or say why"
                            " with '# deferred: <reason>'"
                        )
            visit(child, inner)

    visit(tree, None)
    return out


def problems(root: Path) -> list[str]:
    return [p for path in sorted(root.rglob("*.py")) if "__pycache__" not in path.parts for p in problems_in(path, root)]


def main(argv: list[str]) -> int:
    found = [p for root in argv or ["ckpt_browser"] for p in problems(Path(root))]
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} imports inside functions to move to the top or explain (tools/check_imports.py)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
