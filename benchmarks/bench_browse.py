"""Opening a checkpoint with 100,000 variables: list, classify, build the scope tree, filter.

Run: .venv/bin/python benchmarks/bench_browse.py [WORKDIR]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ckpt_browser.core.formats.variables import VariableFilter, build_tree  # noqa: E402
from ckpt_browser.core.model_dir.contents import open_source, read_contents  # noqa: E402
from ckpt_browser.core.tf.tfimport import tf  # noqa: E402

N = 100_000


def main(work: Path) -> None:
    prefix = work / "model.ckpt-1"
    t = tf()
    if not Path(str(prefix) + ".index").exists():
        names = [f"block_{i // 1000}/layer_{i % 1000 // 10}/w_{i % 10}" for i in range(N)]
        tensors = [t.constant(np.float32(i)) for i in range(N)]
        t0 = time.perf_counter()
        t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=[""] * N, tensors=tensors)
        print(f"wrote {N:,} variables in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    source = open_source(prefix)
    t_scan = time.perf_counter() - t0
    t0 = time.perf_counter()
    contents = read_contents(source.checkpoint())
    t_list = time.perf_counter() - t0
    t0 = time.perf_counter()
    tree = build_tree(contents.variables)
    t_tree = time.perf_counter() - t0
    accept = VariableFilter(text="layer_42/").compile()
    t0 = time.perf_counter()
    shown = [v for v in contents.variables if accept(v)]
    t_filter = time.perf_counter() - t0
    print(f"{len(contents.variables):,} variables: scan {t_scan * 1e3:.0f} ms, list + classify {t_list * 1e3:.0f} ms, "
          f"scope tree {t_tree * 1e3:.0f} ms ({len(tree.children)} top scopes), filter {t_filter * 1e3:.0f} ms "
          f"({len(shown)} shown)")  # fmt: skip


if __name__ == "__main__":
    # Given a folder, the files stay there for the next run; else they go with the temporary one.
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory(prefix="ckpt-bench-") as scratch:
            main(Path(scratch))
