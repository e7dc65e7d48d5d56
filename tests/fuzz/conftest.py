"""What make fuzz prints at the end (it runs pytest -s): the cases each fuzz module ran, the Keras, HDF5
and TF.js layers' own counts, and whether anything was found. The counts are not a test: each fuzz test
fails by itself when it ran fewer cases than it asks (test_fuzz.examples)."""

from __future__ import annotations

import sys


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
