"""Build mode's child, part two: TensorFlow's and Keras' writers wrapped as their modules are imported.

Loaded by path by build_hook.py (standard library only; never imports ckpt_browser). A finder on
sys.meta_path wraps exec_module of every tensorflow / tensorflow_estimator / keras / tf_keras module
and patches, once the module has run, the classes and functions it defines: nothing of TensorFlow
is imported before the script imports it (a script may set KERAS_BACKEND or TF_* variables first).

- Paths the writers would write to (Estimator model_dir, CheckpointManager directory, Keras
  callbacks' paths, summary writers) are moved into the temporary folder.
- The first point where the script would train or save raises Stop (a BaseException: the script's
  `except Exception` cannot swallow it) once the checkpoint of that writer is written there.
"""

import importlib.abc
import importlib.util
import linecache
import os
import re
import sys

_ROOTS = ("tensorflow", "tensorflow_estimator", "keras", "tf_keras", "h5py")


class Stop(BaseException):
    """The script reached a point where it would train or save: what it reached, and where."""

    def __init__(self, record, model=None):
        super().__init__(record.get("what", "stop"))
        self.record = record
        self.model = model
        if _STATE is not None:  # the first stop is the stop, even if the script swallows it (except:)
            _STATE.stopped = True
            if _STATE.first is None:
                _STATE.first = self


class State:
    Stop = Stop

    def __init__(self, temp, folder):
        self.temp = temp
        self.real_temp = os.path.realpath(temp)
        self.folder = folder
        self.ours = os.path.dirname(os.path.realpath(__file__)) + os.sep
        self.estimator_train = None
        self.count = 0
        self.written = []  # {"path": relative to temp, "writer": ..., "points_to": the script's path}
        self.checkpoints = []  # (weakref to a tf.train.Checkpoint the script made, its line)
        self.managers = []  # weakrefs to CheckpointManagers the script made
        self.model_checkpoints = []  # weakrefs to Keras ModelCheckpoint callbacks
        self.models = []  # weakrefs to Keras models the script made
        self.passthrough = 0  # > 0 while we call the originals ourselves
        self.stopped = False
        self.first = None  # the first Stop raised
        # apply_gradients reached: (record, model), the stop raised at the next point the script
        # is ours again (its tf.function returned, a save, that optimizer's next apply, its end)
        self.pending = None
        self.pending_optimizers = set()

    def new_dir(self, kind):
        self.count += 1
        path = os.path.join(self.temp, f"{self.count:02d}-{kind}")
        os.makedirs(path, exist_ok=True)
        return path

    def note(self, path, writer, points_to):
        self.written.append({"path": os.path.relpath(path, self.temp), "writer": writer, "points_to": str(points_to)})

    def inside(self, path):
        """Is this path inside the temporary folder (or /dev/null)?"""
        try:
            p = os.fsdecode(os.fspath(path))
        except TypeError:
            return True  # not a path (a file object): opened elsewhere
        if "://" in p:
            return False  # gs://, s3://: never written from a build
        real = os.path.realpath(p)
        return real == self.real_temp or real.startswith(self.real_temp + os.sep) or real == "/dev/null"

    def refuse(self, what, path):
        raise PermissionError(
            f"build mode refused to {what} {os.fsdecode(os.fspath(path))}: nothing is written outside its "
            "temporary folder"
        )

    def is_script(self, filename):
        real = os.path.realpath(filename.split(", cell ")[0])
        return (
            real.startswith(self.folder + os.sep)
            and not real.startswith(self.ours)
            and not re.search(r"[/\\](site|dist)-packages[/\\]", real)
        )

    def called_by_script(self, depth=2):
        """Was the function `depth` frames up called by the script itself (not by a library it called)?"""
        f = sys._getframe(depth)
        return f is not None and self.is_script(f.f_code.co_filename)

    def caller(self, depth=2):
        """The innermost frame of the script (its folder, not an installed package), or None."""
        f = sys._getframe(depth)
        while f is not None:
            if self.is_script(f.f_code.co_filename):
                return f
            f = f.f_back
        return None

    def where(self, method):
        """ "train.py:88, classifier.train" """
        f = self.caller(2)
        if f is None:
            return method

        name, line = f.f_code.co_filename, f.f_lineno
        if ", cell " in name:
            path, cell = name.split(", cell ")
            place = f"{os.path.relpath(path, self.folder)}, cell {cell}, line {line}"
        else:
            place = f"{os.path.relpath(name, self.folder)}:{line}"
        text = linecache.getline(name, line)
        m = re.search(r"([A-Za-z_][\w.]*\.)?" + re.escape(method) + r"\s*\(", text)
        if m:
            return f"{place}, {m.group(0).rstrip('( ')}"
        # reached inside a call on this line (a tf.function, whose traced code lies elsewhere)
        inner = re.search(r"([A-Za-z_][\w.]*)\s*\(", text)
        return f"{place}, {inner.group(1) + ' -> ' if inner else ''}{method}"

    def stop(self, what, method, model=None, **extra):
        self.stopped = True
        raise Stop(dict(status="stopped", what=what, stopped_at=self.where(method), **extra), model)

    def through(self, pending=True):
        """Should a wrapper call the original untouched? Yes while we call it ourselves; once the
        script was stopped (and swallowed it with a bare except), the stop is raised again; a
        pending stop (an apply_gradients reached) is raised unless `pending` is False."""
        if self.passthrough:
            return True
        if self.stopped and self.first is not None:
            raise self.first
        if pending:
            self.raise_pending()
        return False

    def raise_pending(self):
        if self.pending is not None and not self.passthrough and not self.tracing():
            record, model = self.pending
            self.stopped = True
            raise Stop(record, model)

    def tracing(self):
        """Inside a tf.function being traced (its Python runs once, to build its graph)?"""
        tf = sys.modules.get("tensorflow")
        try:
            return bool(tf is not None and tf.inside_function())
        except Exception:  # noqa: BLE001 - a TensorFlow without it: eager
            return False

    def original(self, fn, *args, **kwargs):
        self.passthrough += 1
        try:
            return fn(*args, **kwargs)
        finally:
            self.passthrough -= 1

    # -- at the stop: every writer the script made writes once ----------------------------------

    def write_all(self, stop):
        done = {stop.record.pop("saved", None)}
        for ref in self.managers:
            manager = ref()
            if manager is None:
                continue
            ckpt = getattr(manager, "_checkpoint", None)
            if ckpt is not None and id(ckpt) in done:
                continue
            self.original(manager.save)
            done.add(id(ckpt))
            self.note(manager.directory, "tf.train.CheckpointManager", getattr(manager, "_ckpt_build_points_to", ""))
        for ref, line in self.checkpoints:
            ckpt = ref()
            if ckpt is None or id(ckpt) in done:
                continue
            done.add(id(ckpt))
            path = self.new_dir("checkpoint")
            self.original(ckpt.save, os.path.join(path, "ckpt"))
            self.note(path, f"tf.train.Checkpoint ({line})", "")
        for ref in self.model_checkpoints:
            cb = ref()
            model = getattr(cb, "model", None) if cb is not None else None
            if model is None:
                continue
            base = re.sub(r"\{[^}]*\}", "0", os.path.basename(cb._ckpt_build_points_to.rstrip("/\\")) or "model")
            path = self.new_dir("modelcheckpoint")
            target = os.path.join(path, base)
            if getattr(cb, "save_weights_only", False):
                self.original(model.save_weights, target)
            else:
                self.original(model.save, target)
            self.note(path, "ModelCheckpoint", cb._ckpt_build_points_to)
        if not self.written and stop.model is not None:
            # The script saves after training (Model.save at the end): the model's weights as
            # Keras writes them, in both of its formats
            self.save_model_fallback(stop.model)

    def save_model_fallback(self, model):
        """What Model.save would write after training, in each format this Keras writes: the
        model with its optimizer (.keras for Keras 3, .h5 for Keras 2) and its weights alone."""
        path = self.new_dir("model")
        roots = [k.__module__.split(".")[0] for k in type(model).__mro__]
        keras = sys.modules.get("keras") if "keras" in roots else None
        keras3 = str(getattr(keras, "__version__", "")).startswith("3")
        names = ("model.keras", "model.weights.h5") if keras3 else ("model.h5", "ckpt")
        self.errors = []
        for name, save in zip(names, (model.save, model.save_weights)):
            try:
                self.original(save, os.path.join(path, name))
            except Exception as exc:  # noqa: BLE001 - a format this Keras cannot write: the other stays
                self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
        self.note(path, "the model (the script saves it after training)", "")


