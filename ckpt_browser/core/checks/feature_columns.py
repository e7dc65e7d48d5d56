"""tf.feature_column calls as a training script writes them -> what each column adds to a canned
Estimator's variables (docs/estimators.md; checked against tests/data/estimator/canned).

Only shapes matter here: a DNN's input layer is as wide as the sum of its dense columns, a
linear model has one [rows, logits] weight per column, an embedding column owns one variable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.script_values import Unknown

INPUT_LAYER = "input_from_feature_columns/input_layer"  # under dnn/, where embedding weights live


@dataclass(frozen=True)
class Column:
    name: str  # what TensorFlow names its variables after (key, key_bucketized, a_X_b, ...)
    kind: str  # numeric, bucketized, categorical, crossed, indicator, embedding, weighted
    dense_dim: int | None = None  # width in a DNN input layer; None: not a dense column
    rows: int | None = None  # rows of its linear-model weights; None: not for linear models
    embedding: tuple[int, int] | None = None  # [vocabulary, dimension] of its embedding weights
    categorical: Column | None = None  # what an indicator / embedding column wraps
    vocabulary: bool = False  # its rows are a vocabulary's words (VocabInfo can carry them to a new vocabulary)

    @property
    def categories(self) -> int | None:
        return self.rows if self.kind in ("categorical", "crossed", "bucketized", "weighted") else None


def _count(value, what: str) -> int:
    if isinstance(value, Unknown):  # a size only the data gives: the checkpoint settles it (checks/script_check.py)
        return value  # type: ignore[return-value]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**40:
        raise CheckpointError(f"{what} must be a positive whole number, not {_short(value)}")
    return value


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _key(value, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise CheckpointError(f"{what}: the feature key must be a string, not {_short(value)}")
    return value


def _categorical(value, what: str) -> Column:
    if isinstance(value, Column) and value.categories is not None:
        return value
    raise CheckpointError(f"{what} needs a categorical column (categorical_column_with_..., crossed_column, ...)")


def numeric_column(key, shape=(1,), default_value=None, dtype=None, normalizer_fn=None) -> Column:
    dims = [shape] if isinstance(shape, int) else list(shape) if isinstance(shape, (list, tuple)) else None
    if not dims or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in dims):
        raise CheckpointError(f"numeric_column({key!r}): shape must be a positive number or a list of them")
    n = math.prod(dims)
    return Column(_key(key, "numeric_column"), "numeric", dense_dim=n, rows=n)


def bucketized_column(source_column, boundaries) -> Column:
    if not isinstance(source_column, Column) or source_column.kind != "numeric":
        raise CheckpointError("bucketized_column needs a numeric_column as its source")
    if not isinstance(boundaries, (list, tuple)) or not all(isinstance(b, (int, float)) for b in boundaries):
        raise CheckpointError("bucketized_column: boundaries must be a list of numbers")
    n = (len(boundaries) + 1) * (source_column.dense_dim or 0)
    return Column(f"{source_column.name}_bucketized", "bucketized", dense_dim=n, rows=n)


def categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1, num_oov_buckets=0):
    if isinstance(vocabulary_list, Unknown):  # df[col].unique(): its size is the checkpoint's to tell
        rows: Any = vocabulary_list
        return Column(_key(key, "categorical_column_with_vocabulary_list"), "categorical", rows=rows, vocabulary=True)
    if not isinstance(vocabulary_list, (list, tuple)) or not vocabulary_list:
        raise CheckpointError(f"categorical_column_with_vocabulary_list({key!r}): the vocabulary must be a list")
    oov = num_oov_buckets if isinstance(num_oov_buckets, int) and num_oov_buckets >= 0 else 0
    name = _key(key, "categorical_column_with_vocabulary_list")
    return Column(name, "categorical", rows=len(vocabulary_list) + oov, vocabulary=True)


def categorical_column_with_vocabulary_file(
    key, vocabulary_file=None, vocabulary_size=None, dtype=None, default_value=None, num_oov_buckets=0
):
    if vocabulary_size is None:
        raise CheckpointError(
            f"categorical_column_with_vocabulary_file({key!r}): give vocabulary_size= (the file is not read)"
        )
    oov = num_oov_buckets if isinstance(num_oov_buckets, int) and num_oov_buckets >= 0 else 0
    size = _count(vocabulary_size, "vocabulary_size")
    return Column(_key(key, "categorical_column_with_vocabulary_file"), "categorical", rows=size + oov, vocabulary=True)


def categorical_column_with_identity(key, num_buckets, default_value=None) -> Column:
    return Column(_key(key, "categorical_column_with_identity"), "categorical", rows=_count(num_buckets, "num_buckets"))


def categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=None) -> Column:
    size = _count(hash_bucket_size, "hash_bucket_size")
    return Column(_key(key, "categorical_column_with_hash_bucket"), "categorical", rows=size)


def crossed_column(keys, hash_bucket_size, hash_key=None) -> Column:
    if not isinstance(keys, (list, tuple)) or len(keys) < 2:
        raise CheckpointError("crossed_column needs a list of at least two keys or columns")
    names = []
    for k in keys:
        if isinstance(k, str):
            names.append(k)
        elif isinstance(k, Column) and k.categories is not None:
            names.append(k.name)
        else:
            raise CheckpointError("crossed_column: keys must be feature keys or categorical / bucketized columns")
    size = _count(hash_bucket_size, "hash_bucket_size")
    return Column("_X_".join(sorted(names)), "crossed", rows=size)


def weighted_categorical_column(categorical_column, weight_feature_key, dtype=None) -> Column:
    cat = _categorical(categorical_column, "weighted_categorical_column")
    name = f"{cat.name}_weighted_by_{_key(weight_feature_key, 'weight_feature_key')}"
    return Column(name, "weighted", rows=cat.rows, vocabulary=cat.vocabulary)


def indicator_column(categorical_column) -> Column:
    cat = _categorical(categorical_column, "indicator_column")
    name = f"{cat.name}_indicator"
    return Column(name, "indicator", dense_dim=cat.rows, rows=cat.rows, categorical=cat, vocabulary=cat.vocabulary)


def embedding_column(
    categorical_column, dimension, combiner="mean", initializer=None, ckpt_to_load_from=None,
    tensor_name_in_ckpt=None, max_norm=None, trainable=True, use_safe_embedding_lookup=True,
):  # fmt: skip
    cat = _categorical(categorical_column, "embedding_column")
    dim = _count(dimension, "embedding_column dimension")
    return Column(
        f"{cat.name}_embedding", "embedding", dense_dim=dim, embedding=(cat.rows, dim), categorical=cat,
        vocabulary=cat.vocabulary,
    )  # fmt: skip


# The calls a pasted spec may make, by the last part of their name (tf.feature_column.X, X).
CALLS = {f.__name__: f for f in (
    numeric_column, bucketized_column, categorical_column_with_vocabulary_list,
    categorical_column_with_vocabulary_file, categorical_column_with_identity,
    categorical_column_with_hash_bucket, crossed_column, weighted_categorical_column,
    indicator_column, embedding_column,
)}  # fmt: skip
