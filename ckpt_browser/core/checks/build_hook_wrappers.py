"""Build mode's child, part three: the wrappers, applied to each module as it is imported
(build_hook_patches.py). Standard library only; TensorFlow and Keras are reached through the
module being patched. Every wrapper calls the original untouched while we call it ourselves
(state.passthrough) or once the script has been stopped."""

import functools
import importlib
import inspect
import os
import weakref

ESTIMATOR_STOPS = ("train", "evaluate")
ESTIMATOR_REFUSED = ("predict", "export_saved_model", "export_savedmodel", "experimental_export_all_saved_models")


def wrap(cls_or_module, name, make):
    orig = getattr(cls_or_module, "__dict__", {}).get(name)
    if orig is None or getattr(orig, "_ckpt_build", False):
        return
    if isinstance(orig, (staticmethod, classmethod)):
        return
    new = make(orig)
    functools.update_wrapper(new, orig)
    new._ckpt_build = True
    setattr(cls_or_module, name, new)


def bind(orig, args, kwargs):
    try:
        return inspect.signature(orig).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return None


def classes(module):
    return [v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__]


def patch_module(module, state):
    name = module.__name__
    if name.startswith("tensorflow_estimator."):
        _estimator(module, state)
    elif name.startswith("tensorflow."):
        _tensorflow(module, state)
    elif name.startswith("h5py."):  # HDF5 opens its files in C: no audit event
        wrap(module.File, "__init__", lambda orig: _h5_open(state, orig))
    else:
        state.keras.patch_keras(module, state)


# -- paths moved into the temporary folder ----------------------------------------------------


def redirect(state, orig, param, kind, keep_name=False, register=None):
    """A constructor / function whose `param` names where it writes: that path moved into temp."""

    def wrapper(*args, **kwargs):
        bound = bind(orig, args, kwargs)
        if state.passthrough or bound is None:
            return orig(*args, **kwargs)
        path = bound.arguments.get(param)
        if path is not None and not state.inside(path):
            new = state.new_dir(kind)
            if keep_name:
                new = os.path.join(new, os.path.basename(os.fspath(path).rstrip("/\\")) or kind)
            bound.arguments[param] = new
        out = orig(*bound.args, **bound.kwargs)
        obj = bound.arguments.get("self")
        if obj is not None:
            try:
                obj._ckpt_build_points_to = "" if path is None else os.fspath(path)
            except (AttributeError, TypeError):
                pass
            if register is not None and state.called_by_script(2):
                register.append(weak(obj))
        return out

    return wrapper


def weak(obj):
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


def _guarded(state, orig, params, what):
    """tf.io.gfile's writes (C++, unseen by the audit hook): refused outside temp, like Python's."""

    def wrapper(*args, **kwargs):
        bound = bind(orig, args, kwargs)
        if bound is not None:
            for p in params:
                path = bound.arguments.get(p)
                if path is None:
                    continue
                if what == "create folder" and os.path.isdir(os.fspath(path)):
                    continue  # nothing written
                if hasattr(path, "numpy"):  # an eager string tensor (tf.io.write_file)
                    try:
                        path = path.numpy()
                    except Exception:  # noqa: BLE001 - a symbolic tensor: its value is unknown here
                        continue
                if not isinstance(path, (str, bytes, os.PathLike)):
                    continue
                if not state.inside(path):
                    state.refuse(what, path)
        return orig(*args, **kwargs)

    return wrapper


# -- Estimators ----------------------------------------------------------------------------------


def _estimator(module, state):
    if module.__name__.endswith(".estimator") and hasattr(module, "Estimator"):
        cls = module.Estimator
        wrap(cls, "__init__", lambda orig: _estimator_init(state, orig))
        train = cls.__dict__.get("train")
        for m in ESTIMATOR_STOPS:
            wrap(cls, m, lambda orig, m=m: _estimator_method(state, orig, m, train))
        for m in ESTIMATOR_REFUSED:
            wrap(cls, m, lambda orig, m=m: _estimator_method(state, orig, m, train))
        state.estimator_train = train
    elif module.__name__.endswith(".training") and hasattr(module, "train_and_evaluate"):
        wrap(module, "train_and_evaluate", lambda orig: _train_and_evaluate(state, orig))
    elif module.__name__.endswith(".keras_lib") and hasattr(module, "model_to_estimator"):
        wrap(module, "model_to_estimator", lambda orig: _model_to_estimator(state, orig))


