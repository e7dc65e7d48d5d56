"""Which variables an optimizer adds beside a canned Estimator's model (docs/estimators.md).

Keras optimizers (what TF 2.x canned Estimators build from a name or an instance) keep their state
under ``training/<name>/``: a slot per trainable variable (``training/Adam/<var>/m``) and scalar
hyper-parameters (``training/Adam/beta_1``); <name> is the class name -- so 'RMSProp' writes
``training/RMSprop/...`` -- or the name= given. tf.compat.v1 optimizers append their slots to the
variable's own name instead (``<var>/Adam``, ``<var>/Adam_1``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ckpt_browser.core.base.errors import CheckpointError


@dataclass(frozen=True)
class Optimizer:
    label: str  # as the user wrote it: Adam, RMSprop, AdamOptimizer
    scope: str  # training/<scope>/ (Keras); the slot suffix base (v1)
    slots: tuple[str, ...]
    scalars: tuple[str, ...]  # Keras: training/<scope>/<scalar>; v1: top-level non-slot variables
    v1: bool = False

    def slot_names(self, variable: str, infix: str = "") -> list[str]:
        """infix: what tf.compat.v1.estimator puts between a variable and its v1 slots ('t_0/' in a
        DNN, 'part_0/' in a linear model, nothing in a combined one: as their writers wrote them)."""
        if self.v1:
            return [f"{variable}/{infix}{s}" for s in self.slots]
        return [f"training/{self.scope}/{variable}/{s}" for s in self.slots]

    def scalar_names(self) -> list[str]:
        return list(self.scalars) if self.v1 else [f"training/{self.scope}/{s}" for s in self.scalars]


# Keras (legacy) optimizer classes: slots, then scalar hyper-parameters, as TF 2.15 writes them.
_KERAS = {
    "Adagrad": (("accumulator",), ("decay", "learning_rate")),
    "Adam": (("m", "v"), ("beta_1", "beta_2", "decay", "learning_rate")),
    "Adamax": (("m", "v"), ("beta_1", "beta_2", "decay", "learning_rate")),
    "Nadam": (("m", "v"), ("beta_1", "beta_2", "decay", "learning_rate", "momentum_cache")),
    "Adadelta": (("accum_grad", "accum_var"), ("decay", "learning_rate", "rho")),
    "Ftrl": (("accumulator", "linear"), ("beta", "decay", "l1_regularization_strength",
                                         "l2_regularization_strength", "learning_rate", "learning_rate_power")),
    "RMSprop": (("rms",), ("decay", "learning_rate", "momentum", "rho")),
    "SGD": ((), ("decay", "learning_rate", "momentum")),
}  # fmt: skip
# The names canned Estimators take as strings (TF 2.15), and the Keras class each one builds.
BY_NAME = {"adagrad": "Adagrad", "adam": "Adam", "ftrl": "Ftrl", "rmsprop": "RMSprop", "sgd": "SGD"}
# tf.compat.v1.train optimizers: the slot suffixes, and non-slot variables.
_V1 = {
    "AdagradOptimizer": (("Adagrad",), ()),
    "AdamOptimizer": (("Adam", "Adam_1"), ("beta1_power", "beta2_power")),
    "FtrlOptimizer": (("Ftrl", "Ftrl_1"), ()),
    "RMSPropOptimizer": (("RMSProp", "RMSProp_1"), ()),
    "MomentumOptimizer": (("Momentum",), ()),
    "GradientDescentOptimizer": ((), ()),
    "AdadeltaOptimizer": (("Adadelta", "Adadelta_1"), ()),
    "ProximalAdagradOptimizer": (("ProximalAdagrad",), ()),
    "ProximalGradientDescentOptimizer": ((), ()),
    "AdagradDAOptimizer": (("AdagradDA", "AdagradDA_1"), ()),
}
# What tf.compat.v1.estimator's canned Estimators build from a name.
BY_NAME_V1 = {"adagrad": "AdagradOptimizer", "adam": "AdamOptimizer", "ftrl": "FtrlOptimizer",
              "rmsprop": "RMSPropOptimizer", "sgd": "GradientDescentOptimizer"}  # fmt: skip
KERAS_NAMES = frozenset(_KERAS)
V1_NAMES = frozenset(_V1)
_V1_DEFAULT_NAMES = {name: name.removesuffix("Optimizer") for name in _V1}


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def keras_optimizer(name: str, kwargs: dict) -> Optimizer | None:
    """tf.keras.optimizers[.legacy].<name>(**kwargs), or None if it is not one."""
    if name not in _KERAS:
        return None
    slots, scalars = _KERAS[name]
    if name == "Adam" and kwargs.get("amsgrad"):
        slots = (*slots, "vhat")
    if name in ("SGD", "RMSprop") and _positive(kwargs.get("momentum", 0.0)):
        slots = (*slots, "momentum")
    if name == "RMSprop" and kwargs.get("centered"):
        slots = (*slots, "mg")
    given = kwargs.get("name")
    scope = given if isinstance(given, str) else name
    return Optimizer(name, scope, slots, scalars)


def v1_optimizer(name: str, kwargs: dict) -> Optimizer | None:
    """tf.compat.v1.train.<name>(**kwargs), or None if it is not one."""
    if name not in _V1:
        return None
    given = kwargs.get("name")
    base = given if isinstance(given, str) else _V1_DEFAULT_NAMES[name]
    slots, scalars = _V1[name]
    if name == "RMSPropOptimizer" and kwargs.get("centered"):
        slots = (*slots, "RMSProp_2")  # rms, momentum, then mg (the writer's order of slot names)
    default = _V1_DEFAULT_NAMES[name]
    slots = tuple(s.replace(default, base, 1) for s in slots)
    return Optimizer(name, base, slots, scalars, v1=True)


def resolve(value, what: str, v1: bool = False) -> Optimizer:
    """An optimizer argument: a name canned Estimators accept, or an instance read from the call.
    v1: the Estimator is tf.compat.v1.estimator's, which builds tf.compat.v1.train optimizers."""
    if isinstance(value, Optimizer):
        return value
    if isinstance(value, str) and v1 and value.strip().lower() in BY_NAME_V1:
        made = v1_optimizer(BY_NAME_V1[value.strip().lower()], {})
        assert made is not None  # BY_NAME_V1 names only v1 optimizers
        return made
    if isinstance(value, str):
        cls = BY_NAME.get(value.strip().lower())
        if cls is None:
            raise CheckpointError(
                f"{what}={value!r:.40}: unknown optimizer; canned Estimators take 'Adagrad', 'Adam', 'Ftrl', 'RMSProp' "
                "or 'SGD' by name, others as instances, e.g. tf.keras.optimizers.legacy.Adamax()"
            )
        made = keras_optimizer(cls, {})
        if made is None:  # BY_NAME holds Keras names only: cannot happen, but say so if it does
            raise CheckpointError(f"{what}={value!r:.40}: not a Keras optimizer")
        return made
    raise CheckpointError(f"{what}: give an optimizer name ('Adam') or an instance (tf.keras.optimizers.legacy.Adam())")
