"""What the health figures say is wrong: NaN, Inf, frozen, dead, exploding, vanishing; and what
could not be read (unreadable) or is not measured (skipped).

The thresholds are here, by name, and in docs/health.md with what each finding usually means.
"""

from __future__ import annotations

import math

from ckpt_browser.core.formats.variables import MODEL
from ckpt_browser.core.values.health_report import KINDS, CheckpointHealth, Finding, VariableHealth

GROWTH = 10.0  # exploding: the norm is more than 10x its smallest earlier value; vanishing: under 1/10 of its largest
RMS_FLOOR = 1e-4  # norms of tensors whose typical value (norm / sqrt(size)) is below this are a start from ~0
MAX_LISTED = 20  # unit indices spelled out in a detail line (all of them are in `units`)


def _listed(units: list[int]) -> str:
    shown = ", ".join(str(u) for u in units[:MAX_LISTED])
    return shown + (f" and {len(units) - MAX_LISTED} more" if len(units) > MAX_LISTED else "")


def _g(x: float) -> str:
    return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:.3e}"


def find(checkpoints: list[CheckpointHealth]) -> list[Finding]:
    """Every finding over the checkpoints (oldest first), ordered by checkpoint then kind."""
    by_var: dict[str, list[tuple[int, VariableHealth]]] = {}
    for ci, c in enumerate(checkpoints):
        for v in c.variables:
            by_var.setdefault(v.name, []).append((ci, v))
    someone_changed = any(v.changed for c in checkpoints for v in c.variables)
    out: list[tuple[int, int, Finding]] = []

    def add(ci: int, kind: str, name: str, detail: str, units: list[int] | None = None) -> None:
        c = checkpoints[ci]
        out.append((ci, KINDS.index(kind), Finding(kind, name, c.name, c.step, detail, units)))

    skipped: set[str] = set()
    for ci, c in enumerate(checkpoints):
        if c.error:  # nothing of it was read: never "nothing wrong found"
            add(ci, "unreadable", "", f"the checkpoint could not be read: {c.error}")
        for v in c.variables:
            if v.error:
                add(ci, "unreadable", v.name, v.error)
        for name, dtype in c.skipped:
            if name not in skipped:
                skipped.add(name)
                add(ci, "skipped", name, f"a {dtype} variable: health measures floating-point values only")
    for name, series in by_var.items():
        for attr, label in (("nan", "NaN"), ("inf", "Inf")):
            for ci, h in series:
                n = getattr(h, attr)
                if n:
                    earlier = (
                        "finite in every earlier checkpoint" if ci != series[0][0] else "the first checkpoint read"
                    )
                    add(ci, attr, name, f"{n:,} of {h.size:,} values are {label} ({earlier})")
                    break
        if series[0][1].kind != MODEL:
            continue
        _frozen(series, someone_changed, add, checkpoints)
        _dead(series, add)
        _trends(series, add, checkpoints)
    out.sort(key=lambda t: (t[0], t[1], t[2].variable))
    return [f for _, _, f in out]


def _frozen(series, someone_changed: bool, add, checkpoints) -> None:
    links = [h.changed for _, h in series if h.changed is not None]
    clean = all(not h.error and not h.nan and not h.inf for _, h in series)
    if someone_changed and links and not any(links) and clean:
        first, last = checkpoints[series[0][0]].name, checkpoints[series[-1][0]].name
        add(
            series[-1][0], "frozen", series[0][1].name,
            f"unchanged in all {len(series)} checkpoints ({first} to {last}) while other variables changed",
        )  # fmt: skip


def _dead(series, add) -> None:
    ci, last = series[-1]
    if not last.dead_units or last.error:
        return
    dead = set(last.dead_units)
    since = ci
    for cj, h in reversed(series[:-1]):
        if h.error or h.dead_units is None or not dead.issubset(h.dead_units):
            break
        since = cj
    name = last.display_name or last.name
    units = sorted(dead)
    total = last.size if len(units) and name.rpartition("/")[2] == "gamma" else None
    if total is not None:
        detail = f"gamma is 0 for unit{'s' if len(units) > 1 else ''} {_listed(units)} of {total:,}"
    else:
        many = len(units) > 1
        detail = f"unit{'s' if many else ''} {_listed(units)} {'have' if many else 'has'} an all-zero kernel column"
    add(since, "dead", last.name, detail + " (through the last checkpoint)", units)


def _trends(series, add, checkpoints) -> None:
    lo: tuple[float, int] | None = None  # smallest earlier norm above the floor, and where
    hi: tuple[float, int] | None = None
    grew = shrank = False
    for ci, h in series:
        if h.error or h.nan or h.inf or h.norm is None or not h.size:
            continue
        norm = h.norm
        rms = norm / math.sqrt(h.size)
        if not grew and lo is not None and norm > GROWTH * lo[0]:
            grew = True
            add(ci, "exploding", h.name, f"norm {_g(lo[0])} at {checkpoints[lo[1]].name}, {_g(norm)} here "
                f"(x{_g(norm / lo[0])})")  # fmt: skip
        if not shrank and hi is not None and norm < hi[0] / GROWTH:
            shrank = True
            add(ci, "vanishing", h.name, f"norm {_g(hi[0])} at {checkpoints[hi[1]].name}, {_g(norm)} here "
                f"(/{_g(hi[0] / max(norm, 1e-300))})")  # fmt: skip
        if rms >= RMS_FLOOR:
            if lo is None or norm < lo[0]:
                lo = (norm, ci)
            if hi is None or norm > hi[0]:
                hi = (norm, ci)
