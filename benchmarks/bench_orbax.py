"""Issue 34 figures: an Orbax step in an S3 bucket (moto's server on loopback, behind a relay that
counts every byte on the wire), listed and sliced by ckpt-browser, beside what users do today:
download the step, then restore it with Orbax (which also needs JAX).

The step is the CheckpointManager fixture (tests/data/orbax/manager/2) with its params/big array
rewritten 64 MiB large (random float32, 512 x 512 chunks) through tensorstore.

Run: .venv/bin/python benchmarks/bench_orbax.py   (needs tensorstore: pip install '.[orbax]')
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.remote.wire import WireRelay, s3_env, start_moto  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHAPE = (8192, 2048)


def build(work: Path) -> Path:
    import numpy as np
    import tensorstore as ts

    root = work / "manager"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ROOT / "tests" / "data" / "orbax" / "manager", root)
    item = root / "2" / "default"
    metadata = {"shape": list(SHAPE), "chunks": [512, 512], "dtype": "<f4", "compressor": {"id": "zstd", "level": 1}}
    kvstore = {"driver": "ocdbt", "base": f"file://{item}/", "path": "params.big/"}
    spec = {"driver": "zarr", "kvstore": kvstore, "metadata": metadata}
    array = ts.open(spec, create=True, delete_existing=True).result()
    array.write(np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)).result()
    return root


def main() -> None:
    try:
        import tensorstore  # noqa: F401
    except ImportError:
        print("tensorstore is not installed (pip install '.[orbax]'): skipped")
        return
    import s3fs

    import ckpt_browser as cb
    from ckpt_browser.core.formats.reader import open_checkpoint

    work = Path(tempfile.mkdtemp(prefix="ckpt-bench-orbax-"))
    try:
        root = build(work)
        step_bytes = sum(p.stat().st_size for p in (root / "2").rglob("*") if p.is_file())
        print(f"Orbax step: {step_bytes / 1e6:.1f} MB, 8 arrays, params/big {SHAPE} float32 in 512 x 512 chunks")
        server, host, port = start_moto()
        relay = WireRelay(host, port)
        os.environ.update(s3_env(relay.url))
        s3fs.S3FileSystem.clear_instance_cache()
        fs = s3fs.S3FileSystem()
        fs.mkdir("bench")
        fs.put(str(root), "bench/manager", recursive=True)

        relay.reset()
        start = time.perf_counter()
        md = cb.open("s3://bench/manager")
        variables = md.checkpoint("2").variables
        listed = time.perf_counter() - start
        print(f"ckpt-browser: open + list {len(variables)} arrays  {relay.down + relay.up:>12,} bytes  {listed:.2f} s"
              " (the first open starts the tensorstore worker)")  # fmt: skip
        reader = open_checkpoint(md.checkpoint("2").prefix)
        relay.reset()
        start = time.perf_counter()
        reader.read_slice("params/big", (slice(1000, 1010), slice(0, 10)))
        print(f"ckpt-browser: a 10 x 10 slice              {relay.down + relay.up:>12,} bytes  "
              f"{time.perf_counter() - start:.2f} s")  # fmt: skip
        relay.reset()
        start = time.perf_counter()
        fs.get("bench/manager/2", str(work / "download"), recursive=True)
        print(f"download the step (s3fs get)              {relay.down + relay.up:>12,} bytes  "
              f"{time.perf_counter() - start:.2f} s  (then Orbax's restore, with JAX)")  # fmt: skip
        relay.close()
        server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
