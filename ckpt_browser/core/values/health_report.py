"""What `health` answers: each variable's figures per checkpoint, what was skipped, the findings,
and the exit status they make (docs/health.md documents every key of the JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ckpt_browser.core.formats.variables import MODEL

KINDS = ("unreadable", "nan", "inf", "frozen", "dead", "exploding", "vanishing", "skipped")
FAILING = ("nan", "inf", "frozen", "dead", "unreadable")  # the kinds `health` exits 1 for


@dataclass
class Finding:
    kind: str  # one of KINDS
    variable: str
    checkpoint: str
    step: int | None
    detail: str
    units: list[int] | None = None  # dead units, by index along the last axis

    def to_json(self) -> dict:
        out: dict[str, object] = {
            "kind": self.kind, "variable": self.variable, "checkpoint": self.checkpoint, "step": self.step,
            "detail": self.detail,
        }  # fmt: skip
        if self.units is not None:
            out["units"] = self.units
        return out


@dataclass
class VariableHealth:
    """One variable in one checkpoint."""

    name: str
    norm: float | None = None  # L2 norm of the finite elements
    update_ratio: float | None = None  # ||W_t - W_t-1|| / ||W_t-1||; None: first, reshaped, non-finite, from 0
    nan: int = 0
    inf: int = 0
    dead_units: list[int] | None = None  # kernels and gammas only: units whose column / gamma is all zero
    alpha: float | None = None  # 2-D model matrices weightwatcher would fit
    changed: bool | None = None  # differs from the previous checkpoint (None: nothing to compare with)
    error: str | None = None  # could not be read (damaged, checksum): an `unreadable` finding
    size: int = 0
    kind: str = MODEL
    display_name: str = ""

    def to_json(self) -> dict:
        out = {
            "name": self.name, "norm": self.norm, "update_ratio": self.update_ratio, "nan": self.nan,
            "inf": self.inf, "dead_units": self.dead_units, "alpha": self.alpha,
        }  # fmt: skip
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class CheckpointHealth:
    name: str
    step: int | None
    variables: list[VariableHealth] = field(default_factory=list)
    error: str | None = None  # the checkpoint could not be opened: an `unreadable` finding
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, dtype) of what health does not measure

    def to_json(self) -> dict:
        out: dict = {"name": self.name, "step": self.step, "variables": [v.to_json() for v in self.variables]}
        if self.skipped:
            out["skipped"] = [{"name": n, "dtype": d} for n, d in self.skipped]
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class HealthReport:
    path: str
    checkpoints: list[CheckpointHealth]
    findings: list[Finding]
    seconds: float = 0.0
    bytes: int = 0
    include_all: bool = False

    @property
    def failing(self) -> bool:
        """What CI gates on: NaN, Inf, a frozen layer, dead units, something that could not be read."""
        return any(f.kind in FAILING for f in self.findings)

    @property
    def unreadable(self) -> int:
        return sum(f.kind == "unreadable" for f in self.findings)

    @property
    def read_nothing(self) -> bool:
        """Whether something was to be read and none of it could be: exit 2, not a report of health."""
        if not self.checkpoints or not self.unreadable:
            return False
        return not any(
            c.error is None and (not c.variables or any(v.error is None for v in c.variables)) for c in self.checkpoints
        )

    def variable_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.checkpoints:
            for v in c.variables:
                seen.setdefault(v.name, None)
        return list(seen)

    def summary(self) -> str:
        n, names = len(self.checkpoints), len(self.variable_names())
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        found = ", ".join(f"{k} {v}" for k, v in counts.items()) if counts else "nothing wrong found"
        if self.read_nothing:
            found = f"nothing could be read ({found})"
        return (
            f"{n} checkpoint{'s' if n != 1 else ''}, {names} variable{'s' if names != 1 else ''}"
            f"{' (with optimizer state)' if self.include_all else ''}: {found}"
            f" ({self.bytes / 1e6:,.1f} MB in {self.seconds:.2f} s)"
        )

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "checkpoints": [c.to_json() for c in self.checkpoints],
            "findings": [f.to_json() for f in self.findings],
            "summary": self.summary(),
            "bytes": self.bytes,
            "seconds": round(self.seconds, 4),
        }
