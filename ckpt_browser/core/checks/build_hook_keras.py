"""Build mode's child, part four: Keras' writers and training loops (Keras 3, Keras 2.15, tf_keras),
wrapped as their modules are imported. Standard library only; loaded by path (build_hook_patches.py).

- fit: a callback put first stops it once the model and its optimizer are built (Keras 3 builds
  both before on_train_begin; Keras 2 builds the optimizer here, else the first batch does).
- train_on_batch, apply_gradients (GradientTape loops): one step, nothing written, then stop.
- Model.save / save_weights reached by the script: written into the temporary folder, then stop.
- ModelCheckpoint, BackupAndRestore, TensorBoard: their paths moved into the temporary folder.
"""

import contextlib
import importlib
import sys

# -- Keras ---------------------------------------------------------------------------------------


def patch_keras(module, state):
    w = state.wrappers
    for cls in w.classes(module):
        d = cls.__dict__
        if "fit" in d and "train_on_batch" in d:
            w.wrap(cls, "fit", lambda orig: _fit(state, orig))
            w.wrap(cls, "train_on_batch", lambda orig: _train_on_batch(state, orig))
        if cls.__name__ == "Model":
            w.wrap(cls, "__init__", lambda orig: _model_init(state, orig))
            for m in ("save", "save_weights"):
                w.wrap(cls, m, lambda orig, m=m: w.save_then_stop(state, orig, "filepath", f"Model.{m}", m))
        if "apply_gradients" in d and "ptimizer" in cls.__name__:
            w.wrap(cls, "apply_gradients", lambda orig: _apply_gradients(state, orig))
        if cls.__name__ == "ModelCheckpoint":
            w.wrap(
                cls,
                "__init__",
                lambda orig: w.redirect(state, orig, "filepath", "callback", True, state.model_checkpoints),
            )
        elif cls.__name__ in ("BackupAndRestore", "BackupAndRestoreExperimental"):
            w.wrap(cls, "__init__", lambda orig: w.redirect(state, orig, "backup_dir", "callback"))
        elif cls.__name__ == "TensorBoard":
            w.wrap(cls, "__init__", lambda orig: w.redirect(state, orig, "log_dir", "callback"))


def _callback_base(model):
    for klass in type(model).__mro__:
        root = klass.__module__.split(".")[0]
        if root in ("keras", "tf_keras"):
            return importlib.import_module(root + ".callbacks").Callback
    raise RuntimeError("not a Keras model")


def build_slots(opt, var_list):
    """The optimizer's slots for these variables, as its first apply_gradients makes them: in its
    name scope (Keras 2 names slots by it: Adam/dense/kernel/m), eagerly (init_scope) also when
    called while a tf.function is traced (a trace we stop would take them with it)."""

    tf = sys.modules.get("tensorflow")
    with contextlib.ExitStack() as stack:
        keras3 = _keras3(opt)
        if keras3 is not None:
            stack.enter_context(keras3.name_scope(opt.name, caller=opt))
        elif tf is not None:
            stack.enter_context(tf.name_scope(getattr(opt, "_name", None) or getattr(opt, "name", "optimizer")))
        if tf is not None:
            stack.enter_context(tf.init_scope())
        if hasattr(opt, "_create_all_weights"):  # Keras 2's legacy OptimizerV2
            opt._create_all_weights(var_list)
        elif hasattr(opt, "build") and not getattr(opt, "built", getattr(opt, "_built", False)):
            opt.build(var_list)


def _keras3(opt):
    """Keras 3's backend (its name_scope), when this optimizer is Keras 3's."""

    if not type(opt).__module__.startswith("keras."):
        return None
    keras = sys.modules.get("keras")
    if not str(getattr(keras, "__version__", "")).startswith("3"):
        return None
    return importlib.import_module("keras.src.backend")


def _build_optimizer(model):
    opt = getattr(model, "optimizer", None)
    if opt is None:
        return True
    try:
        build_slots(opt, model.trainable_variables)
    except Exception:  # noqa: BLE001 - then the first step builds them (the stop waits for it)
        return False
    return True


def _fit(state, orig):
    w = state.wrappers

    def fit(self, *args, **kwargs):
        bound = w.bind(orig, (self, *args), kwargs)
        if state.through() or bound is None:
            return orig(self, *args, **kwargs)
        record = {"status": "stopped", "what": "Model.fit", "stopped_at": state.where("fit")}

        class StopBeforeTraining(_callback_base(self)):
            def on_train_begin(self, logs=None):
                if getattr(self.model, "built", False) and _build_optimizer(self.model):
                    raise state.Stop(record, self.model)

            def on_train_batch_end(self, batch, logs=None):  # a model built by its first step
                raise state.Stop(record, self.model)

        bound.arguments["callbacks"] = [StopBeforeTraining(), *(bound.arguments.get("callbacks") or [])]
        state.original(orig, *bound.args, **bound.kwargs)
        state.stopped = True
        raise state.Stop(dict(record, what="Model.fit (no batch)"), self)

    return fit


def _train_on_batch(state, orig):
    def train_on_batch(self, *args, **kwargs):
        if state.through():
            return orig(self, *args, **kwargs)
        where = state.where("train_on_batch")
        state.original(orig, self, *args, **kwargs)  # builds the model and its optimizer; nothing written
        state.stopped = True
        raise state.Stop({"status": "stopped", "what": "Model.train_on_batch", "stopped_at": where}, self)

    return train_on_batch


def _model_init(state, orig):
    """Models the script makes, remembered (weakly): a GradientTape loop that saves only after
    training is stopped at apply_gradients, and its model is then saved as Model.save would."""

    def __init__(self, *args, **kwargs):
        out = orig(self, *args, **kwargs)
        if not state.passthrough and state.caller(1) is not None:
            state.models.append(state.wrappers.weak(self))
        return out

    return __init__


def _model_of(state, variables):
    """The model the script made whose trainable variables are most of these (None if none is)."""
    ids = {id(v) for v in variables}
    best, most = None, 0
    for ref in state.models:
        model = ref()
        try:
            shared = len(ids & {id(v) for v in model.trainable_variables}) if model is not None else 0
        except Exception:  # noqa: BLE001 - a model not built: not this one
            shared = 0
        if shared > most:
            best, most = model, shared
    return best


def _apply_gradients(state, orig):
    """Nothing applied: the slots built for these variables as the first step would; the stop is
    raised when the script is ours again (state.raise_pending), so that every optimizer of the
    step (a GAN's two) builds its slots and a tf.function's trace completes. The same optimizer's
    next apply stops at once: a loop that never saves still stops."""

    def apply_gradients(self, grads_and_vars, *args, **kwargs):
        if state.through(pending=False):
            return orig(self, grads_and_vars, *args, **kwargs)
        if id(self) in state.pending_optimizers:
            state.pending_optimizers.clear()
            state.stopped = True
            raise state.Stop(*state.pending)
        where = state.where("apply_gradients")
        pairs = list(grads_and_vars)
        model = _model_of(state, [v for _, v in pairs])
        record = {"status": "stopped", "what": "optimizer.apply_gradients", "stopped_at": where}
        try:
            build_slots(self, [v for _, v in pairs])
        except Exception:  # noqa: BLE001 - an optimizer we do not know: its own first step builds them
            state.original(orig, self, pairs, *args, **kwargs)
            state.stopped = True
            raise state.Stop(record, model) from None
        if state.pending is None:
            state.pending = (record, model)
        state.pending_optimizers.add(id(self))
        return getattr(self, "iterations", None)

    return apply_gradients
