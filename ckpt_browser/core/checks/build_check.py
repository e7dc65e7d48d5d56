"""A model_dir against what a training script builds (checks/build.py): each checkpoint compared,
by the same comparison as every other check, with each checkpoint the script's writers wrote at
the stop point; the one with the fewest findings is its verdict."""

from __future__ import annotations

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.build import DEFAULT_TIMEOUT, Built, Write, build_variables
from ckpt_browser.core.checks.mismatch import CheckResult, Expected, compare, damaged, stored_variables
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir

BUILT = "what {} builds"  # the label of every build's expectation (report.py words its advice by it)


def expected_of(built: Built, write: Write) -> Expected:
    variables: dict[str, tuple[tuple | None, str]] = {n: (tuple(s), d) for n, (s, d) in write.variables.items()}
    estimator = None
    if write.writer.startswith("tf.estimator."):  # "tf.estimator.DNNClassifierV2 (model_dir)"
        estimator = write.writer.split()[0].removeprefix("tf.estimator.").removesuffix("V2")
    return Expected(BUILT.format(built.script), variables, estimator=estimator)


def check_built(md: ModelDir, built: Built, infos: list[CheckpointInfo] | None = None) -> list[CheckResult]:
    """Each checkpoint (default: every one of the model_dir) against the script's writes."""
    results = []
    notes = [_note(built)]
    for info in md.checkpoints if infos is None else infos:
        if infos is None and not info.on_disk and not info.in_state:
            continue
        against = BUILT.format(built.script)
        if not info.files_ok:
            results.append(damaged(info, against, info.problem or "its files are incomplete"))
            continue
        try:
            results.append(_best(info, built))
        except CheckpointError as exc:
            results.append(damaged(info, against, str(exc)))
        results[-1].notes = notes
    return results


def _note(built: Built) -> str:
    writers = "; ".join(
        dict.fromkeys(
            f"{w.writer} ({w.name}" + (f", meant for {w.points_to})" if w.points_to else ")") for w in built.writes
        )
    )
    return f"{built.how[0].upper()}{built.how[1:]}; written there by {writers}."


def _best(info: CheckpointInfo, built: Built) -> CheckResult:
    stored = stored_variables(info)
    tried = []
    for order, write in enumerate(built.writes):
        same_format = write.format == info.format
        result = compare(info, expected_of(built, write), stored)
        tried.append((len(result.findings), not same_format, order, result, write))
    count, _, _, result, write = min(tried, key=lambda t: t[:3])
    label = f"{write.writer} ({write.name})"
    if count == 0:
        result.verdict = f"fits what {built.script} builds: {label}"
    else:
        result.verdict = f"does not fit what {built.script} builds; the closest is {label} ({count} findings)"
    return result


def build_and_check(
    md: ModelDir, script: str, python: str | None = None, cancel=None, timeout: float | None = None
) -> list[CheckResult]:
    """The Check tab's build: the script run with `python` (default: ours, when it has TensorFlow)."""

    built = build_variables(script, python=python or None, cancel=cancel, timeout=timeout or DEFAULT_TIMEOUT)
    return check_built(md, built)