def _estimator_init(state, orig):
    def __init__(*args, **kwargs):
        bound = bind(orig, args, kwargs)
        if state.passthrough or bound is None:
            return orig(*args, **kwargs)
        config = bound.arguments.get("config")
        points = bound.arguments.get("model_dir") or getattr(config, "model_dir", None) or ""
        new = state.new_dir("estimator")
        bound.arguments["model_dir"] = new
        if config is not None and getattr(config, "model_dir", None):
            bound.arguments["config"] = config.replace(model_dir=new)
        out = orig(*bound.args, **bound.kwargs)
        bound.arguments["self"]._ckpt_build_points_to = points
        return out

    return __init__


def _model_to_estimator(state, orig):
    """model_to_estimator writes the Keras model's first checkpoint into model_dir/keras (the
    Estimator's warm start; building its train function calls apply_gradients in a graph of its
    own, no step) before the Estimator exists: its model_dir moved into temp, the original run
    untouched (the script's train / evaluate call is the stop)."""

    def wrapper(*args, **kwargs):
        bound = bind(orig, args, kwargs)
        if state.passthrough or bound is None:
            return orig(*args, **kwargs)
        config = bound.arguments.get("config")
        points = bound.arguments.get("model_dir") or getattr(config, "model_dir", None) or ""
        new = state.new_dir("estimator")
        bound.arguments["model_dir"] = new
        if config is not None and getattr(config, "model_dir", None):
            bound.arguments["config"] = config.replace(model_dir=new)
        est = state.original(orig, *bound.args, **bound.kwargs)
        try:
            est._ckpt_build_points_to = points
        except AttributeError:
            pass
        return est

    return wrapper


def _estimator_method(state, orig, method, train):
    def wrapper(*args, **kwargs):
        bound = bind(orig, args, kwargs)
        if state.through() or bound is None:
            return orig(*args, **kwargs)
        est = bound.arguments["self"]
        if method in ESTIMATOR_REFUSED:
            where = state.where(method)
            state.stopped = True
            raise state.Stop({
                "status": "refused", "what": f"Estimator.{method}", "stopped_at": where,
                "message": f"{where} is reached before any train or evaluate call: build mode needs one "
                           f"({method} builds the model without its labels and training variables)",
            })  # fmt: skip
        _estimator_stop(state, est, bound.arguments.get("input_fn"), f"Estimator.{method}", method, train)

    return wrapper


def _train_and_evaluate(state, orig):
    def wrapper(*args, **kwargs):
        bound = bind(orig, args, kwargs)
        if state.through() or bound is None:
            return orig(*args, **kwargs)
        est, spec = bound.arguments["estimator"], bound.arguments["train_spec"]
        train = state.estimator_train
        _estimator_stop(state, est, spec.input_fn, "tf.estimator.train_and_evaluate", "train_and_evaluate", train)

    return wrapper


def _stop_hook(state, record, checkpoint_dir=None):
    # TensorFlow is the script's, already imported by now (the monitored session uses it)
    session_run_hook = importlib.import_module("tensorflow.python.training.session_run_hook")

    class StopBeforeFirstStep(session_run_hook.SessionRunHook):
        """By now CheckpointSaverHook.after_create_session has saved model.ckpt-0: no step taken."""

        def before_run(self, run_context):
            if checkpoint_dir and not any(n.endswith(".index") for n in os.listdir(checkpoint_dir)):
                _save_with_the_scaffold_saver(run_context.session, checkpoint_dir)
            raise state.Stop(record)

    return StopBeforeFirstStep()


def _save_with_the_scaffold_saver(session, checkpoint_dir):
    """No CheckpointSaverHook (save_checkpoints_steps and _secs both None): the saver the session's
    scaffold made saves model.ckpt-0 as the hook would have."""
    ops = importlib.import_module("tensorflow.python.framework.ops")
    savers = ops.get_default_graph().get_collection("savers")
    if savers:
        savers[0].save(session, os.path.join(checkpoint_dir, "model.ckpt"), global_step=0)


