"""The inputs of a MetricFrame: its metrics, sample parameters, features and weights."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from engine.fairness import _groups as grp
from engine.stats.internal import compute_all, keyed_counts


def squeeze(y: Any) -> np.ndarray:
    arr = np.asarray(y)
    return arr.reshape(-1) if arr.ndim > 1 and 1 in arr.shape[1:] else arr


def feature_columns(sensitive_features, control_features) -> tuple[list, list]:
    """Named sensitive and control columns; a name used twice raises as fairlearn's."""
    features = grp.sensitive_columns(sensitive_features)
    controls = (
        []
        if control_features is None
        else grp.sensitive_columns(control_features, base="control_feature_")
    )
    seen = set()
    for name, _ in features + controls:
        if name in seen:
            raise ValueError(f"Detected duplicate feature name: '{name}'")
        seen.add(name)
    return features, controls


def grouped_counts(columns: dict, weights: dict) -> dict:
    """Grouped counts of the key ``columns`` for each distinct weight column (one pass)."""
    return dict(
        zip(
            weights, compute_all(*(keyed_counts(columns, w) for w in weights.values())), strict=True
        )
    )


def weight_name(key: int, weight) -> str | None:
    return None if weight is None else f"w{key}"


def named_weights(weights: dict) -> dict:
    return {weight_name(k, w): w for k, w in weights.items() if w is not None}


def metric_functions(metrics, sample_params) -> tuple[dict, dict]:
    """``({name: metric}, {name: {param: array}})`` checked as fairlearn checks them."""
    if sample_params is not None and not isinstance(sample_params, dict):
        raise ValueError("Sample parameters must be a dictionary")
    sample_params = sample_params or {}
    if not isinstance(metrics, dict):
        name = getattr(metrics, "__name__", None)
        if metrics is None:
            raise ValueError("Found 'None' instead of metric function")
        if not callable(metrics):
            raise ValueError("Object passed as metric function not callable")
        if name is None:
            warnings.warn("Supplied 'func' had no __name__ attribute", stacklevel=3)
            name = "metric"
        return {name: metrics}, {name: {k: v for k, v in sample_params.items() if v is not None}}
    if not set(sample_params).issubset(metrics):
        raise ValueError("Keys in 'sample_params' do not match those in 'metric'")
    funcs, params = {}, {}
    for name, func in metrics.items():
        if func is None:
            raise ValueError("Found 'None' instead of metric function")
        if not callable(func):
            raise ValueError("Object passed as metric function not callable")
        p = sample_params.get(name, {})
        if not isinstance(p, dict):
            raise ValueError("Sample parameters must be a dictionary")
        funcs[name] = func
        params[name] = {k: v for k, v in p.items() if v is not None}
    return funcs, params
