"""The estimators under conformance test, each with its reference implementation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sklearn.preprocessing as skp

import engine.preprocessing as ep


@dataclass
class Case:
    id: str
    make: Callable
    reference: Callable
    attributes: tuple = ()
    fit_computes: int = 1
    drops_rows: bool = False
    nan_share: float = 0.05
    names: Callable | None = field(default=None)

    def feature_names(self, ours, ref):
        if self.names is not None:
            return self.names(ours)
        return ref.get_feature_names_out()


def make_data(case: Case, n_rows: int = 61, seed: int = 0) -> np.ndarray:
    """Small, awkward data: heavy tails, a skewed and an integer-valued column, NaN."""
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.standard_normal(n_rows),
            rng.standard_t(2, n_rows) * 10 + 5,
            rng.lognormal(0, 1, n_rows),
            rng.integers(0, 5, n_rows).astype(np.float64),
        ]
    )
    if case.nan_share:
        X[rng.random(X.shape) < case.nan_share] = np.nan
    return X


CASES = [
    Case(
        "StandardScaler",
        ep.StandardScaler,
        skp.StandardScaler,
        ("mean_", "var_", "scale_", "n_samples_seen_"),
    ),
    Case(
        "StandardScaler-no-mean",
        lambda: ep.StandardScaler(with_mean=False),
        lambda: skp.StandardScaler(with_mean=False),
        ("var_", "scale_"),
    ),
    Case(
        "StandardScaler-no-std",
        lambda: ep.StandardScaler(with_std=False),
        lambda: skp.StandardScaler(with_std=False),
        ("mean_",),
    ),
    Case(
        "MinMaxScaler",
        ep.MinMaxScaler,
        skp.MinMaxScaler,
        ("min_", "scale_", "data_min_", "data_max_", "data_range_"),
    ),
    Case(
        "MinMaxScaler-clip",
        lambda: ep.MinMaxScaler((-2, 3), clip=True),
        lambda: skp.MinMaxScaler((-2, 3), clip=True),
        ("min_", "scale_"),
    ),
    Case("MaxAbsScaler", ep.MaxAbsScaler, skp.MaxAbsScaler, ("max_abs_", "scale_")),
    Case("RobustScaler", ep.RobustScaler, skp.RobustScaler, ("center_", "scale_")),
    Case(
        "RobustScaler-10-90-unit",
        lambda: ep.RobustScaler(quantile_range=(10.0, 90.0), unit_variance=True),
        lambda: skp.RobustScaler(quantile_range=(10.0, 90.0), unit_variance=True),
        ("center_", "scale_"),
    ),
]

DEFAULT_ESTIMATORS = [
    ep.StandardScaler(),
    ep.MinMaxScaler(),
    ep.MaxAbsScaler(),
    ep.RobustScaler(),
]