def _estimator_stop(state, est, input_fn, what, method, train):
    record = {"status": "stopped", "what": what, "stopped_at": state.where(method)}
    state.stopped = True
    cls = type(est).__name__
    writer = f"tf.estimator.{cls[:-2] if cls.endswith('V2') else cls} (model_dir)"  # EstimatorV2: Estimator
    state.note(est.model_dir, writer, getattr(est, "_ckpt_build_points_to", ""))
    state.original(train, est, input_fn, hooks=[_stop_hook(state, record, est.model_dir)])
    raise state.Stop(record)  # train returned without a step (no data): what it wrote is what there is


# -- TensorFlow's writers -----------------------------------------------------------------------


def _tensorflow(module, state):
    name = module.__name__
    if name.endswith("monitored_session") and hasattr(module, "MonitoredTrainingSession"):
        wrap(module, "MonitoredTrainingSession", lambda orig: _monitored(state, orig))
    elif name.endswith("training.saver") and hasattr(module, "Saver"):
        wrap(
            module.Saver,
            "save",
            lambda orig: save_then_stop(state, orig, "save_path", "tf.compat.v1.train.Saver.save", "save"),
        )
    elif name.endswith("basic_session_run_hooks"):
        for cls, param in (("CheckpointSaverHook", "checkpoint_dir"), ("SummarySaverHook", "output_dir"),
                           ("ProfilerHook", "output_dir")):  # fmt: skip
            if hasattr(module, cls):
                wrap(getattr(module, cls), "__init__", lambda orig, p=param: redirect(state, orig, p, "hook"))
    elif name.endswith("summary.writer.writer") and hasattr(module, "FileWriter"):
        wrap(module.FileWriter, "__init__", lambda orig: redirect(state, orig, "logdir", "summaries"))
    elif name.endswith("summary_ops_v2"):
        wrap(module, "create_file_writer_v2", lambda orig: redirect(state, orig, "logdir", "summaries"))
        wrap(module, "create_file_writer", lambda orig: redirect(state, orig, "logdir", "summaries"))
    elif name.endswith("checkpoint_management") and hasattr(module, "CheckpointManager"):
        cls = module.CheckpointManager
        wrap(cls, "__init__", lambda orig: redirect(state, orig, "directory", "manager", register=state.managers))
        wrap(cls, "save", lambda orig: _manager_save(state, orig))
    elif name.endswith((".checkpoint.checkpoint", "tracking.util")):
        for cls_name in ("Checkpoint", "CheckpointV1"):
            cls = getattr(module, cls_name, None)
            if cls is None:
                continue
            wrap(cls, "__init__", lambda orig: _checkpoint_init(state, orig))
            for m in ("save", "write"):
                wrap(
                    cls, m, lambda orig, m=m: save_then_stop(state, orig, "file_prefix", f"tf.train.Checkpoint.{m}", m)
                )
    elif name.endswith("polymorphic_function.polymorphic_function") and hasattr(module, "Function"):
        wrap(module.Function, "__call__", lambda orig: _function_call(state, orig))
    elif name.endswith("ops.gen_io_ops"):
        wrap(module, "write_file", lambda orig: _guarded(state, orig, ("filename",), "write"))
    elif name.endswith("saved_model.save") and hasattr(module, "save"):
        wrap(module, "save", lambda orig: save_then_stop(state, orig, "export_dir", "tf.saved_model.save", "save"))
    elif name.endswith("lib.io.file_io"):
        for fn, params, what in (
            ("write_string_to_file", ("filename",), "write"), ("atomic_write_string_to_file", ("filename",), "write"),
            ("recursive_create_dir", ("dirname",), "create folder"),
            ("recursive_create_dir_v2", ("path",), "create folder"),
            ("create_dir", ("dirname",), "create folder"), ("create_dir_v2", ("path",), "create folder"),
            ("delete_file", ("filename",), "delete"), ("delete_file_v2", ("path",), "delete"),
            ("delete_recursively", ("dirname",), "delete"), ("delete_recursively_v2", ("path",), "delete"),
            ("rename", ("oldname", "newname"), "rename"), ("rename_v2", ("src", "dst"), "rename"),
            ("copy", ("newpath",), "write"), ("copy_v2", ("dst",), "write"),
        ):  # fmt: skip
            wrap(module, fn, lambda orig, p=params, w=what: _guarded(state, orig, p, w))
        if hasattr(module, "FileIO"):
            wrap(module.FileIO, "__init__", lambda orig: _file_io_init(state, orig))


