"""The estimators under conformance test, each with its reference implementation.

Besides the transformers (with their references), the samplers, the pipeline
and the searches run scikit-learn's own checks in the same suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import sklearn.impute as ski
import sklearn.preprocessing as skp
from sklearn.linear_model import LogisticRegression, SGDClassifier

import engine.model_selection as ems
import engine.preprocessing as ep


@dataclass
class Case:
    id: str
    make: Callable
    reference: Callable
    attributes: tuple = ()
    fit_computes: int = 1
    drops_rows: bool = False
    nan_share: float | tuple = 0.05
    names: Callable | None = field(default=None)

    @property
    def code_path(self) -> bool:
        """True for the cases that take a distinct code path (class, strategy, action, axis)."""
        return self.id in CODE_PATHS

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
    share = np.broadcast_to(np.asarray(case.nan_share, dtype=np.float64), (X.shape[1],))
    X[rng.random(X.shape) < share] = np.nan
    return X


class _Reference:
    """A NumPy re-implementation with scikit-learn's fit/transform surface."""

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def get_feature_names_out(self):
        return np.array([f"x{j}" for j in range(self.n_features_in_)], dtype=object)


class OutlierReference(_Reference):
    def __init__(self, method="iqr", factor=None, action="clip"):
        self.method, self.action = method, action
        self.factor = {"iqr": 1.5, "zscore": 3.0}[method] if factor is None else factor

    def fit(self, X):
        self.n_features_in_ = X.shape[1]
        if self.method == "iqr":
            q1, q3 = np.nanquantile(X, [0.25, 0.75], axis=0)
            self.lower_ = q1 - self.factor * (q3 - q1)
            self.upper_ = q3 + self.factor * (q3 - q1)
        else:
            mean, std = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
            self.lower_, self.upper_ = mean - self.factor * std, mean + self.factor * std
        return self

    def transform(self, X):
        outside = (self.lower_ > X) | (self.upper_ < X)
        if self.action == "clip":
            return np.clip(X, self.lower_, self.upper_)
        if self.action == "nan":
            return np.where(outside, np.nan, X)
        if self.action == "flag":
            return np.hstack([X, outside.astype(np.float64)])
        return X[~outside.any(axis=1)]

    def get_feature_names_out(self):
        names = super().get_feature_names_out()
        if self.action == "flag":
            return np.concatenate([names, [f"{n}_outlier" for n in names]])
        return names


