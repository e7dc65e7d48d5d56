"""Issue 22 figures: `ckpt-browser health` on a BERT-sized checkpoint series against the floor of
reading the same bytes with numpy. Whole processes, alternated, medians of 5.

Run: .venv/bin/python benchmarks/bench_health.py [WORKDIR]   (needs ~4 GB of disk)

The series: three BERT-base-sized checkpoints (1.3 GB each with their adam_m / adam_v slots; 0.44
GB of model variables, which is what `health` reads by default) of one model_dir. The floor is a
Python process that reads each model variable's bytes of each checkpoint with np.fromfile at its
offset and takes its norm -- the least any tool must do to say anything about those tensors.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._proc import cli, python, run_measured  # noqa: E402
from benchmarks.bert import write_bert  # noqa: E402

STEPS = (0, 1000, 2000)
RUNS = 5

FLOOR = """
import json, sys
import numpy as np
total = 0.0
for path, offset, count in json.load(open(sys.argv[1])):
    x = np.fromfile(path, dtype=np.float32, count=count, offset=offset)
    total += float(np.einsum("i,i->", x, x, dtype=np.float64))
print(total)
"""


def write_series(work: Path) -> Path:
    run = work / "bert_run"
    names = []
    for i, step in enumerate(STEPS):
        prefix = run / f"model.ckpt-{step}"
        if not Path(str(prefix) + ".index").exists():
            write_bert(prefix, seed=0, perturb=1e-3 * i)
        names.append(prefix.name)
    state = f'model_checkpoint_path: "{names[-1]}"\n' + "".join(f'all_model_checkpoint_paths: "{n}"\n' for n in names)
    (run / "checkpoint").write_text(state)
    return run


def model_ranges(run: Path) -> tuple[list, int]:
    """(data file, offset, element count) of every model variable of every checkpoint, as health reads them."""
    from ckpt_browser.core.formats.reader import open_checkpoint
    from ckpt_browser.core.formats.variables import MODEL, describe

    out, nbytes = [], 0
    for step in STEPS:
        reader = open_checkpoint(run / f"model.ckpt-{step}")
        for v in describe(reader.variables()):
            if v.kind == MODEL and v.dtype == "float32":
                entry = reader.entry_info(v.name)
                out.append((str(reader.shard_path(entry.shard)), entry.offset, v.size))
                nbytes += entry.size
    return out, nbytes


def main() -> None:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="ckpt-bench-"))
    t0 = time.perf_counter()
    run = write_series(work)
    size = sum(p.stat().st_size for p in run.iterdir())
    ranges, nbytes = model_ranges(run)
    spec = work / "ranges.json"
    spec.write_text(json.dumps(ranges))
    floor_script = work / "floor.py"
    floor_script.write_text(FLOOR)
    print(
        f"series: {len(STEPS)} checkpoints, {size / 1e9:.2f} GB on disk, {nbytes / 1e9:.2f} GB of model variables "
        f"({len(ranges)} tensors), ready in {time.perf_counter() - t0:.0f} s ({run})"
    )
    commands = {
        "numpy floor (read + norm)": [python(), str(floor_script), str(spec)],
        "health --no-alpha": cli("health", str(run), "--json", "--no-alpha"),
        "health (with alpha)": cli("health", str(run), "--json"),
    }
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    times: dict[str, list[float]] = {k: [] for k in commands}
    peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
    for _ in range(RUNS):  # alternated: a busy moment of the machine hits every command alike
        for label, argv in commands.items():
            wall, peak, _code = run_measured(argv, env)
            times[label].append(wall)
            peaks[label] = max(peaks[label], peak)
    floor = statistics.median(times["numpy floor (read + norm)"])
    for label in commands:
        med = statistics.median(times[label])
        print(
            f"{label:<28} median {med:6.2f} s of {RUNS}  ({nbytes / med / 1e9:.2f} GB/s of model variables)  "
            f"x{med / floor:.1f} the floor  peak RSS {peaks[label]:.0f} MB"
        )


if __name__ == "__main__":
    main()
