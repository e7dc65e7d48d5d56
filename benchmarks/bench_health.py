"""Issue 22 figures: `ckpt-browser health` on a BERT-sized checkpoint series against the floor of
reading the same bytes with numpy. Whole processes, alternated, medians of 5.

Run: .venv/bin/python benchmarks/bench_health.py [WORKDIR]   (needs ~4 GB of disk)

The series: three BERT-base-sized checkpoints (1.3 GB each with their adam_m / adam_v slots; 0.44
GB of model variables, which is what `health` reads by default) of one model_dir. The floor
(floors.py, HEALTH_FLOOR) does the checks `health --no-alpha` makes with the least work: each model
variable of each checkpoint read once in chunks beside the previous checkpoint's, crc32c checked,
the float64 sums of squares, NaN/Inf, update-ratio sums and zero columns of kernels.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._proc import cli, python, run_measured  # noqa: E402
from benchmarks.bert import write_bert  # noqa: E402
from benchmarks.floors import FLOORS, health_spec, write_script, write_spec  # noqa: E402

STEPS = (0, 1000, 2000)
RUNS = 5


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


def main(work: Path) -> None:
    t0 = time.perf_counter()
    run = write_series(work)
    size = sum(p.stat().st_size for p in run.iterdir())
    spec_list = health_spec(run)
    nbytes = sum(4 * math.prod(v["shape"]) * len(v["in"]) for v in spec_list)
    spec = write_spec(work, "health", spec_list)
    floor_script = write_script(work, "health")
    print(
        f"series: {len(STEPS)} checkpoints, {size / 1e9:.2f} GB on disk, {nbytes / 1e9:.2f} GB of model variables "
        f"({sum(len(v['in']) for v in spec_list)} tensors), ready in {time.perf_counter() - t0:.0f} s ({run})"
    )
    commands = {
        "floor (same checks)": [python(), str(floor_script), str(spec)],
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
    floor = statistics.median(times["floor (same checks)"])
    for label in commands:
        med = statistics.median(times[label])
        print(
            f"{label:<28} median {med:6.2f} s of {RUNS}  ({nbytes / med / 1e9:.2f} GB/s of model variables)  "
            f"x{med / floor:.1f} the floor  peak RSS {peaks[label]:.0f} MB"
        )
    print(f"floor: {FLOORS['health'][0]}")


if __name__ == "__main__":
    # Given a folder, the files stay there for the next run; else they go with the temporary one.
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory(prefix="ckpt-bench-") as scratch:
            main(Path(scratch))
