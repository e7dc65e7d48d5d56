"""Floors: for each measure, the least work that gives the same answer with the same checks --
the same block crc32c of the index, the same chunks read with their crc32c, streaming where ours
streams, threads where ours uses every core -- each a plain script run as a process of its own,
named for what it does (FLOORS[name] = (definition, script)). A floor need not compute what ours
computes where that costs no I/O and no check (the ls floor writes the listing's bytes, not its
names): it is a lower bound, not a rival implementation.

What a floor is given: the `.index` prefix and the size of our listing's output (the ls floor
reads the index and checks its blocks itself), or a JSON list of byte ranges worked out by this
process beforehand with our reader (health and diff floors: which tensors, where, their stored
crc32c), which leaves the index out of their time.
"""

from __future__ import annotations

import json
from pathlib import Path

# The least work that gives `ls` its answer with its checks: the `.index` file read in one read,
# the footer and the index block parsed for the data blocks' handles, the crc32c of every block
# (the index block's and each data block's, with its type byte, as TensorFlow's table reader
# checks them) compared with the stored one, and then as many bytes as the listing's output (its
# size, argv[2], measured from our own run beforehand) written to stdout from a buffer prepared
# beforehand. It computes no names: only the unavoidable I/O, checksums and output.
# google_crc32c (what our reader uses for index blocks) over a bytes copy of each block: its import
# is ~2 ms where the crc32c library's (which takes a memoryview) is ~60 ms here, which is more
# than the copies (21 MB) cost.
LS_FLOOR = r"""
import os, sys
import google_crc32c
def varint(b, p):
    r = s = 0
    while True:
        c = b[p]; p += 1; r |= (c & 0x7F) << s
        if c < 0x80:
            return r, p
        s += 7
def unmask(m):
    rot = (m - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
def check(data, off, size):  # contents + type byte against the masked crc after them
    end = off + size
    if unmask(int.from_bytes(data[end + 1 : end + 5], "little")) != google_crc32c.extend(0, data[off : end + 1]):
        sys.exit(f"block checksum mismatch at offset {off}")
prefix, nbytes = sys.argv[1], int(sys.argv[2])
with open(prefix + ".index", "rb", buffering=0) as f:
    data = f.read()
footer = data[-48:]
if int.from_bytes(footer[-8:], "little") != 0xDB4775248B80FB57:
    sys.exit("bad magic number")
_, p = varint(footer, 0); _, p = varint(footer, p)
index_off, p = varint(footer, p); index_size, _ = varint(footer, p)
check(data, index_off, index_size)
block = data[index_off : index_off + index_size]
limit, p = len(block) - 4 - 4 * int.from_bytes(block[-4:], "little"), 0
while p < limit:  # index entries: (separator key, data block handle)
    _, p = varint(block, p); non_shared, p = varint(block, p); vlen, p = varint(block, p)
    off, q = varint(block, p + non_shared); size, _ = varint(block, q)
    check(data, off, size)
    p += non_shared + vlen
chunk = memoryview(b"x" * (1 << 20))
while nbytes > 0:
    nbytes -= os.write(1, chunk[: min(nbytes, 1 << 20)])
"""

# Not a floor: a listing written in plain Python, entry by entry -- the index walked with our
# formats/sstable.py (every block's crc32c checked), each distinct entry head (dtype, shape)
# decoded once, one line per variable (name, shape, dtype; no classification). A reference for
# what the straightforward way costs, nothing more.
PY_LISTING = r"""
import sys
from ckpt_browser.core.formats import dtypes, wire
from ckpt_browser.core.formats.sstable import read_table
prefix = sys.argv[1]
heads, rows = {}, []
for key, raw in read_table(open(prefix + ".index", "rb").read(), prefix):
    if not key or key[:1] == b"\x00":
        continue
    head = raw[: 4 + raw[3]]
    h = heads.get(head)
    if h is None:
        dtype, shape = wire.entry_head(head)
        h = heads[head] = (str(list(shape)), dtypes.dtype_name(dtype))
    rows.append((key.decode(), h))
w = max(len(n) for n, _ in rows)
ws = max(len(s) for s, _ in heads.values())
wd = max(len(d) for _, d in heads.values())
sys.stdout.write("".join(f"{n:<{w}}  {s:<{ws}}  {d:<{wd}}  model\n" for n, (s, d) in rows))
"""

