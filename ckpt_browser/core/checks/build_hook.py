"""Build mode's child: run a training script up to the first point where it would train or save,
let its writers write once into a temporary folder, say what was written, and end.

Run by the *user's* Python (the training environment), never imported by ckpt_browser:

    PYTHON -I build_hook.py RESULT_DIR SCRIPT [ARGS...]

Standard library only, plus whatever TensorFlow that Python has; Python 3.9 to 3.12. Its sibling
build_hook_patches.py (loaded by path) wraps TensorFlow's and Keras' writers as they are imported.
RESULT_DIR is the temporary folder: the only place a Python-level write is allowed (an audit hook
refuses the others, naming the path); the writers' own paths are moved into it. The outcome is
RESULT_DIR/result.json; the process ends with os._exit (TensorFlow's teardown is slow).
"""

import ctypes
import importlib.util
import json
import linecache
import os
import re
import sys
import traceback
import types

_PR_SET_PDEATHSIG = 1
_SIGKILL = 9
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# Programs that only read: asked by the standard library and TensorFlow's imports (platform,
# ctypes.util.find_library). Any other process the script starts is refused: it could write anywhere.
_READ_ONLY_TOOLS = {"uname", "ldconfig", "ldconfig.real", "gcc", "cc", "ld", "objdump", "nvidia-smi", "lscpu", "nproc"}


def die_with_parent():
    """core/child.die_with_parent's Linux path (this file cannot import ckpt_browser)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0) == 0 and os.getppid() == 1:
                os._exit(1)  # the parent died before we asked
        except (OSError, AttributeError):
            pass


def limit_memory():
    """3/4 of the machine's memory, at least 4 GiB (TensorFlow maps much more than it uses), or what
    the parent asks for (CKPT_BROWSER_BUILD_MEMORY, bytes). Returns the limit, 0 when none was set."""
    try:
        import resource  # deferred: optional: not everywhere; its ImportError is handled here

        asked = int(os.environ.pop("CKPT_BROWSER_BUILD_MEMORY", "0") or 0)
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        limit = asked or max(4 << 30, total * 3 // 4)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        return limit
    except (ImportError, ValueError, OSError, AttributeError):
        return 0


# audit event -> the index of its dir_fd argument (a path relative to an open folder: shutil.rmtree)
_ONE_PATH = {
    "os.mkdir": 2, "os.rmdir": 1, "os.remove": 1, "os.truncate": 9, "os.chmod": 2, "os.chown": 3, "os.utime": 3,
    "os.mkfifo": 2, "os.mknod": 3, "os.chflags": 9, "os.lchflags": 9, "os.setxattr": 9, "os.removexattr": 9,
}  # fmt: skip


def _at(path, dir_fd):
    """The path an audit event names, made absolute when it is relative to a folder's descriptor."""
    if isinstance(dir_fd, int) and dir_fd >= 0 and not isinstance(path, int):
        try:
            p = os.fsdecode(os.fspath(path))
            if not os.path.isabs(p):
                return os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), p)
        except (OSError, TypeError):
            pass
    return path


class Guard:
    """The audit hook: Python-level writes only inside the temporary folder (and /dev/null)."""

    def __init__(self, state):
        self.inside = state.inside
        self.refuse = state.refuse

    def __call__(self, event, args):
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS
            )
            if writes and path is not None and not self.inside(path):
                self.refuse("write", path)
        elif event in _ONE_PATH:
            path = _at(args[0], args[_ONE_PATH[event]] if _ONE_PATH[event] < len(args) else None)
            if event == "os.mkdir" and not isinstance(path, int) and os.path.isdir(path):
                return  # exists: mkdir fails by itself, nothing is written (os.makedirs(exist_ok=True))
            if not self.inside(path):
                self.refuse(event.split(".")[1].replace("remove", "delete"), path)
        elif event in ("os.rename", "os.link", "shutil.move", "shutil.copytree"):
            src = _at(args[0], args[2] if len(args) > 2 else None)
            dst = _at(args[1], args[3] if len(args) > 3 else None)
            for path in (src, dst) if event in ("os.rename", "shutil.move") else (dst,):
                if not self.inside(path):
                    self.refuse(event.split(".")[1], path)
        elif event == "os.symlink":
            dst = _at(args[1], args[2] if len(args) > 2 else None)
            if not self.inside(dst):
                self.refuse("symlink", dst)
        elif event in ("sqlite3.connect", "dbm.open") and args and args[0] not in (":memory:", b":memory:", ""):
            if not self.inside(args[0]):  # their libraries create the file in C
                self.refuse("write", args[0])
        elif event in ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen"):
            program = args[0] if event != "os.spawn" else args[1]
            if event == "subprocess.Popen" and program is None:
                program = args[1][0] if isinstance(args[1], (list, tuple)) and args[1] else args[1]
            name = os.path.basename(os.fsdecode(program).split()[0]) if program else ""
            if name not in _READ_ONLY_TOOLS:
                raise PermissionError(f"build mode refused to start a process ({os.fsdecode(program)[:200]})")