def _function_call(state, orig):
    """A tf.function whose trace reached apply_gradients (its slots built, nothing applied): it
    runs once, which creates the variables its trace made (a model built by its first call), then
    the stop. No step: every apply_gradients in it was traced as nothing."""

    def __call__(self, *args, **kwargs):
        out = orig(self, *args, **kwargs)
        state.raise_pending()
        return out

    return __call__


def _file_io_init(state, orig):
    def __init__(self, name, mode, *args, **kwargs):
        if any(c in str(mode) for c in "wa+") and not state.inside(name):
            state.refuse("write", name)
        return orig(self, name, mode, *args, **kwargs)

    return __init__


def _h5_open(state, orig):
    def __init__(self, name, mode="r", *args, **kwargs):
        if mode not in ("r",) and isinstance(name, (str, bytes, os.PathLike)) and not state.inside(name):
            state.refuse("write", name)
        return orig(self, name, mode, *args, **kwargs)

    return __init__


def _monitored(state, orig):
    def wrapper(*args, **kwargs):
        bound = bind(orig, args, kwargs)
        if state.through() or bound is None:
            return orig(*args, **kwargs)
        points = bound.arguments.get("checkpoint_dir") or ""
        new = state.new_dir("session")
        bound.arguments["checkpoint_dir"] = new
        if bound.arguments.get("summary_dir"):
            bound.arguments["summary_dir"] = new
        record = {
            "status": "stopped",
            "what": "MonitoredTrainingSession",
            "stopped_at": state.where("MonitoredTrainingSession"),
        }
        bound.arguments["hooks"] = list(bound.arguments.get("hooks") or []) + [_stop_hook(state, record)]
        state.note(new, "MonitoredTrainingSession (checkpoint_dir)", points)
        return orig(*bound.args, **bound.kwargs)

    return wrapper


def _checkpoint_init(state, orig):
    def __init__(self, *args, **kwargs):
        out = orig(self, *args, **kwargs)
        if state.called_by_script(2) and not state.passthrough:
            f = state.caller(1)
            state.checkpoints.append((weak(self), f"{os.path.basename(f.f_code.co_filename)}:{f.f_lineno}"))
        return out

    return __init__


def save_then_stop(state, orig, param, what, method):
    """A save reached by the script: the original, into the temporary folder; then stop."""

    def wrapper(*args, **kwargs):
        bound = bind(orig, args, kwargs)
        if state.through() or bound is None:
            return orig(*args, **kwargs)
        path = bound.arguments.get(param)
        if path is None or state.inside(path):
            return orig(*args, **kwargs)  # a writer we already moved (a hook, a manager)
        where = state.where(method)
        new = state.new_dir(method)
        bound.arguments[param] = os.path.join(new, os.path.basename(os.fspath(path).rstrip("/\\")) or "ckpt")
        state.original(orig, *bound.args, **bound.kwargs)
        state.note(new, what, os.fspath(path))
        obj = bound.arguments.get("self")
        state.stopped = True
        raise state.Stop({"status": "stopped", "what": what, "stopped_at": where, "saved": id(obj)})

    return wrapper


def _manager_save(state, orig):
    def wrapper(self, *args, **kwargs):
        if state.through():
            return orig(self, *args, **kwargs)
        where = state.where("save")
        state.original(orig, self, *args, **kwargs)
        state.note(self.directory, "tf.train.CheckpointManager.save", getattr(self, "_ckpt_build_points_to", ""))
        state.stopped = True
        raise state.Stop({"status": "stopped", "what": "tf.train.CheckpointManager.save", "stopped_at": where,
                          "saved": id(getattr(self, "_checkpoint", None))})  # fmt: skip

    return wrapper
