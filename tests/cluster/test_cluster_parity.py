"""Parity on a real cluster: bit-identical to the synchronous and threaded schedulers.

Every computation runs on the synchronous scheduler, the threaded scheduler
and the session's real ``dask scheduler`` + 2 ``dask worker`` processes, for
each chunking in ``ROW_CHUNKINGS``: the three results must have the same bits
for the same chunking, and agree within 1e-12 (relative to each array's
magnitude) across chunkings. The engine is imported normally: a broken import
fails these tests, it never skips them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from cluster_helpers import ROW_CHUNKINGS
from cluster_parity import check_parity, chunked
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

import engine.fairness as ef
import engine.metrics as em
import engine.preprocessing as ep
from engine.data import as_table
from engine.drift import drift_report
from engine.model_selection import GridSearchCV
from engine.stats import profile, quantile
from engine.stats.internal import column_moments

pytestmark = pytest.mark.cluster

N_ROWS = 210


def _features(seed: int = 0, n_rows: int = N_ROWS, n_columns: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=[3.0, -1.0, 0.0, 100.0], scale=[2.0, 0.5, 1.0, 30.0], size=(n_rows, 4))
    X = X[:, :n_columns]
    X[rng.random(X.shape) < 0.05] = np.nan
    X[:3, 0] = [40.0, -35.0, 50.0]  # outliers for OutlierHandler / RobustScaler
    return X


def _categories(seed: int = 1, n_rows: int = N_ROWS) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4, size=(n_rows, 3)).astype(np.float64)


def _labels(seed: int = 2, n_rows: int = N_ROWS):
    """Binary y_true, y_pred (about 80 % right), a score in (0, 1) and a group label."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, n_rows)
    y_pred = np.where(rng.random(n_rows) < 0.8, y_true, 1 - y_true)
    score = np.clip(0.6 * y_true + 0.4 * rng.random(n_rows), 1e-3, 1 - 1e-3)
    group = rng.integers(0, 3, n_rows)
    return y_true, y_pred, score, group


# --------------------------------------------------------------------------- stats


def test_column_moments(cluster_client):
    X = _features()
    by_chunking = check_parity(cluster_client, lambda n: column_moments(as_table(chunked(X, n))))
    moments = by_chunking[1]
    np.testing.assert_allclose(moments[2], np.nanmean(X, axis=0), rtol=1e-12)


def test_quantile(cluster_client):
    X = _features()
    q = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
    by_chunking = check_parity(cluster_client, lambda n: quantile(chunked(X, n), q), rtol=0.0)
    np.testing.assert_array_equal(by_chunking[1], np.nanquantile(X, q, axis=0), strict=True)


def test_profile(cluster_client):
    X = _features()
    check_parity(cluster_client, lambda n: profile(chunked(X, n)))


# --------------------------------------------------------------------------- preprocessing

TRANSFORMERS = [
    ("SimpleImputer", {"strategy": "mean"}, "features"),
    ("SimpleImputer", {"strategy": "median"}, "features"),
    ("SimpleImputer", {"strategy": "most_frequent"}, "categories"),
    ("SimpleImputer", {"strategy": "constant", "fill_value": -1.0}, "features"),
    ("MissingDropper", {}, "features"),
    ("OutlierHandler", {"method": "iqr", "action": "clip"}, "features"),
    ("OutlierHandler", {"method": "zscore", "action": "flag"}, "features"),
    ("StandardScaler", {}, "features"),
    ("MinMaxScaler", {}, "features"),
    ("RobustScaler", {}, "features"),
    ("MaxAbsScaler", {}, "features"),
    ("PolynomialFeatures", {"degree": 2}, "complete"),
    ("OneHotEncoder", {"sparse_output": False}, "categories"),
    ("OrdinalEncoder", {}, "categories"),
]

SAMPLERS = ["RandomOverSampler", "RandomUnderSampler"]


def _transformer_data(kind: str) -> np.ndarray:
    if kind == "categories":
        return _categories()
    if kind == "complete":
        return np.nan_to_num(_features(n_columns=3), nan=0.5)
    return _features()


@pytest.mark.parametrize(
    ("name", "params", "data"),
    TRANSFORMERS,
    ids=[f"{n}-{'-'.join(map(str, p.values())) or 'default'}" for n, p, _ in TRANSFORMERS],
)
def test_transformer_fit_and_transform(cluster_client, name, params, data):
    cls = getattr(ep, name)
    X = _transformer_data(data)

    def fit_transform(n_blocks):
        Xd = chunked(X, n_blocks)
        est = cls(**params).fit(Xd)  # fit computes on the active scheduler
        return est, est.transform(Xd)  # lazy; computed by the harness

    check_parity(cluster_client, fit_transform)