# Every model variable of every checkpoint read once in chunks of 1 M values (side by side with
# the same chunk of the previous checkpoint), the crc32c of its bytes checked against its entry,
# and per chunk: float64 sum of squares of the finite values, NaN and Inf counts, the squared
# difference to the previous checkpoint, and for kernels the columns that are all zero. A thread
# per core, a variable's series per task. No alpha (as --no-alpha).
HEALTH_FLOOR = r"""
import json, os, sys
from concurrent.futures import ThreadPoolExecutor
import crc32c
import numpy as np
CHUNK = 1 << 20
def unmask(m):
    rot = (m - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
def series(var):
    shape, kernel, places = var["shape"], var["kernel"], var["in"]
    count = 1
    for d in shape:
        count *= d
    cols = shape[-1] if kernel else 1
    step = max(CHUNK // cols * cols, cols)
    files = [open(p, "rb", buffering=0) for p, _, _ in places]
    crcs = [0] * len(places)
    out = [[0.0, 0, 0, 0.0, None] for _ in places]  # squares, nan, inf, diff squares, nonzero columns
    for start in range(0, count, step):
        n = min(step, count - start)
        prev = None
        for i, (f, (_, offset, _)) in enumerate(zip(files, places)):
            raw = os.pread(f.fileno(), 4 * n, offset + 4 * start)
            crcs[i] = crc32c.crc32c(raw, crcs[i])
            x32 = np.frombuffer(raw, np.float32)
            x = x32.astype(np.float64)
            o = out[i]
            ss = float(np.einsum("i,i->", x, x))  # einsum: no BLAS threads under the pool's
            if ss != ss or ss == float("inf"):  # NaN or Inf in the chunk: counted, left out
                nan, inf = np.isnan(x), np.isinf(x)
                o[1] += int(nan.sum()); o[2] += int(inf.sum())
                finite = x[~(nan | inf)]
                ss = float(np.einsum("i,i->", finite, finite))
            o[0] += ss
            if prev is not None:
                d = x - prev
                o[3] += float(np.einsum("i,i->", d, d))
            if kernel:
                nz = (x32.reshape(-1, cols) != 0).any(axis=0)
                o[4] = nz if o[4] is None else (o[4] | nz)
            prev = x
    for f in files:
        f.close()
    bad = [p for (p, _, crc), got in zip(places, crcs) if unmask(crc) != got]
    return len(bad), [(o[0] ** 0.5, o[1], o[2], o[3]) for o in out]
variables = json.load(open(sys.argv[1]))
with ThreadPoolExecutor(os.cpu_count()) as pool:
    results = list(pool.map(series, variables))
print(sum(b for b, _ in results), len(results))
"""

