"""Static reading of a training script in a worker process of its own (core/formats/isolated.py's
Worker), under a time and a memory limit: the reader bounds every value it builds
(script_bounds.py), and the worker is the guard behind those bounds -- whatever a script's text
makes the reader do, the window keeps its interpreter lock and its memory, and a reading that
outruns the limits is one line. The Reading comes back pickled: plain data, feature columns,
optimizers and Unknowns (script_opaque.settle made the arguments so)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.script import Reading, read_script, read_script_file
from ckpt_browser.core.formats.isolated import Worker

TIMEOUT_S = 30.0  # the reading stops itself after script_bounds.MAX_SECONDS; this is the guard's limit
MEMORY_BYTES = 768 << 20  # what a reading may add to the worker's address space
READER = Worker("the script reader")


def read_isolated(spec: str, is_file: bool) -> Reading:
    """A script file (is_file) or pasted text, read in the worker; one line if it cannot be."""
    what = Path(spec).name if is_file else "the pasted script"
    return READER.call(  # type: ignore[no-any-return]
        "ckpt_browser.core.checks.script_worker:read_bounded", spec, is_file, what=what, timeout=TIMEOUT_S
    )


def read_bounded(spec: str, is_file: bool) -> Reading:
    """Run in the worker: the reading, its memory limited while it runs, checked to travel back."""
    restore = _limit_memory()
    try:
        reading = read_script_file(spec) if is_file else read_script(spec, "the pasted script")
        pickle.dumps(reading, protocol=pickle.HIGHEST_PROTOCOL)  # what cannot travel is said here, not a crash
    except MemoryError:
        name = Path(spec).name if is_file else "the pasted script"
        raise CheckpointError(f"reading {name} needs more than {MEMORY_BYTES >> 20} MB: stopped") from None
    except (pickle.PicklingError, TypeError, RecursionError) as exc:
        raise CheckpointError(f"the reading of the script could not be passed back ({type(exc).__name__})") from None
    finally:
        restore()
    return reading


def _limit_memory():
    """Lower the worker's address-space limit to what it uses now plus MEMORY_BYTES; a function
    that puts it back. Only in a worker process (never in the app's own, where other threads run)."""
    if os.environ.get("CKPT_BROWSER_IN_PROCESS") == "1":
        return lambda: None
    try:
        import resource  # deferred: optional: not everywhere; its ImportError is handled here

        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = used + MEMORY_BYTES
        if soft != resource.RLIM_INFINITY and soft < limit:
            return lambda: None
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: the worker's own limit stays the guard
        return lambda: None
    return lambda: resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