class DropperReference(_Reference):
    def __init__(self, axis="columns", threshold=0.5):
        self.axis, self.threshold = axis, threshold

    def fit(self, X):
        self.n_features_in_ = X.shape[1]
        self.missing_fraction_ = np.isnan(X).mean(axis=0)
        self.support_ = (self.missing_fraction_ <= self.threshold) | (self.axis == "rows")
        return self

    def transform(self, X):
        if self.axis == "rows":
            return X[np.isnan(X).mean(axis=1) <= self.threshold]
        return X[:, self.support_]

    def get_feature_names_out(self):
        return super().get_feature_names_out()[self.support_]


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
    *(
        Case(
            f"SimpleImputer-{s}",
            partial(ep.SimpleImputer, strategy=s),
            partial(ski.SimpleImputer, strategy=s),
            ("statistics_",),
        )
        for s in ("mean", "median", "most_frequent", "constant")
    ),
    Case(
        "SimpleImputer-constant-fill",
        partial(ep.SimpleImputer, strategy="constant", fill_value=-7.5),
        partial(ski.SimpleImputer, strategy="constant", fill_value=-7.5),
        ("statistics_",),
    ),
    Case(
        "MissingDropper-columns",
        partial(ep.MissingDropper, threshold=0.3),
        partial(DropperReference, threshold=0.3),
        ("missing_fraction_", "support_"),
        nan_share=(0.0, 0.1, 0.45, 0.8),
    ),
    Case(
        "MissingDropper-rows",
        partial(ep.MissingDropper, axis="rows", threshold=0.25),
        partial(DropperReference, axis="rows", threshold=0.25),
        ("missing_fraction_",),
        drops_rows=True,
        nan_share=(0.0, 0.1, 0.45, 0.3),
    ),
    *(
        Case(
            f"OutlierHandler-{m}-{a}",
            partial(ep.OutlierHandler, method=m, action=a),
            partial(OutlierReference, method=m, action=a),
            ("lower_", "upper_"),
            drops_rows=a == "drop",
        )
        for m in ("iqr", "zscore")
        for a in ("clip", "nan", "flag", "drop")
    ),
    Case(
        "OutlierHandler-iqr-factor",
        partial(ep.OutlierHandler, factor=0.5),
        partial(OutlierReference, factor=0.5),
        ("lower_", "upper_"),
    ),
    Case(
        "PolynomialFeatures",
        ep.PolynomialFeatures,
        skp.PolynomialFeatures,
        ("powers_", "n_output_features_"),
        fit_computes=0,
        nan_share=0.0,
    ),
    Case(
        "PolynomialFeatures-3-interaction",
        partial(ep.PolynomialFeatures, 3, interaction_only=True, include_bias=False),
        partial(skp.PolynomialFeatures, 3, interaction_only=True, include_bias=False),
        ("powers_",),
        fit_computes=0,
        nan_share=0.0,
    ),
    Case(
        "PolynomialFeatures-2-3",
        partial(ep.PolynomialFeatures, (2, 3)),
        partial(skp.PolynomialFeatures, (2, 3)),
        ("powers_",),
        fit_computes=0,
        nan_share=0.0,
    ),
    Case(
        "OneHotEncoder",
        partial(ep.OneHotEncoder, sparse_output=False),
        partial(skp.OneHotEncoder, sparse_output=False),
    ),
    Case(
        "OneHotEncoder-ignore",
        partial(ep.OneHotEncoder, sparse_output=False, handle_unknown="ignore"),
        partial(skp.OneHotEncoder, sparse_output=False, handle_unknown="ignore"),
    ),
    Case("OrdinalEncoder", ep.OrdinalEncoder, skp.OrdinalEncoder),
]

CODE_PATHS = {
    "StandardScaler",
    "MinMaxScaler",
    "MaxAbsScaler",
    "RobustScaler",
    "SimpleImputer-mean",
    "SimpleImputer-median",
    "SimpleImputer-most_frequent",
    "MissingDropper-columns",
    "MissingDropper-rows",
    "OutlierHandler-iqr-clip",
    "OutlierHandler-zscore-nan",
    "OutlierHandler-iqr-flag",
    "OutlierHandler-zscore-drop",
    "PolynomialFeatures",
    "OneHotEncoder",
    "OrdinalEncoder",
}

DEFAULT_ESTIMATORS = [
    ep.StandardScaler(),
    ep.MinMaxScaler(),
    ep.MaxAbsScaler(),
    ep.RobustScaler(),
    ep.SimpleImputer(),
    ep.MissingDropper(),
    ep.OutlierHandler(),
    ep.PolynomialFeatures(),
    ep.OneHotEncoder(),
    ep.OrdinalEncoder(),
]

SAMPLERS = [ep.RandomOverSampler(random_state=0), ep.RandomUnderSampler(random_state=0)]

# small and quick: two candidates, two folds; Hyperband with blocks that hold validation rows
SEARCHES = [
    ems.GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2),
    ems.RandomizedSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_iter=2, cv=2, random_state=0),
    ems.BayesSearchCV(
        LogisticRegression(), {"C": (0.1, 1.0)}, n_iter=2, batch_size=2, cv=2, random_state=0
    ),
    ems.SuccessiveHalvingSearchCV(
        LogisticRegression(), {"C": [0.1, 1.0]}, cv=2, min_resources=10, random_state=0
    ),
    ems.HyperbandSearchCV(
        SGDClassifier(random_state=0),
        {"alpha": [1e-4, 1e-2]},
        max_iter=3,
        test_size=0.5,
        block_size=5,
        random_state=0,
    ),
]

# scikit-learn checks an engine estimator fails on purpose, with the reason
EXPECTED_FAILED_CHECKS = {
    "HyperbandSearchCV": {
        "check_non_transformer_estimators_n_iter": (
            "max_iter is Hyperband's budget per model (dask-ml's meaning), not an optimizer's "
            "iteration cap, so there is no n_iter_"
        ),
    },
}