# Each pair of same-name tensors read side by side in chunks of 1 M values, both crc32c checked
# against their entries, and per chunk: |b - a| in float32, its max, the count of changed values,
# float64 sums of squares of the difference and of a. A thread per core, a tensor per task.
DIFF_FLOOR = r"""
import json, os, sys
from concurrent.futures import ThreadPoolExecutor
import crc32c
import numpy as np
CHUNK = 4 << 20
def unmask(m):
    rot = (m - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
def one(pair):
    (pa, oa, ca), (pb, ob, cb), nbytes = pair
    fa, fb = open(pa, "rb", buffering=0), open(pb, "rb", buffering=0)
    crc_a = crc_b = changed = 0
    top = dsq = asq = 0.0
    for start in range(0, nbytes, CHUNK):
        n = min(CHUNK, nbytes - start)
        ra, rb = os.pread(fa.fileno(), n, oa + start), os.pread(fb.fileno(), n, ob + start)
        crc_a, crc_b = crc32c.crc32c(ra, crc_a), crc32c.crc32c(rb, crc_b)
        a, b = np.frombuffer(ra, np.float32), np.frombuffer(rb, np.float32)
        d = b - a
        np.abs(d, out=d)
        top = max(top, float(d.max()) if d.size else 0.0)
        changed += int(np.count_nonzero(d))
        dsq += float(np.add.reduce(np.square(d, dtype=np.float64)))
        asq += float(np.add.reduce(np.square(a, dtype=np.float64)))
    fa.close(); fb.close()
    return unmask(ca) == crc_a and unmask(cb) == crc_b, top, changed
pairs = json.load(open(sys.argv[1]))
with ThreadPoolExecutor(os.cpu_count()) as pool:
    results = list(pool.map(one, pairs))
print(all(ok for ok, _, _ in results), max(t for _, t, _ in results))
"""

FLOORS = {
    "ls": (
        "read the .index (one read) + crc32c of every block (the index block's handles) + write the listing's "
        "bytes (its size from our own run) from a buffer prepared beforehand; no names computed",
        LS_FLOOR,
    ),
    "health": (
        "each model variable of each checkpoint read once in 1 M-value chunks beside the previous "
        "checkpoint's, crc32c checked; float64 sums of squares (NaN/Inf counted when the sum says "
        "there are some), of the difference to the previous checkpoint, zero columns of kernels; a thread "
        "per core; no alpha",
        HEALTH_FLOOR,
    ),
    "diff": (
        "each tensor of both checkpoints streamed side by side in chunks of 1 M values, both crc32c checked; "
        "max |b - a|, changed count, float64 sums of squares; a thread per core",
        DIFF_FLOOR,
    ),
}


def health_spec(run: Path) -> list[dict]:
    """The model float variables of a model_dir's checkpoints, as health reads them: per variable,
    its shape, whether it has units (a kernel), and (data file, offset, stored crc32c) per checkpoint."""
    from ckpt_browser.core.formats.reader import open_checkpoint
    from ckpt_browser.core.formats.variables import MODEL, describe
    from ckpt_browser.core.model_dir.scan import scan_model_dir

    md = scan_model_dir(run)
    by_name: dict[str, dict] = {}
    for c in md.checkpoints:
        reader = open_checkpoint(c.prefix)
        for v in describe(reader.variables()):
            if v.kind != MODEL or v.dtype != "float32":
                continue
            entry = reader.entry_info(v.name)
            var = by_name.setdefault(
                v.name, {"shape": list(v.shape), "kernel": v.name.endswith("kernel") and len(v.shape) >= 2, "in": []}
            )
            var["in"].append((str(reader.shard_path(entry.shard)), entry.offset, entry.crc))
    return list(by_name.values())


def diff_spec(a: Path, b: Path) -> list:
    """Same-name float32 tensors of two checkpoints: ((file, offset, crc) of each, bytes)."""
    from ckpt_browser.core.formats.reader import open_checkpoint

    ra, rb = open_checkpoint(a), open_checkpoint(b)
    names_b = {v.name for v in rb.variables()}
    out = []
    for v in ra.variables():
        if v.name in names_b and v.dtype == "float32":
            ea, eb = ra.entry_info(v.name), rb.entry_info(v.name)
            if ea.size == eb.size and not ea.slices:
                out.append(
                    (
                        (str(ra.shard_path(ea.shard)), ea.offset, ea.crc),
                        (str(rb.shard_path(eb.shard)), eb.offset, eb.crc),
                        ea.size,
                    )
                )
    return out


def write_script(work: Path, name: str) -> Path:
    path = work / f"floor_{name}.py"
    path.write_text(FLOORS[name][1])
    return path


def write_spec(work: Path, name: str, spec: list) -> Path:
    path = work / f"floor_{name}.json"
    path.write_text(json.dumps(spec))
    return path
