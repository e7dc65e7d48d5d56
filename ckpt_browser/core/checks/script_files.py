"""The text a script check reads: a .py file, a notebook's code cells (with each line's cell), and
the modules of the script's folder that it imports -- parsed with ast, size-limited, never run."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from ckpt_browser.core.base.errors import CheckpointError

MAX_CHARS = 2_000_000  # a script, notebook or helper module longer than this is not a training script


class Loader:
    """The script's text, and its folder's modules parsed once for all paths."""

    def __init__(self, name: str, text: str, folder: Path | None) -> None:
        self.name, self.text, self.folder = name, text, folder
        self.tree = parse(text, name)
        self.parsed: dict[str, tuple[str, str, ast.Module] | None] = {}
        self.cells: dict[int, tuple[int, int]] = {}

    def find(self, name: str) -> tuple[str, str, ast.Module] | None:
        if self.folder is None or not name.isidentifier():
            return None
        if name not in self.parsed:
            self.parsed[name] = None
            for path in (self.folder / f"{name}.py", self.folder / name / "__init__.py"):
                if path.is_file():
                    text = read_text(path)
                    shown = path.name if path.name != "__init__.py" else f"{name}/__init__.py"
                    self.parsed[name] = (shown, text, parse(text, shown))
                    break
        return self.parsed[name]


def read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_CHARS:
            raise CheckpointError(f"{path.name} is {path.stat().st_size:,} bytes: too long for a training script")
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror}") from None


def parse(text: str, name: str) -> ast.Module:
    if len(text) > MAX_CHARS:
        raise CheckpointError(f"{name} is {len(text):,} characters: too long for a training script")
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        raise CheckpointError(f"cannot parse {name}: {exc.msg} (line {exc.lineno})") from None
    except (RecursionError, MemoryError, ValueError, UnicodeError):
        raise CheckpointError(f"cannot parse {name}: it is not Python, or nested too deeply") from None


def _ipython(line: str) -> bool:
    """IPython's own syntax, which is not Python: !shell, %magic, `x = !cmd`, `x = %magic`."""
    return line.lstrip().startswith(("!", "%")) or _CAPTURE.match(line) is not None


_CAPTURE = re.compile(r"^\s*[A-Za-z_][\w\s,]*=\s*[!%]")


def notebook_code(text: str, name: str) -> tuple[str, dict[int, tuple[int, int]]]:
    """A Jupyter notebook's code cells in order, as one script; IPython's !shell, %magic and
    `x = !cmd` lines become blank (or `pass` where indented), and a %%cell-magic cell (%%bash,
    %%writefile ...: not Python) is left out whole. Also each line's (cell, line in cell), cells
    counted as the notebook shows them."""
    try:
        cells = json.loads(text)["cells"]
        sources = [(i, "".join(c["source"]) if isinstance(c["source"], list) else str(c["source"]))
                   for i, c in enumerate(cells, 1) if c.get("cell_type") == "code"]  # fmt: skip
    except RecursionError:
        raise CheckpointError(f"{name} is nested too deeply to read (beyond Python's recursion limit)") from None
    except (ValueError, KeyError, TypeError, AttributeError, MemoryError):
        raise CheckpointError(f"{name} is not a Jupyter notebook (no code cells could be read)") from None
    out: list[str] = []
    where: dict[int, tuple[int, int]] = {}
    for cell, source in sources:
        lines = source.splitlines()
        magic = next((line.lstrip() for line in lines if line.strip()), "").startswith("%%")
        for at, line in enumerate(lines, 1):
            if magic or _ipython(line):
                indent = line[: len(line) - len(line.lstrip())]
                line = f"{indent}pass" if indent and not magic else ""
            out.append(line)
            where[len(out)] = (cell, at)
        out.append("")
    return "\n".join(out) + "\n", where