def notebook_cells(path):
    """A notebook's code cells in order: `!` / `%` lines (and `x = !cmd`) and `%%` cells left out."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    out = []
    for i, cell in enumerate(nb.get("cells", []), 1):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        if src.lstrip().startswith("%%"):
            continue
        lines = ["" if re.match(r"\s*([!%]|[\w, ]+=\s*!)", ln) else ln for ln in src.splitlines()]
        out.append((i, "\n".join(lines) + "\n"))
    return out


def run_script(script, namespace):
    if script.endswith(".ipynb"):
        for i, src in notebook_cells(script):
            name = f"{script}, cell {i}"
            linecache.cache[name] = (len(src), None, src.splitlines(True), name)  # its lines, for the report
            exec(compile(src, name, "exec"), namespace)  # noqa: S102 - the user's script, on request
    else:
        with open(script, "rb") as f:
            src = f.read()
        exec(compile(src, script, "exec"), namespace)  # noqa: S102


def interpreter():
    """ "python3.11 (TensorFlow 2.15.1)", with Keras 3 when it is there."""
    text = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    tf = sys.modules.get("tensorflow")
    parts = [f"TensorFlow {getattr(tf, '__version__', '?')}"] if tf is not None else []
    keras = sys.modules.get("keras")
    if keras is not None and getattr(keras, "__version__", "").startswith("3"):
        parts.append(f"Keras {keras.__version__}")
    return text + (f" ({', '.join(parts)})" if parts else "")


def script_line(tb, folder):
    """file:line of the deepest frame in the script's folder (not an installed package)."""
    found = None
    for frame, line in traceback.walk_tb(tb):
        name = frame.f_code.co_filename
        if in_folder(name, folder):
            found = (name, line)
    if found is None:
        return ""
    return f"{os.path.relpath(found[0], folder)}:{found[1]}"


def in_folder(filename, folder):
    real = os.path.realpath(filename.split(", cell ")[0])
    return real.startswith(folder + os.sep) and not re.search(r"[/\\](site|dist)-packages[/\\]", real)


def main():
    die_with_parent()
    memory = limit_memory()
    sys.dont_write_bytecode = True  # no __pycache__ beside the script
    temp, script, args = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3:]
    folder = os.path.realpath(os.path.dirname(script))
    result = {"interpreter": "", "status": "ended", "written": [], "memory_limit": memory}

    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("_ckpt_build_patches", os.path.join(here, "build_hook_patches.py"))
    patches = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(patches)
    state = patches.install(temp, folder)
    sys.addaudithook(Guard(state))
    sys.argv = [script, *args]
    sys.path[0:0] = [os.path.dirname(script)]
    os.chdir(os.path.dirname(script))

    main_module = types.ModuleType("__main__")
    main_module.__file__ = script
    main_module.__builtins__ = __builtins__
    sys.modules["__main__"] = main_module
    held = None  # the stop, with its traceback: it keeps the script's objects alive until they have written
    try:
        try:
            run_script(script, main_module.__dict__)
        except BaseException:
            if isinstance(sys.exc_info()[1], patches.Stop) or (state.first is None and state.pending is None):
                raise
            if state.first is None:  # failed after an apply_gradients we did not apply
                raise patches.Stop(*state.pending) from None
            raise state.first from None  # the script swallowed the stop (a bare except), then failed
        if state.first is not None:
            raise state.first  # the script swallowed the stop and went on
        if state.pending is not None:
            raise patches.Stop(*state.pending)  # ended after an apply_gradients we did not apply
    except patches.Stop as stop:
        held = stop
        result.update(stop.record)
        try:
            state.write_all(stop)
        except BaseException as exc:  # noqa: BLE001 - reported as one line
            result.update(status="error", error=f"writing the checkpoint failed: {type(exc).__name__}: {exc}")
    except SystemExit as exc:
        code = exc.code
        if code is None or code == 0:
            result["status"] = "ended"
        else:
            result.update(status="exited", exit_status=code if isinstance(code, int) else 1)
            if not isinstance(code, int):
                result["message"] = str(code)
    except MemoryError:
        result.update(status="memory")
    except BaseException as exc:  # noqa: BLE001 - the script's failure: one line for the user
        where = script_line(exc.__traceback__, folder)
        first = (str(exc).strip().splitlines() or [""])[0][:500]
        result.update(status="error", error=f"{where + ': ' if where else ''}{type(exc).__name__}: {first}".strip())
    result["written"] = state.written
    result["write_errors"] = getattr(state, "errors", [])
    result["interpreter"] = interpreter()
    del held
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    with open(os.path.join(temp, "result.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)
    os._exit(0)


if __name__ == "__main__":
    main()
