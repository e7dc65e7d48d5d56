"""Shared fixtures: the Estimator model_dirs and checkpoints written by real TensorFlow."""

from __future__ import annotations

import importlib.util
import os
import shutil
import traceback
from collections.abc import Mapping
from pathlib import Path

# Before any Qt import: tests never need a display. The offscreen screen is 800 x 800 unless
# told otherwise; a desktop's 1920 x 1080 lets the window open at its default size.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    _screen = Path(__file__).parent / "data" / "offscreen-1920x1080.json"
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen}"

import pytest  # noqa: E402

DATA = Path(__file__).parent / "data"
ESTIMATOR = DATA / "estimator"
TESTS = Path(__file__).resolve().parent

# make test-notf runs the suite where TensorFlow is not installed. Tests of what needs it (marked
# `tf`: restore, run, Fit, signatures, the TensorFlow fallback) are skipped there; make test-compat
# runs them with the newest TensorFlow and with 2.15. A test whose oracle or writer is TensorFlow
# (tf.train.list_variables, a checkpoint written in the test) is skipped when that call finds no
# TensorFlow; but if ckpt_browser's own reading code asks for it, the test fails: browsing must
# never need it.
TF_INSTALLED = importlib.util.find_spec("tensorflow") is not None
_TF_MODULES = ("tensorflow", "keras", "tf_keras", "tensorflowjs")
_WRITERS = (TESTS, TESTS.parent / "ckpt_browser" / "core" / "tf" / "demo.py")  # the demo trains with TensorFlow


def pytest_collection_modifyitems(config, items):
    if TF_INSTALLED:
        return
    skip = pytest.mark.skip(reason="needs TensorFlow (restore, run, Fit, signatures): make test-compat runs it")
    for item in items:
        if "tf" in item.keywords:
            item.add_marker(skip)


def _tensorflow_asked_by(exc: BaseException | None) -> str | None:
    """Where TensorFlow was asked for, if a missing TensorFlow is what failed: the file of the
    frame that called tfimport.tf() or imported it."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        missing = type(exc).__name__ == "TensorFlowMissing" or (
            isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in _TF_MODULES
        )
        if missing:
            frames = [f.filename for f in traceback.extract_tb(exc.__traceback__)]
            ours = [f for f in frames if not f.endswith("tfimport.py") and "importlib" not in f and "<frozen" not in f]
            return ours[-1] if ours else None
        exc = exc.__cause__ or exc.__context__
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if TF_INSTALLED or call.excinfo is None or not report.failed:
        return
    asker = _tensorflow_asked_by(call.excinfo.value)
    if asker is not None and any(Path(asker).resolve().is_relative_to(w) for w in _WRITERS):
        report.outcome = "skipped"
        where = Path(asker).resolve().relative_to(TESTS.parent)
        report.longrepr = (str(item.path), item.location[1], f"its oracle or writer is TensorFlow ({where})")


@pytest.fixture(autouse=True, scope="session")
def _private_dirs(tmp_path_factory):
    """Settings and example copies go to a temp folder, never the user's."""
    os.environ["CKPT_BROWSER_CONFIG_DIR"] = str(tmp_path_factory.mktemp("config"))
    os.environ["CKPT_BROWSER_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def iris_dir() -> Path:
    return ESTIMATOR / "iris"


@pytest.fixture(scope="session")
def iris_resized_dir() -> Path:
    return ESTIMATOR / "iris_resized"


@pytest.fixture
def iris_copy(tmp_path) -> Path:
    """A writable copy of the iris model_dir, to damage."""
    dest = tmp_path / "iris"
    shutil.copytree(ESTIMATOR / "iris", dest)
    for p in dest.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dest


@pytest.fixture(scope="session")
def written(tmp_path_factory) -> Mapping[str, Path]:
    """Every checkpoint kind, each written by real TensorFlow the first time a test asks for it
    (once per session): a kind an older TensorFlow cannot write (make test-compat with 2.15) fails
    only the tests that use it."""
    from tests import writers

    base = tmp_path_factory.mktemp("written")
    return _Written(
        base,
        {
            "saver": writers.write_saver_dir,
            "object": writers.write_object_checkpoint,
            "sharded": writers.write_sharded_checkpoint,
            "partitioned": writers.write_partitioned_checkpoint,
            "saved_model": writers.write_saved_model,
            "dtypes": writers.write_dtype_checkpoint,
        },
    )


class _Written(Mapping):
    def __init__(self, base: Path, makers: dict) -> None:
        self._base, self._makers, self._made = base, makers, {}

    def __getitem__(self, kind: str) -> Path:
        if kind not in self._made:
            self._made[kind] = self._makers[kind](self._base / kind)
        return self._made[kind]

    def __iter__(self):
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


@pytest.fixture(scope="session")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    """Two checkpoint prefixes with every kind of difference."""
    from tests import writers

    return writers.write_pair(tmp_path_factory.mktemp("pair"))


@pytest.fixture(scope="session")
def quadratic(tmp_path_factory) -> Path:
    """The tutorial's model, trained here with real TensorFlow (fewer passes, same code)."""
    from ckpt_browser.core.tf.demo import write_quadratic_example

    return write_quadratic_example(tmp_path_factory.mktemp("quadratic"), passes=8)


@pytest.fixture
def browsed(tmp_path, quadratic):
    """A copy of iris and of the quadratic example (it has .meta graphs to restore and data)."""
    iris = tmp_path / "iris"
    shutil.copytree(ESTIMATOR / "iris", iris)
    quad = tmp_path / "quad"
    shutil.copytree(quadratic, quad)
    return iris, quad
