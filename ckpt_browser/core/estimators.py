"""Canned Estimator configs -> the variables (names, shapes, dtypes) they create.

Layouts from FORMATS.md ("Canned Estimator layouts"), checked against the iris fixtures
written by TF 2.15's DNNClassifier. A spec is parsed with ``ast``, never evaluated.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ckpt_browser.core.errors import CheckpointError

Shape = tuple[int, ...]

ESTIMATORS = (
    "DNNClassifier",
    "DNNRegressor",
    "LinearClassifier",
    "LinearRegressor",
    "DNNLinearCombinedClassifier",
    "DNNLinearCombinedRegressor",
)
# Keras optimizer v2 (TF 2.x canned Estimators): slot names, and hyper-parameter scalars.
OPTIMIZERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Adagrad": (("accumulator",), ("decay", "learning_rate")),
    "Adam": (("m", "v"), ("beta_1", "beta_2", "decay", "learning_rate")),
    "Ftrl": (
        ("accumulator", "linear"),
        (
            "beta",
            "decay",
            "l1_regularization_strength",
            "l2_regularization_strength",
            "learning_rate",
            "learning_rate_power",
        ),
    ),  # fmt: skip
    "SGD": ((), ("decay", "learning_rate", "momentum")),
    "RMSProp": (("rms",), ("decay", "learning_rate", "momentum", "rho")),
    "Adadelta": (("accum_grad", "accum_var"), ("decay", "learning_rate", "rho")),
    "Adamax": (("m", "v"), ("beta_1", "beta_2", "decay", "learning_rate")),
    "Nadam": (("m", "v"), ("beta_1", "beta_2", "decay", "learning_rate")),
}
_OPT_ALIASES = {k.lower(): k for k in OPTIMIZERS} | {"rmsprop": "RMSProp", "gradientdescent": "SGD"}
# Scalars an optimizer may or may not write (Ftrl sometimes writes iter, FORMATS.md).
OPTIONAL_SCALARS = ("iter",)


@dataclass
class ExpectedVariable:
    name: str
    shape: Shape
    dtype: str = "float32"
    optimizer_scalar: bool = False


@dataclass
class EstimatorConfig:
    kind: str
    hidden_units: list[int] = field(default_factory=list)
    n_classes: int = 2
    label_dimension: int = 1
    dnn_features: dict[str, int] = field(default_factory=dict)  # name -> dimension
    dnn_input_dim: int = 0  # when only a total is known
    linear_features: dict[str, int] = field(default_factory=dict)
    dnn_optimizer: str = "Adagrad"
    linear_optimizer: str = "Ftrl"

    @property
    def logits(self) -> int:
        if self.kind.endswith("Classifier"):
            return self.n_classes if self.n_classes > 2 else 1
        return self.label_dimension

    @property
    def has_dnn(self) -> bool:
        return self.kind.startswith("DNN")

    @property
    def has_linear(self) -> bool:
        return "Linear" in self.kind

    def describe(self) -> str:
        parts = []
        if self.has_dnn:
            d = self.dnn_input_dim or sum(self.dnn_features.values())
            parts.append(f"hidden_units={self.hidden_units} and {d} input features")
        if self.has_linear:
            parts.append(f"linear features {sorted(self.linear_features)}")
        target = (
            f"n_classes={self.n_classes}"
            if self.kind.endswith("Classifier")
            else f"label_dimension={self.label_dimension}"
        )
        return f"{self.kind} with " + ", ".join(parts + [target])


def parse_spec(text: str) -> EstimatorConfig:
    """Parse e.g. ``DNNClassifier(hidden_units=[20, 20], n_classes=3, feature_columns=4)``."""
    if len(text) > 20_000:
        raise CheckpointError(f"an Estimator spec of {len(text):,} characters is too long to be one")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise CheckpointError(f"cannot parse the Estimator spec: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError, UnicodeError):  # nesting, NUL bytes, undecodable bytes
        raise CheckpointError("cannot parse the Estimator spec: it is not a Python call") from None
    call = tree.body
    if not isinstance(call, ast.Call):
        raise CheckpointError("the Estimator spec must look like DNNClassifier(hidden_units=[10, 10], ...)")
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name not in ESTIMATORS:
        raise CheckpointError(f"unknown Estimator {name!r}; known: {', '.join(ESTIMATORS)}")
    if call.args:
        raise CheckpointError("give the Estimator's arguments by name, e.g. hidden_units=[10, 10]")
    args = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise CheckpointError("**arguments are not understood: give each argument by name")
        try:
            args[kw.arg] = ast.literal_eval(kw.value)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            raise CheckpointError(
                f"{kw.arg}: only literal values (numbers, strings, lists, dicts) are understood"
            ) from None
    return _config(name, args)


def _whole(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)  # True is an int to Python, not to a user


def _config(kind: str, args: dict) -> EstimatorConfig:
    cfg = EstimatorConfig(kind)
    known = {"hidden_units", "dnn_hidden_units", "n_classes", "label_dimension", "feature_columns",
             "dnn_feature_columns", "linear_feature_columns", "optimizer", "dnn_optimizer",
             "linear_optimizer", "model_dir", "activation_fn", "dropout", "config", "batch_norm"}  # fmt: skip
    unknown = sorted(set(args) - known)
    if unknown:
        raise CheckpointError(f"{kind}: unknown argument {unknown[0]!r}")
    units = args.get("dnn_hidden_units", args.get("hidden_units"))
    if cfg.has_dnn:
        if not isinstance(units, list) or not units or not all(_whole(u) and 0 < u < 2**40 for u in units):
            raise CheckpointError(f"{kind} needs hidden_units as a list of positive whole numbers, e.g. [10, 10]")
        cfg.hidden_units = units
    cfg.n_classes = _positive(args.get("n_classes", 2), "n_classes")
    cfg.label_dimension = _positive(args.get("label_dimension", 1), "label_dimension")
    if kind.startswith("DNNLinearCombined"):
        dnn_cols = args.get("dnn_feature_columns")
        lin_cols = args.get("linear_feature_columns")
        if dnn_cols is None or lin_cols is None:
            raise CheckpointError(f"{kind} needs dnn_feature_columns and linear_feature_columns")
        cfg.dnn_features, cfg.dnn_input_dim = _features(dnn_cols, "dnn_feature_columns", allow_total=True)
        cfg.linear_features, _ = _features(lin_cols, "linear_feature_columns", allow_total=False)
        cfg.dnn_optimizer = _optimizer(args.get("dnn_optimizer", "Adagrad"))
        cfg.linear_optimizer = _optimizer(args.get("linear_optimizer", "Ftrl"))
    else:
        cols = args.get("feature_columns")
        if cols is None:
            raise CheckpointError(
                f"{kind} needs feature_columns: a total input dimension, a list of names, or {{name: dimension}}"
            )
        if cfg.has_dnn:
            cfg.dnn_features, cfg.dnn_input_dim = _features(cols, "feature_columns", allow_total=True)
            cfg.dnn_optimizer = _optimizer(args.get("optimizer", "Adagrad"))
        else:
            cfg.linear_features, _ = _features(cols, "feature_columns", allow_total=False)
            cfg.linear_optimizer = _optimizer(args.get("optimizer", "Ftrl"))
    return cfg


def _positive(value, what: str) -> int:
    if not _whole(value) or not 0 < value < 2**40:
        shown = repr(value) if len(repr(value)) < 40 else repr(value)[:37] + "..."
        raise CheckpointError(f"{what} must be a positive whole number, not {shown}")
    return value


def _features(value, what: str, allow_total: bool) -> tuple[dict[str, int], int]:
    if isinstance(value, int) and not isinstance(value, bool):
        if not allow_total:
            raise CheckpointError(f"{what}: a linear model needs the feature names (a list or {{name: dimension}})")
        return {}, _positive(value, what)
    if isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
        return dict.fromkeys(value, 1), 0
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(k, str) and _whole(v) and 0 < v < 2**40 for k, v in value.items())
    ):
        return dict(value), 0
    raise CheckpointError(f"{what}: give a total dimension (4), names (['a', 'b']) or {{'a': 1, 'b': 3}}")


def _optimizer(value) -> str:
    name = str(value).split("(")[0].strip().strip("'\"")
    canon = _OPT_ALIASES.get(name.lower())
    if canon is None:
        raise CheckpointError(f"unknown optimizer {value!r}; known: {', '.join(OPTIMIZERS)}")
    return canon


def expected_variables(cfg: EstimatorConfig) -> dict[str, ExpectedVariable]:
    """Every variable the config's Estimator would write: model, optimizer state, global_step."""
    out: dict[str, ExpectedVariable] = {}
    k = cfg.logits

    def add(name: str, shape: Shape, optimizer: str) -> None:
        out[name] = ExpectedVariable(name, shape)
        slots, _ = OPTIMIZERS[optimizer]
        for slot in slots:
            slot_name = f"training/{optimizer}/{name}/{slot}"
            out[slot_name] = ExpectedVariable(slot_name, shape)

    if cfg.has_dnn:
        prev = cfg.dnn_input_dim or sum(cfg.dnn_features.values())
        for i, units in enumerate(cfg.hidden_units):
            add(f"dnn/hiddenlayer_{i}/kernel", (prev, units), cfg.dnn_optimizer)
            add(f"dnn/hiddenlayer_{i}/bias", (units,), cfg.dnn_optimizer)
            prev = units
        add("dnn/logits/kernel", (prev, k), cfg.dnn_optimizer)
        add("dnn/logits/bias", (k,), cfg.dnn_optimizer)
    if cfg.has_linear:
        for feature, dim in cfg.linear_features.items():
            add(f"linear/linear_model/{feature}/weights", (dim, k), cfg.linear_optimizer)
        add("linear/linear_model/bias_weights", (k,), cfg.linear_optimizer)
    optimizers = {cfg.dnn_optimizer} if cfg.has_dnn else set()
    if cfg.has_linear:
        optimizers.add(cfg.linear_optimizer)
    for opt in sorted(optimizers):
        for scalar in OPTIMIZERS[opt][1]:
            name = f"training/{opt}/{scalar}"
            out[name] = ExpectedVariable(name, (), optimizer_scalar=True)
    out["global_step"] = ExpectedVariable("global_step", (), "int64")
    return out
