"""A fuzz test (test_fuzz.examples) fails when Hypothesis ran fewer cases than it asks; and what make
fuzz prints at the end (it runs pytest -s): the cases each fuzz module ran, the Keras, HDF5 and TF.js
layers' own counts, and whether anything was found."""

from __future__ import annotations

import sys

import pytest


def _asked(test) -> int | None:
    inner = getattr(getattr(test, "hypothesis", None), "inner_test", None)
    return getattr(inner, "cases_asked", None)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    fuzz = sys.modules.get("tests.fuzz.test_fuzz")
    asked = _asked(pyfuncitem.obj)
    before = sum(fuzz.CASES.values()) if fuzz is not None else 0
    result = yield
    if asked is not None and fuzz is not None:
        tried = sum(fuzz.CASES.values()) - before
        assert tried >= asked, f"{tried} cases run of the {asked} asked"
    return result


def pytest_terminal_summary(terminalreporter) -> None:
    fuzz = sys.modules.get("tests.fuzz.test_fuzz")
    if fuzz is None or not fuzz.CASES:
        return
    found = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    verdict = "findings: see the failures above" if found else "no finding"
    for module, cases in sorted(fuzz.CASES.items()):
        terminalreporter.write_line(f"fuzz ({module}): {cases:,} inputs tried; {verdict}")
    if fuzz.COUNT["calls"]:
        terminalreporter.write_line(f"fuzz: {fuzz.COUNT['calls']:,} calls checked")
    models = sys.modules.get("tests.fuzz.test_fuzz_models")
    if models is not None and any(models.COUNTS.values()):
        terminalreporter.write_line("fuzz (models): " + ", ".join(f"{v:,} {k}" for k, v in models.COUNTS.items()))
