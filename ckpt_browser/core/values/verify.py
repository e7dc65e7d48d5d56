"""Read every tensor of a checkpoint and check every crc32c: `verify` and Tools > Verify."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.bundle import BundleReader, ChecksumMismatch, OpaqueTensor
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.core.formats.variables import human_bytes
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir
from ckpt_browser.core.storage import Location
from ckpt_browser.core.storage.paths import CHUNK
from ckpt_browser.core.values.verify_tasks import check_all

OK, CORRUPT, UNREADABLE = "ok", "corrupt", "unreadable"


@dataclass
class Verdict:
    name: str
    prefix: Location
    status: str = OK
    tensors: int = 0  # tensors whose checksum was checked
    opaque: int = 0  # resource / variant entries, listed but not checked
    bytes: int = 0
    problems: list[str] = field(default_factory=list)  # one line per corrupt tensor
    error: str | None = None  # why it could not be read at all
    note: str | None = None  # what was checked, when it is not crc32c (TF.js has no checksums)

    def to_json(self) -> dict:
        return {
            "name": self.name, "status": self.status, "tensors": self.tensors, "opaque": self.opaque,
            "bytes": self.bytes, "problems": self.problems, "error": self.error, "note": self.note,
        }  # fmt: skip


@dataclass
class Report:
    verdicts: list[Verdict]
    seconds: float
    being_written: list[str] = field(default_factory=list)  # checkpoints a trainer is writing: not checked

    @property
    def bytes(self) -> int:
        return sum(v.bytes for v in self.verdicts)

    def count(self, status: str) -> int:
        return sum(v.status == status for v in self.verdicts)

    def summary(self) -> str:
        n = len(self.verdicts)
        rate = f" ({self.bytes / self.seconds / 1e9:.2f} GB/s)" if self.bytes > 10e6 and self.seconds > 0 else ""
        return (
            f"{n} checkpoint{'s' if n != 1 else ''}: {self.count(OK)} ok, {self.count(CORRUPT)} corrupt, "
            f"{self.count(UNREADABLE)} unreadable; {human_bytes(self.bytes)} checked in {self.seconds:.2f} s{rate}"
            + (f"; being written, not checked: {', '.join(self.being_written)}" if self.being_written else "")
        )

    def to_json(self) -> dict:
        return {
            "checkpoints": [v.to_json() for v in self.verdicts],
            "summary": self.summary(),
            "bytes": self.bytes,
            "seconds": round(self.seconds, 4),
            "being_written": self.being_written,
        }


Progress = Callable[[int, int, str], None]


def _verify_one(info: CheckpointInfo, progress: Progress, done: list[int], total: int, engine=None,
                finite: bool = False) -> Verdict:  # fmt: skip
    verdict = Verdict(info.name, info.prefix)
    if not info.on_disk:
        verdict.status, verdict.error = UNREADABLE, info.problem or "its index is missing"
        return verdict
    try:
        reader = open_checkpoint(info.prefix)
        entries = reader.variables()
    except CheckpointError as exc:
        verdict.status, verdict.error = UNREADABLE, str(exc)
        return verdict
    verdict.note = getattr(reader, "verify_note", None)
    checks_finite = finite and getattr(reader, "checks_finite", False)  # NaN / Inf as problems (Orbax)
    if finite and not checks_finite:
        verdict.note = "; ".join(
            filter(None, [verdict.note, "NaN and Inf are not checked for this format (health counts them)"])
        )
    # File-level problems a reader knows of (entries TensorFlow would refuse, a manifest that lies).
    verdict.problems += reader.problems() if hasattr(reader, "problems") else []
    if isinstance(reader, BundleReader):  # every core (or a cluster) on byte ranges
        return _verify_bundle(verdict, reader, [e.name for e in entries], engine, progress, done, total)
    buffer = bytearray(CHUNK)
    for entry in entries:
        try:
            if checks_finite:
                verdict.bytes += reader.check(entry.name, buffer, finite=True)  # type: ignore[attr-defined]
            elif hasattr(reader, "check"):  # the bundle's crc32c, or what TF.js allows checking
                verdict.bytes += reader.check(entry.name, buffer)
            else:  # TensorFlow's reader checks as it reads
                verdict.bytes += int(getattr(reader.read(entry.name), "nbytes", 0))
            verdict.tensors += 1
        except ChecksumMismatch as exc:
            verdict.tensors += 1
            verdict.bytes += _size(reader, entry.name)
            verdict.problems.append(str(exc))
        except OpaqueTensor:
            verdict.opaque += 1
        except CheckpointError as exc:  # truncated or missing data file: the rest may still be fine
            text = str(exc)  # named once, when the reader's message already names the variable
            verdict.problems.append(text if text.startswith(f"{entry.name}: ") else f"{entry.name}: {text}")
        done[0] += 1
        progress(done[0], total, f"Verifying {info.name}")
    if verdict.problems:
        verdict.status = CORRUPT
    return verdict


def _verify_bundle(verdict: Verdict, reader, names: list[str], engine, progress: Progress, done, total) -> Verdict:
    base = done[0]

    def moved(got: int, of: int) -> None:  # bytes, shown as the share of this checkpoint's tensors
        progress(base + len(names) * got // max(of, 1), total, f"Verifying {verdict.name}")

    for outcome in check_all(reader, names, engine, moved):
        verdict.bytes += outcome.bytes
        verdict.tensors += outcome.counted and not outcome.opaque
        verdict.opaque += outcome.opaque
        if outcome.problem:
            verdict.problems.append(outcome.problem)
    done[0] = base + len(names)
    progress(done[0], total, f"Verifying {verdict.name}")
    if verdict.problems:
        verdict.status = CORRUPT
    return verdict


def _size(reader, name: str) -> int:
    return reader.entry_info(name).size if isinstance(reader, BundleReader) else 0


def verify(checkpoints: list[CheckpointInfo], progress: Progress | None = None, engine=None,
           finite: bool = False) -> Report:  # fmt: skip
    """Check every tensor of each checkpoint; progress(done, total, text) counts tensors. engine:
    where the bytes are checked (values/tasks.py: threads here by default, or a Dask cluster).
    finite: NaN and infinite values are problems too, where the reader checks them (Orbax)."""
    progress = progress or (lambda *_: None)
    start = time.perf_counter()
    total = 0
    for info in checkpoints:
        try:
            total += len(open_checkpoint(info.prefix).variables()) if info.on_disk else 0
        except CheckpointError:
            pass
    done = [0]
    verdicts = [_verify_one(info, progress, done, total, engine, finite) for info in checkpoints]
    return Report(verdicts, time.perf_counter() - start)


def verify_model_dir(md: ModelDir, progress: Progress | None = None, engine=None, finite: bool = False) -> Report:
    """Every checkpoint of md but those its writer marks unfinished (an Orbax step folder not yet
    renamed from its .orbax-checkpoint-tmp name, which Orbax's own restore never lists either): named
    in the report, not checked. A TF checkpoint whose files are incomplete is checked, and reported,
    however recently they changed: that it is being written is only a guess from the time."""
    chosen = [c for c in md.checkpoints if c.on_disk or c.in_state]
    report = verify([c for c in chosen if not c.unfinished], progress, engine, finite)
    report.being_written = [c.name for c in chosen if c.unfinished]
    return report
