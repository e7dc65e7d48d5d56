"""The words of a check against a training script: which call each checkpoint fits, what was
assumed from the checkpoint, what of the script could not be settled."""

from __future__ import annotations

from ckpt_browser.core.checks.mismatch import CheckResult
from ckpt_browser.core.checks.report import changes
from ckpt_browser.core.checks.script import Reading


def script_notes(reading: Reading, labels: list[str], default: str | None, refusals: list[str]) -> list[str]:
    """What the script holds, said once for the whole report."""
    files = reading.files[0] + (f" (and {', '.join(reading.files[1:])})" if len(reading.files) > 1 else "")
    n = len(labels)
    head = f"{files}: {n} Estimator call{'s' if n != 1 else ''} can be reached: {'; '.join(labels)}"
    if default and n > 1:
        head += f"; the flags' defaults reach {default}"
    return [head + "."] + [f"Not checked: {r}." for r in refusals] + [f"Note: {x}." for x in reading.notes]


def script_summary(results: list[CheckResult]) -> str:
    """One paragraph: the script's calls, each checkpoint's verdict, assumptions, what changed."""
    checked = [r for r in results if r.verdict]
    lines = list(checked[0].notes) if checked else []
    by_verdict: dict[str, list[str]] = {}
    for r in checked:
        by_verdict.setdefault(r.verdict, []).append(r.checkpoint)
    for verdict, names in by_verdict.items():
        lines.append(f"{', '.join(names)}: {verdict}.")
    if checked and not any(r.findings for r in checked):
        n = len(checked)
        lines.append(f"All {n} readable checkpoints are" if n != 1 else "The checkpoint is")
        lines[-1] += " compatible with the script."
    assumed = list(dict.fromkeys(a for r in checked for a in r.assumptions))
    if assumed:
        lines.append("Assumed, from the checkpoint: " + "; ".join(assumed) + ".")
    bad = [r for r in checked if r.findings]
    if bad:
        lines.append(f"{len(bad)} of {len(checked)} checkpoints do not fit any call of the script.")
        lines += changes(bad[-1])
    broken = [r for r in results if r.error]
    if broken:
        lines.append(
            f"{len(broken)} could not be checked, being damaged: "
            + "; ".join(f"{r.checkpoint} ({r.error})" for r in broken)
            + "."
        )
    return "\n".join(lines)  # one point a line: read in a terminal as in the window
