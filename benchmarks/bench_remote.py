"""Issue 15 figures: a BERT-base-sized checkpoint (1.3 GB) in an S3 bucket (moto's server on
loopback, behind a relay that counts every byte on the wire), browsed by ckpt-browser, beside
what users do today: download the model_dir, then run inspect_checkpoint on it.

Targets: opening and listing transfers < 2 x the .index size + the listing; showing one [768]
variable transfers < 64 KiB beyond that.

Run: .venv/bin/python benchmarks/bench_remote.py [WORKDIR]   (needs ~3 GB of disk and memory)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._proc import cli, median_of, python, run_measured  # noqa: E402
from benchmarks.bench_native import INSPECT, write_fixtures  # noqa: E402
from tests.remote.wire import WireRelay, s3_env, start_moto  # noqa: E402

BIAS = "bert/encoder/layer_0/attention/self/query/bias"  # [768] float32


def main() -> None:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "ckpt-bench"
    work.mkdir(parents=True, exist_ok=True)
    prefix, _, _ = write_fixtures(work)
    folder = prefix.parent
    index = Path(str(prefix) + ".index").stat().st_size
    total = sum(p.stat().st_size for p in folder.iterdir())
    print(f"BERT-base-sized checkpoint: {total / 1e9:.2f} GB in {folder.name}/, index {index:,} bytes")

    server, host, port = start_moto()
    relay = WireRelay(host, port)
    os.environ.update(s3_env(relay.url))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    import s3fs

    fs = s3fs.S3FileSystem()
    fs.mkdir("bench")
    t0 = time.perf_counter()
    fs.put(str(folder), "bench/bert", recursive=True)
    print(f"uploaded to s3://bench/bert in {time.perf_counter() - t0:.1f} s (moto on loopback)")
    url = "s3://bench/bert"

    fs.invalidate_cache()
    relay.reset()
    fs.ls("bench/bert")
    listing = relay.down + relay.up
    print(f"one listing of the prefix: {listing:,} bytes on the wire")

    # ckpt-browser: open and list, as a user's first command
    relay.reset()
    wall, _, _ = run_measured(cli("ls", url, "--json"), env)
    opened = relay.down + relay.up
    local_ls, _ = median_of(cli("ls", str(folder), "--json"), n=3, env=env)
    bound = 2 * index + listing
    print(
        f"ckpt-browser ls {url}: {wall:.2f} s, {opened:,} bytes on the wire "
        f"(target < 2 x index + listing = {bound:,}: {'met' if opened < bound else 'MISSED'}); "
        f"the same files on disk: {local_ls:.2f} s"
    )

    # one [768] variable, measured inside one process: the open first, then the variable alone
    from ckpt_browser.core.model_dir.contents import open_source, read_contents, read_variable

    relay.reset()
    t0 = time.perf_counter()
    info = open_source(url).checkpoint()
    read_contents(info)
    opened_in = relay.down + relay.up
    relay.reset()
    t1 = time.perf_counter()
    value = read_variable(info, BIAS).value
    shown = relay.down + relay.up
    t2 = time.perf_counter()
    print(
        f"show {BIAS} {list(value.shape)}: {(t2 - t1) * 1000:.0f} ms and {shown:,} bytes beyond the open "
        f"({opened_in:,} bytes, {t1 - t0:.2f} s) (target < 65,536: {'met' if shown < 65536 else 'MISSED'})"
    )
    wall_show, _ = median_of(cli("show", url, BIAS), n=3, env=env)
    local_show, _ = median_of(cli("show", str(folder), BIAS), n=3, env=env)
    print(f"ckpt-browser show (whole command): bucket {wall_show:.2f} s, same files on disk {local_show:.2f} s")

    # the peer: download the model_dir, then inspect_checkpoint
    dest = work / "downloaded"
    shutil.rmtree(dest, ignore_errors=True)
    relay.reset()
    t0 = time.perf_counter()
    fs.get("bench/bert", str(dest), recursive=True)
    t_get = time.perf_counter() - t0
    got = relay.down + relay.up
    t_inspect, _ = median_of([python(), *INSPECT, str(dest / prefix.name)], n=1, env=env)
    print(
        f"peer (download with s3fs, then inspect_checkpoint): {t_get + t_inspect:.1f} s "
        f"({t_get:.1f} s download + {t_inspect:.1f} s inspect), {got:,} bytes on the wire"
    )
    print(f"wire: ckpt-browser ls moves {got / max(opened, 1):,.0f}x less than the download")
    shutil.rmtree(dest, ignore_errors=True)
    relay.close()
    server.stop()


if __name__ == "__main__":
    main()
