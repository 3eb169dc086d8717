"""performance_drift against scikit-learn metrics computed per window."""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from engine.drift import performance_drift
from tests.conftest import ROW_CHUNKINGS

SKLEARN = {
    "accuracy": skm.accuracy_score,
    "precision": skm.precision_score,
    "recall": skm.recall_score,
    "f1": skm.f1_score,
    "mae": skm.mean_absolute_error,
    "mse": skm.mean_squared_error,
    "rmse": skm.root_mean_squared_error,
}


def _classification(n=1500, n_classes=3, n_windows=5, seed=0):
    rng = np.random.default_rng(seed)
    window = rng.integers(0, n_windows, n)
    y_true = rng.integers(0, n_classes, n)
    noise = 0.1 + 0.1 * window  # later windows are worse
    y_pred = np.where(rng.random(n) < noise, rng.integers(0, n_classes, n), y_true)
    return y_true, y_pred, window


def _sklearn_value(metric, y_true, y_pred, **kwargs):
    func = SKLEARN[metric]
    if metric in ("accuracy", "mae", "mse", "rmse"):
        return func(y_true, y_pred)
    return func(y_true, y_pred, zero_division=0.0, **kwargs)


def _expected(metric, y_true, y_pred, window, ref_windows, tolerance=0.05, **kwargs):
    ref = np.isin(window, ref_windows)
    ref_value = _sklearn_value(metric, y_true[ref], y_pred[ref], **kwargs)
    rows = []
    for w in np.unique(window):
        mask = window == w
        value = _sklearn_value(metric, y_true[mask], y_pred[mask], **kwargs)
        drop = value - ref_value if metric in ("mae", "mse", "rmse") else ref_value - value
        rows.append((w, int(mask.sum()), value, drop, drop > tolerance))
    return rows


def _check(out: pd.DataFrame, expected) -> None:
    assert out["window"].tolist() == [e[0] for e in expected]
    assert out["n"].tolist() == [e[1] for e in expected]
    np.testing.assert_allclose(out["value"], [e[2] for e in expected], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out["drop"], [e[3] for e in expected], rtol=1e-9, atol=1e-12)
    assert out["flagged"].tolist() == [e[4] for e in expected]


@pytest.mark.parametrize(
    ("metric", "average", "n_classes"),
    [
        ("accuracy", "binary", 3),
        ("precision", "binary", 2),
        ("recall", "binary", 2),
        ("f1", "binary", 2),
        ("precision", "macro", 3),
        ("recall", "weighted", 3),
        ("f1", "micro", 3),
        ("f1", "macro", 4),
        ("f1", "weighted", 3),
    ],
)
def test_classification_matches_sklearn(metric, average, n_classes):
    y_true, y_pred, window = _classification(n_classes=n_classes)
    kwargs = {} if metric == "accuracy" else {"average": average}
    out = performance_drift(y_true, y_pred, window, metric=metric, average=average)
    _check(out, _expected(metric, y_true, y_pred, window, [0], **kwargs))
    assert out["is_reference"].tolist() == [True, False, False, False, False]
    assert (out["metric"] == metric).all()


