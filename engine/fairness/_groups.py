"""Sensitive features and per-group evaluation from grouped confusion counts.

One grouped pass (``engine.stats`` keyed counts over ``(feature_1, ...,
feature_k, y_true, y_pred)``, with weight sums) gives, for every group, the
exact number of rows of each (true, predicted) label pair. A metric that is a
function of those counts is evaluated per group on the group's weighted
summary rows (one row per observed pair, weighted by its count), which equals
the metric on the group's rows. Nothing but the small count table reaches
the client.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.stats.internal import KeyedCounts, encode_column

_FAIRLEARN_COUNT_METRICS = {
    "selection_rate",
    "true_positive_rate",
    "true_negative_rate",
    "false_positive_rate",
    "false_negative_rate",
    "mean_prediction",
    "count",
}
_SKLEARN_COUNT_METRICS = {
    "accuracy_score",
    "balanced_accuracy_score",
    "precision_score",
    "recall_score",
    "f1_score",
    "fbeta_score",
    "jaccard_score",
    "zero_one_loss",
    "matthews_corrcoef",
}


def count_kind(func: Callable) -> str | None:
    """``"count"`` (row count), ``"counts"`` (function of confusion counts) or None."""
    base = func
    while isinstance(base, functools.partial):
        base = base.func
    module = getattr(base, "__module__", "") or ""
    name = getattr(base, "__name__", "")
    if (
        module.startswith(("fairlearn.metrics", "engine.fairness"))
        and name in _FAIRLEARN_COUNT_METRICS
    ):
        return "count" if name == "count" else "counts"
    if module.startswith(("sklearn.metrics", "engine.metrics")) and name in _SKLEARN_COUNT_METRICS:
        return "counts"
    return None


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise ValueError(f"Series name must be a string. Value '{name}' was of type {type(name)}")
    return name


def sensitive_columns(features: Any, base: str = "sensitive_feature_") -> list[tuple[str, Any]]:
    """Split sensitive (or control) features into named 1-D columns, named as fairlearn names them."""
    if features is None:
        raise ValueError("sensitive_features is required")
    if isinstance(features, pd.Series | dd.Series):
        name = features.name
        return [(f"{base}0" if name is None else _check_name(name), features)]
    if isinstance(features, pd.DataFrame | dd.DataFrame):
        out = []
        for i, col in enumerate(features.columns):
            if not isinstance(col, str):
                raise ValueError(
                    f"DataFrame column names must be strings. Name '{col}' is of type {type(col)}"
                )
            out.append((col, features.iloc[:, i]))
        return out
    if isinstance(features, dict):
        return [(_check_name(k), v) for k, v in features.items()]
    if isinstance(features, da.Array):
        if features.ndim == 1:
            return [(f"{base}0", features)]
        if features.ndim == 2:
            return [(f"{base}{i}", features[:, i]) for i in range(features.shape[1])]
        raise ValueError("Feature array has too many dimensions")
    if isinstance(features, list) and not all(pd.api.types.is_scalar(f) for f in features):
        features = np.asarray(features, dtype=object)
    arr = np.atleast_1d(np.squeeze(np.asarray(features, dtype=object)))
    if arr.ndim == 1:
        return [(f"{base}0", _tighten(arr))]
    if arr.ndim == 2:
        return [(f"{base}{i}", _tighten(arr[:, i])) for i in range(arr.shape[1])]
    raise ValueError("Feature array has too many dimensions")


def _tighten(arr: np.ndarray) -> np.ndarray:
    """Object arrays of plain numbers become numeric arrays (fast encoding, same groups)."""
    if (
        arr.dtype == object
        and arr.size
        and all(
            isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
            for v in arr[:64]
        )
    ):
        try:
            return np.asarray(arr.tolist())
        except (TypeError, ValueError):
            return arr
    return arr


def group_index(keys: list[np.ndarray], names: list[str]) -> pd.Index:
    """by_group index: the sorted groups (one feature) or their full product (several)."""
    if len(keys) == 1:
        return pd.Index(list(keys[0].tolist()), name=names[0])
    return pd.MultiIndex.from_product([list(k.tolist()) for k in keys], names=names)


def cell_rows(kc: KeyedCounts, cell: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Weighted summary rows ``(y_true, y_pred, weight)`` of one group cell, and its row count."""
    rows = kc.rows[cell]
    weights = kc.weights[cell]
    if rows.ndim > 2:  # overall: sum over the group axes
        axes = tuple(range(rows.ndim - 2))
        rows = rows.sum(axis=axes)
        weights = weights.sum(axis=axes)
    ti, pi = np.nonzero(rows)
    return kc.keys[-2][ti], kc.keys[-1][pi], weights[ti, pi], int(rows.sum())


def evaluate_cell(func: Callable, kind: str, kc: KeyedCounts, cell: tuple, extra: dict) -> Any:
    y_t, y_p, w, n = cell_rows(kc, cell)
    if n == 0:
        return np.nan
    if kind == "count":
        return n
    return func(y_t, y_p, sample_weight=w, **extra)


def row_groups(columns: list[np.ndarray], names: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """Keys of each feature and every row's flat group code (in-memory slicing path)."""
    keys, flat = [], np.zeros(len(columns[0]), np.int64)
    for col, name in zip(columns, names, strict=True):
        uniques, codes = encode_column(np.asarray(col), f"sensitive feature {name!r}")
        keys.append(uniques)
        flat = flat * len(uniques) + codes
    return keys, flat