@pytest.mark.parametrize("name", SAMPLERS)
def test_sampler(cluster_client, name):
    cls = getattr(ep, name)
    X = _features()
    y = _labels()[0]
    y[: N_ROWS // 3] = 1  # imbalanced

    def resample(n_blocks):
        return cls(random_state=0).fit_resample(chunked(X, n_blocks), chunked(y, n_blocks))

    # Randomness is spread per block, so only the same chunking must agree (bitwise).
    for n_blocks in ROW_CHUNKINGS:
        check_parity_same_chunking(cluster_client, lambda n=n_blocks: resample(n))


def check_parity_same_chunking(client, compute):
    from cluster_parity import SCHEDULERS, assert_bitwise_equal, run_on

    results = {s: run_on(s, client, compute) for s in SCHEDULERS}
    for s in SCHEDULERS[1:]:
        assert_bitwise_equal(results["sync"], results[s], what=f"[{s}] ")


# --------------------------------------------------------------------------- metrics

CLASSIFICATION = {
    "accuracy_score": "pred",
    "precision_score": "pred",
    "recall_score": "pred",
    "f1_score": "pred",
    "confusion_matrix": "pred",
    "roc_auc_score": "score",
    "log_loss": "score",
}
REGRESSION = ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "r2_score"]


@pytest.mark.parametrize("name", sorted(CLASSIFICATION))
def test_classification_metric(cluster_client, name):
    metric = getattr(em, name)
    y_true, y_pred, score, _ = _labels()
    second = y_pred if CLASSIFICATION[name] == "pred" else score
    check_parity(cluster_client, lambda n: metric(chunked(y_true, n), chunked(second, n)))


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_metric(cluster_client, name):
    metric = getattr(em, name)
    X = _features(n_columns=2)
    y, y_hat = np.nan_to_num(X[:, 0], nan=1.0), np.nan_to_num(X[:, 1], nan=-1.0) + 3.0
    check_parity(cluster_client, lambda n: metric(chunked(y, n), chunked(y_hat, n)))


# --------------------------------------------------------------------------- fairness

FAIRNESS = [
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equal_opportunity_difference",
]


@pytest.mark.parametrize("name", FAIRNESS)
def test_fairness_metric(cluster_client, name):
    metric = getattr(ef, name)
    y_true, y_pred, _, group = _labels()
    check_parity(
        cluster_client,
        lambda n: metric(
            chunked(y_true, n), chunked(y_pred, n), sensitive_features=chunked(group, n)
        ),
    )


def test_metric_frame(cluster_client):
    y_true, y_pred, _, group = _labels()

    def frame(n):
        mf = ef.MetricFrame(
            metrics={"accuracy": em.accuracy_score, "recall": em.recall_score},
            y_true=chunked(y_true, n),
            y_pred=chunked(y_pred, n),
            sensitive_features=chunked(group, n),
        )
        return {"overall": mf.overall, "by_group": mf.by_group, "difference": mf.difference()}

    check_parity(cluster_client, frame)


# --------------------------------------------------------------------------- drift


def _drift_result(report):
    if hasattr(report, "to_frame"):
        return report.to_frame()
    if dataclasses.is_dataclass(report):
        return dataclasses.asdict(report)
    return report


def test_drift_report(cluster_client):
    reference = _features(seed=3)
    current = _features(seed=4)
    current[:, 1] += 0.8  # one drifted column

    check_parity(
        cluster_client,
        lambda n: _drift_result(drift_report(chunked(reference, n), chunked(current, n))),
    )


# --------------------------------------------------------------------------- search


def test_grid_search(cluster_client):
    X = np.nan_to_num(_features(), nan=0.0)
    rng = np.random.default_rng(9)
    y = X @ np.array([0.5, -2.0, 1.0, 0.01]) + rng.normal(scale=0.3, size=N_ROWS)
    grid = {"ridge__alpha": [0.1, 1.0, 10.0]}

    def search(n_blocks):
        gs = GridSearchCV(make_pipeline(ep.StandardScaler(), Ridge()), grid, cv=3)
        gs.fit(chunked(X, n_blocks), chunked(y, n_blocks))
        return {
            "cv_results": gs.cv_results_,
            "best_params": gs.best_params_,
            "best_score": gs.best_score_,
            "coef": gs.best_estimator_[-1].coef_,
        }

    # The folds follow the rows, not the blocks, so results agree across chunkings too.
    check_parity(cluster_client, search)