@pytest.mark.parametrize("metric", ["mae", "mse", "rmse"])
def test_regression_matches_sklearn(metric):
    rng = np.random.default_rng(1)
    window = rng.choice(["2024-01", "2024-02", "2024-03"], 900)
    y_true = rng.normal(size=900)
    y_pred = y_true + rng.normal(size=900) * np.where(window == "2024-03", 2.0, 1.0)
    out = performance_drift(
        y_true,
        y_pred,
        window,
        metric=metric,
        reference_window=["2024-01", "2024-02"],
        tolerance=0.1,
    )
    _check(out, _expected(metric, y_true, y_pred, window, ["2024-01", "2024-02"], 0.1))
    assert out["is_reference"].tolist() == [True, True, False]
    assert out["flagged"].tolist()[-1]


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
@pytest.mark.parametrize(("metric", "average"), [("f1", "macro"), ("mse", "binary")])
def test_dask_inputs_bit_identical(n_blocks, metric, average):
    y_true, y_pred, window = _classification(seed=2)
    if metric == "mse":
        y_true = y_true + np.random.default_rng(3).normal(size=len(y_true))
    eager = performance_drift(y_true, y_pred, window, metric=metric, average=average)
    size = -(-len(y_true) // n_blocks)
    lazy = performance_drift(
        da.from_array(y_true, chunks=size),
        da.from_array(y_pred, chunks=size),
        window,
        metric=metric,
        average=average,
    )
    frame = dd.from_pandas(
        pd.DataFrame({"t": y_true, "p": y_pred, "w": window}), npartitions=n_blocks
    )
    series = performance_drift(frame["t"], frame["p"], frame["w"], metric=metric, average=average)
    # counts are exact on any chunking; error sums add in a chunking-dependent order
    exact = metric != "mse"
    pd.testing.assert_frame_equal(lazy, eager, check_exact=exact, rtol=1e-12)
    pd.testing.assert_frame_equal(series, lazy, check_exact=exact, rtol=1e-12)


@pytest.mark.cluster
def test_distributed_scheduler_bit_identical(cluster_client):
    y_true, y_pred, window = _classification(seed=4)
    y_true = y_true + np.random.default_rng(5).normal(size=len(y_true))
    args = [da.from_array(a, chunks=250) for a in (y_true, y_pred, window)]
    local = performance_drift(*args, metric="mae")
    with dask.config.set(scheduler=cluster_client):
        remote = performance_drift(*args, metric="mae")
    pd.testing.assert_frame_equal(remote, local, check_exact=True)


def test_empty_windows_and_categories():
    y_true, y_pred, window = _classification(n_windows=3, seed=6)
    with pytest.warns(UserWarning, match=r"windows \[7\] have no rows"):
        out = performance_drift(y_true, y_pred, window, windows=[0, 1, 7, 2])
    assert out["window"].tolist() == [0, 1, 7, 2]
    assert out.loc[2, "n"] == 0 and np.isnan(out.loc[2, "value"]) and not out.loc[2, "flagged"]
    cat = pd.Series(pd.Categorical(window, categories=[2, 1, 0, 3]))
    with pytest.warns(UserWarning, match=r"windows \[3\] have no rows"):
        by_cat = performance_drift(pd.Series(y_true), pd.Series(y_pred), cat)
    assert by_cat["window"].tolist() == [2, 1, 0, 3]
    assert by_cat["is_reference"].tolist() == [True, False, False, False]
    with pytest.raises(ValueError, match=r"reference window\(s\) \[3\] have no rows"):
        performance_drift(pd.Series(y_true), pd.Series(y_pred), cat, reference_window=3)


def test_undefined_precision_warns_and_is_zero():
    y_true = np.array([1, 0, 0, 0])
    y_pred = np.array([1, 0, 0, 0])
    window = np.array([0, 0, 1, 1])
    with pytest.warns(UndefinedMetricWarning, match="window 1"):
        out = performance_drift(y_true, y_pred, window, metric="precision")
    assert out["value"].tolist() == [1.0, 0.0]
    assert out["flagged"].tolist() == [False, True]


def test_bad_input():
    y = np.array([0, 1, 1, 0])
    w = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        performance_drift(y, y[:3], w)
    with pytest.raises(ValueError, match="y_true is empty"):
        performance_drift(y[:0], y[:0], w[:0])
    with pytest.raises(ValueError, match="'metric' parameter"):
        performance_drift(y, y, w, metric="auc")
    with pytest.raises(ValueError, match="reference_window 5 is not a window"):
        performance_drift(y, y, w, reference_window=5)
    with pytest.raises(ValueError, match="y_pred contains 1 missing"):
        performance_drift(y, np.array([0, 1, np.nan, 0]), w)
    with pytest.raises(ValueError, match="time_or_batch contains 1 missing"):
        performance_drift(y, y, np.array([0, None, 1, 1], dtype=object))
    with pytest.raises(ValueError, match="Target is multiclass"):
        performance_drift(np.array([0, 1, 2, 0]), y, w, metric="f1")
    with pytest.raises(ValueError, match="'tolerance' parameter"):
        performance_drift(y, y, w, tolerance=-0.1)
    with pytest.raises(ValueError, match="different numbers of row blocks"):
        performance_drift(
            dd.from_pandas(pd.Series(y), npartitions=2),
            dd.from_pandas(pd.Series(y), npartitions=1),
            dd.from_pandas(pd.Series(w), npartitions=2),
        )
    with pytest.raises(ValueError, match="in memory while the other inputs"):
        performance_drift(dd.from_pandas(pd.Series(y), npartitions=2), y, w)


def test_differently_chunked_dask_arrays_are_aligned():
    """Dask arrays of known chunks are rechunked alike (no pass), as every reduction does."""
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    p = np.array([0, 1, 0, 0, 1, 1, 0, 1])
    w = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    expected = performance_drift(y, p, w)
    lazy = performance_drift(da.from_array(y, chunks=2), da.from_array(p, chunks=4), w)
    pd.testing.assert_frame_equal(lazy, expected)