_STATE = None


def _load(name):
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
    spec = importlib.util.spec_from_file_location("_ckpt_" + name, here)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def install(temp, folder):
    """The finder in place; the wrappers (build_hook_wrappers.py and build_hook_keras.py, beside this
    file) loaded by path."""
    global _STATE
    _STATE = State(temp, folder)
    _STATE.wrappers = _load("build_hook_wrappers")
    _STATE.keras = _load("build_hook_keras")
    sys.meta_path.insert(0, _Finder())
    return _STATE


class _Finder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader the other finders return for the modules we patch."""

    def find_spec(self, name, path, target=None):
        if name.split(".")[0] not in _ROOTS or not _wanted(name):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


class _Loader(importlib.abc.Loader):
    def __init__(self, inner):
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        _patch(module)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _wanted(name):
    """Only the modules that define what we wrap (every other import runs untouched)."""
    return bool(
        re.search(
            r"(^tensorflow_estimator\.python\.estimator\.(estimator|training|run_config|keras_lib)$"
            r"|^tensorflow\.python\.training\.(monitored_session|saver|basic_session_run_hooks)$"
            r"|^tensorflow\.python\.lib\.io\.file_io$|^tensorflow\.python\.ops\.gen_io_ops$"
            r"|^tensorflow\.python\.summary\.writer\.writer$|^tensorflow\.python\.saved_model\.save$"
            r"|^tensorflow\.python\.checkpoint\.(checkpoint|checkpoint_management)$"
            r"|^tensorflow\.python\.training\.tracking\.util$"
            r"|^tensorflow\.python\.ops\.summary_ops_v2$|^tensorflow\.python\.eager\.polymorphic_function\.polymorphic_function$|^h5py\._hl\.files$"
            r"|^(keras|tf_keras)(\.src)?\.(engine\.training|models\.model|trainers\.trainer"
            r"|backend\.\w+\.trainer|callbacks(\.\w+)?|optimizers\.\w+|optimizers\.legacy\.optimizer_v2"
            r"|backend\.\w+\.optimizers?(\.\w+)?)$)",
            name,
        )
    )


def _patch(module):
    _STATE.wrappers.patch_module(module, _STATE)
