"""A user who never ran the app (issue 31): shared by the source-checkout test (tests/ui/test_first_run.py)
and the desktop builds' tests (tests/test_package*.py)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from ckpt_browser.core.model_dir.examples import EXAMPLES


def fresh_env(home: Path) -> dict[str, str]:
    """A user who never ran the app: empty XDG cache and config folders, none of the tests' overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKPT_BROWSER_")}
    for name in ("cache", "config"):
        (home / name).mkdir(parents=True)
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / "cache"), XDG_CONFIG_HOME=str(home / "config"))
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def assert_examples_opened(home: Path, r: subprocess.CompletedProcess) -> None:
    assert r.returncode == 0, r.stderr[-3000:]
    errors = home / "cache" / "ckpt-browser" / "errors.log"
    assert not errors.exists(), errors.read_text()[-3000:]
    assert "Traceback" not in r.stderr and "ERROR" not in r.stderr, r.stderr[-3000:]
    # The app records what it opened in its settings: both examples, from their copies in the cache.
    settings = (home / "config" / "ckpt-browser" / "settings.ini").read_text()
    recent = re.search(r"^recent=(.*)$", settings, re.M)
    assert recent, settings
    opened = sorted(Path(p.strip()).name for p in recent.group(1).split(","))
    assert opened == sorted(EXAMPLES)
    for name in EXAMPLES:
        copy = next((home / "cache" / "ckpt-browser").glob(f"examples-*/{name}"))
        assert (copy / "checkpoint").is_file()
