"""Canned Estimator configs -> the variables (names, shapes, dtypes) they create.

The spec is the constructor call as a training script writes it (core/checks/spec.py reads it, never
evaluating anything). The layouts are those TensorFlow 2.15's canned Estimators wrote into
tests/data/estimator/canned (docs/estimators.md): names, shapes, batch_norm, embedding columns,
each optimizer's slots and scalars.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks import optimizers
from ckpt_browser.core.checks.feature_columns import INPUT_LAYER, Column, numeric_column
from ckpt_browser.core.checks.optimizers import Optimizer
from ckpt_browser.core.checks.spec import read_call

Shape = tuple[int, ...]

ESTIMATORS = (
    "DNNClassifier",
    "DNNRegressor",
    "LinearClassifier",
    "LinearRegressor",
    "DNNLinearCombinedClassifier",
    "DNNLinearCombinedRegressor",
)
OPTIMIZERS = ("Adagrad", "Adam", "Ftrl", "RMSProp", "SGD")  # what canned Estimators take by name
OPTIONAL_SCALARS = ("iter",)  # Ftrl sometimes writes training/Ftrl/iter

_COMMON = {"model_dir", "weight_column", "config", "warm_start_from", "loss_reduction"}
_KNOWN = {
    "DNNClassifier": _COMMON | {"hidden_units", "feature_columns", "n_classes", "label_vocabulary", "optimizer",
                                "activation_fn", "dropout", "batch_norm"},
    "DNNRegressor": _COMMON | {"hidden_units", "feature_columns", "label_dimension", "optimizer", "activation_fn",
                               "dropout", "batch_norm"},
    "LinearClassifier": _COMMON | {"feature_columns", "n_classes", "label_vocabulary", "optimizer", "sparse_combiner"},
    "LinearRegressor": _COMMON | {"feature_columns", "label_dimension", "optimizer", "sparse_combiner"},
    "DNNLinearCombinedClassifier": _COMMON | {"linear_feature_columns", "linear_optimizer", "dnn_feature_columns",
                                              "dnn_optimizer", "dnn_hidden_units", "dnn_activation_fn", "dnn_dropout",
                                              "n_classes", "label_vocabulary", "batch_norm", "linear_sparse_combiner"},
    "DNNLinearCombinedRegressor": _COMMON | {"linear_feature_columns", "linear_optimizer", "dnn_feature_columns",
                                             "dnn_optimizer", "dnn_hidden_units", "dnn_activation_fn", "dnn_dropout",
                                             "label_dimension", "batch_norm", "linear_sparse_combiner"},
}  # fmt: skip


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
    dnn_columns: list[Column] = field(default_factory=list)
    dnn_input_dim: int = 0  # when only a total input width is given
    linear_columns: list[Column] = field(default_factory=list)
    dnn_optimizer: Optimizer = field(default_factory=lambda: optimizers.resolve("Adagrad", "optimizer"))
    linear_optimizer: Optimizer = field(default_factory=lambda: optimizers.resolve("Ftrl", "optimizer"))
    batch_norm: bool = False
    v1: bool = False  # tf.compat.v1.estimator: optimizers by name are tf.compat.v1.train ones
    source: dict[str, str] = field(default_factory=dict)  # the call's arguments as written

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

    @property
    def linear_features(self) -> dict[str, int]:
        return {c.name: c.rows or 0 for c in self.linear_columns}

    @property
    def input_dim(self) -> int:
        return self.dnn_input_dim or sum(c.dense_dim or 0 for c in self.dnn_columns)

    def optimizers(self) -> list[Optimizer]:
        out = [self.dnn_optimizer] if self.has_dnn else []
        if self.has_linear and (self.v1 or self.linear_optimizer not in out):  # v1: each head has its own
            out.append(self.linear_optimizer)
        return out

    def describe(self) -> str:
        parts = []
        if self.has_dnn:
            dim = self.input_dim if isinstance(self.input_dim, int) else "the data's"
            parts.append(f"hidden_units={self.hidden_units} and {dim} input features")
            if self.batch_norm:
                parts.append("batch_norm")
        if self.has_linear:
            parts.append(f"linear features {sorted(self.linear_features)}")
        target = (
            f"n_classes={self.n_classes}"
            if self.kind.endswith("Classifier")
            else f"label_dimension={self.label_dimension}"
        )
        return f"{self.kind} with " + ", ".join(parts + [target])


def parse_spec(text: str) -> EstimatorConfig:
    """The config of ``tf.estimator.DNNClassifier(hidden_units=[20, 20], feature_columns=[...], ...)``,
    with any assignments pasted above it (``cols = [tf.feature_column.numeric_column('x')]``)."""
    call = read_call(text)
    cfg = _config(call.kind, call.args)
    cfg.source = call.source
    return cfg


def _config(kind: str, args: dict, v1: bool = False) -> EstimatorConfig:
    unknown = sorted(set(args) - _KNOWN[kind] - ({"hidden_units"} if kind.startswith("DNNLinear") else set()))
    if unknown:
        raise CheckpointError(f"{kind}: {unknown[0]!r} is not an argument it takes (TensorFlow 2.15)")
    cfg = EstimatorConfig(kind, v1=v1)
    combined = kind.startswith("DNNLinearCombined")
    if cfg.has_dnn:
        units = args.get("dnn_hidden_units", args.get("hidden_units")) if combined else args.get("hidden_units")
        if not isinstance(units, list) or not units or not all(_whole(u) and 0 < u < 2**40 for u in units):
            what = "dnn_hidden_units" if combined else "hidden_units"
            raise CheckpointError(f"{kind} needs {what} as a list of positive whole numbers, e.g. [10, 10]")
        cfg.hidden_units = units
        cfg.batch_norm = bool(args.get("batch_norm", False))
    cfg.n_classes = _positive(args.get("n_classes", 2), "n_classes")
    cfg.label_dimension = _positive(args.get("label_dimension", 1), "label_dimension")
    if combined:
        dnn_cols, lin_cols = args.get("dnn_feature_columns"), args.get("linear_feature_columns")
        if dnn_cols is None or lin_cols is None:
            raise CheckpointError(f"{kind} needs dnn_feature_columns and linear_feature_columns")
        cfg.dnn_columns, cfg.dnn_input_dim = _dnn_columns(dnn_cols, "dnn_feature_columns")
        cfg.linear_columns = _linear_columns(lin_cols, "linear_feature_columns")
        cfg.dnn_optimizer = optimizers.resolve(args.get("dnn_optimizer", "Adagrad"), "dnn_optimizer", v1)
        cfg.linear_optimizer = optimizers.resolve(args.get("linear_optimizer", "Ftrl"), "linear_optimizer", v1)
    else:
        cols = args.get("feature_columns")
        if cols is None:
            raise CheckpointError(f"{kind} needs feature_columns, e.g. [tf.feature_column.numeric_column('x')]")
        if cfg.has_dnn:
            cfg.dnn_columns, cfg.dnn_input_dim = _dnn_columns(cols, "feature_columns")
            cfg.dnn_optimizer = optimizers.resolve(args.get("optimizer", "Adagrad"), "optimizer", v1)
        else:
            cfg.linear_columns = _linear_columns(cols, "feature_columns")
            cfg.linear_optimizer = optimizers.resolve(args.get("optimizer", "Ftrl"), "optimizer", v1)
    return cfg


def _whole(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)  # True is an int to Python, not to a user


def _positive(value, what: str) -> int:
    if not _whole(value) or not 0 < value < 2**40:
        shown = repr(value) if len(repr(value)) < 40 else repr(value)[:37] + "..."
        raise CheckpointError(f"{what} must be a positive whole number, not {shown}")
    return value


def _columns(value, what: str) -> list[Column]:
    """Feature columns as read from the call; plain names and {name: width} are numeric columns."""
    if isinstance(value, dict) and value:
        return [numeric_column(k, shape=_positive(v, f"{what}[{k!r}]")) for k, v in value.items()]
    if isinstance(value, list) and value:
        out = []
        for v in value:
            if isinstance(v, str):
                out.append(numeric_column(v))
            elif isinstance(v, Column):
                out.append(v)
            else:
                raise CheckpointError(f"{what}: expected feature columns, got {v!r:.40}")
        return out
    raise CheckpointError(f"{what}: give a list of feature columns (or names, or {{name: width}})")


def _dnn_columns(value, what: str) -> tuple[list[Column], int]:
    if _whole(value):
        return [], _positive(value, what)
    cols = _columns(value, what)
    for c in cols:
        if c.dense_dim is None:
            raise CheckpointError(
                f"{what}: {c.name} is a categorical column; a DNN takes it wrapped in indicator_column(...) "
                "or embedding_column(...)"
            )
    return cols, 0


def _linear_columns(value, what: str) -> list[Column]:
    if _whole(value):
        raise CheckpointError(f"{what}: a linear model needs the feature names (its columns), not a total width")
    cols = _columns(value, what)
    for c in cols:
        if c.kind == "embedding":
            raise CheckpointError(f"{what}: embedding columns are not understood in a linear model")
    return cols


def vocabulary_variables(cfg: EstimatorConfig) -> set[str]:
    """The model variables whose rows are a vocabulary's words: the only ones a changed vocabulary
    can be warm-started into (tf.estimator.VocabInfo); hash buckets, crosses and buckets cannot."""
    out = set()
    if cfg.has_dnn:
        embedded = [c for c in cfg.dnn_columns if c.vocabulary and c.embedding]
        out |= {f"dnn/{INPUT_LAYER}/{c.name}/embedding_weights" for c in embedded}
    if cfg.has_linear:
        out |= {f"linear/linear_model/{c.name}/weights" for c in cfg.linear_columns if c.vocabulary}
    return out


def expected_variables(cfg: EstimatorConfig) -> dict[str, ExpectedVariable]:
    """Every variable the config's Estimator would write: model, optimizer state, global_step."""
    out: dict[str, ExpectedVariable] = {}
    k = cfg.logits
    # tf.compat.v1.estimator's slot names, as its writers wrote them (tests/data/scripts/optimizers)
    infix = "" if cfg.has_dnn and cfg.has_linear else "t_0/" if cfg.has_dnn else "part_0/"

    def add(name: str, shape: Shape, opt: Optimizer, trainable: bool = True) -> None:
        out[name] = ExpectedVariable(name, shape)
        if trainable:
            for slot in opt.slot_names(name, infix):
                out[slot] = ExpectedVariable(slot, shape)

    if cfg.has_dnn:
        opt = cfg.dnn_optimizer
        for col in cfg.dnn_columns:
            if col.embedding is not None:
                add(f"dnn/{INPUT_LAYER}/{col.name}/embedding_weights", col.embedding, opt)
        prev = cfg.input_dim
        for i, units in enumerate(cfg.hidden_units):
            add(f"dnn/hiddenlayer_{i}/kernel", (prev, units), opt)
            add(f"dnn/hiddenlayer_{i}/bias", (units,), opt)
            if cfg.batch_norm:
                for part in ("beta", "gamma"):
                    add(f"dnn/hiddenlayer_{i}/batchnorm_{i}/{part}", (units,), opt)
                for part in ("moving_mean", "moving_variance"):  # statistics: no optimizer slots
                    add(f"dnn/hiddenlayer_{i}/batchnorm_{i}/{part}", (units,), opt, trainable=False)
            prev = units
        add("dnn/logits/kernel", (prev, k), opt)
        add("dnn/logits/bias", (k,), opt)
    if cfg.has_linear:
        for col in cfg.linear_columns:
            add(f"linear/linear_model/{col.name}/weights", (col.rows or 0, k), cfg.linear_optimizer)
        add("linear/linear_model/bias_weights", (k,), cfg.linear_optimizer)
    v1_with_scalars = 0
    for opt in cfg.optimizers():
        for name in opt.scalar_names():
            if opt.v1:  # Adam's beta powers: under the model's head, numbered when both parts have them
                head = "head/" if cfg.has_dnn and cfg.has_linear else "dnn/head/" if cfg.has_dnn else "linear/head/"
                name = f"{head}{name}" + (f"_{v1_with_scalars}" if v1_with_scalars else "")
            out[name] = ExpectedVariable(name, (), optimizer_scalar=True)
        v1_with_scalars += bool(opt.v1 and opt.scalars)
    out["global_step"] = ExpectedVariable("global_step", (), "int64")
    return out
