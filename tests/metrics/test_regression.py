"""Regression metrics and log loss vs scikit-learn on NumPy and Dask."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

import engine.metrics as em
from tests.conftest import ROW_CHUNKINGS
from tests.metrics._helpers import as_dask, assert_close

REGRESSION = [
    "mean_squared_error",
    "root_mean_squared_error",
    "mean_absolute_error",
    "r2_score",
    "explained_variance_score",
]


def _reg(n=257, k=None, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n,) if k is None else (n, k)
    y = rng.normal(3.0, 2.0, shape)
    return y, y + rng.normal(0, 1.0, shape), rng.random(n)


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_1d(name, weighted):
    y, p, w = _reg()
    sw = w if weighted else None
    expected = getattr(skm, name)(y, p, sample_weight=sw)
    assert_close(getattr(em, name)(y, p, sample_weight=sw), expected)
    for n_blocks in ROW_CHUNKINGS:
        got = getattr(em, name)(
            as_dask(y, n_blocks), as_dask(p, n_blocks), sample_weight=as_dask(sw, n_blocks)
        )
        assert_close(got, expected)


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize("multioutput", ["raw_values", "uniform_average", [0.2, 0.8, 1.0]])
def test_regression_multioutput(name, multioutput):
    y, p, w = _reg(k=3, seed=1)
    expected = getattr(skm, name)(y, p, sample_weight=w, multioutput=multioutput)
    got = getattr(em, name)(
        as_dask(y, 3), as_dask(p, 3), sample_weight=as_dask(w, 3), multioutput=multioutput
    )
    assert_close(got, expected)


@pytest.mark.parametrize("name", ["r2_score", "explained_variance_score"])
@pytest.mark.parametrize("force_finite", [True, False])
def test_constant_target_and_variance_weighted(name, force_finite):
    y, p, _ = _reg(k=2, seed=2)
    y[:, 1] = 4.0
    for mo in ("raw_values", "variance_weighted"):
        expected = getattr(skm, name)(y, p, multioutput=mo, force_finite=force_finite)
        got = getattr(em, name)(
            as_dask(y, 7), as_dask(p, 7), multioutput=mo, force_finite=force_finite
        )
        assert_close(got, expected)


def test_r2_single_sample_warns():
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(em.r2_score([1.0], [2.0]))


def test_regression_nan_raises():
    with pytest.raises(ValueError, match="y_pred contains NaN"):
        em.mean_squared_error(as_dask(np.ones(4), 2), as_dask(np.array([1.0, np.nan, 1.0, 1.0]), 2))


@pytest.mark.parametrize("weighted", [False, True])
def test_log_loss_binary_and_multiclass(weighted):
    rng = np.random.default_rng(3)
    t = rng.integers(0, 2, 300)
    prob = np.clip(rng.random(300) * 0.8 + 0.2 * t, 0, 1)
    prob[:3] = [0.0, 1.0, 1.0]  # clipping at eps
    w = rng.random(300) if weighted else None
    expected = skm.log_loss(t, prob, sample_weight=w)
    for n_blocks in ROW_CHUNKINGS:
        assert em.log_loss(
            as_dask(t, n_blocks), as_dask(prob, n_blocks), sample_weight=as_dask(w, n_blocks)
        ) == (pytest.approx(expected, rel=1e-12))
    t3 = rng.integers(0, 3, 300)
    p3 = rng.random((300, 3))
    p3 /= p3.sum(axis=1, keepdims=True)
    expected = skm.log_loss(t3, p3, sample_weight=w, normalize=False)
    got = em.log_loss(as_dask(t3, 7), as_dask(p3, 7), sample_weight=as_dask(w, 7), normalize=False)
    assert got == pytest.approx(expected, rel=1e-12)


def test_log_loss_labels_and_errors():
    rng = np.random.default_rng(4)
    p3 = rng.random((30, 3))
    p3 /= p3.sum(axis=1, keepdims=True)
    t = np.zeros(30, int)  # one label only: needs labels=
    with pytest.raises(ValueError, match="only one label"):
        em.log_loss(t, p3)
    assert em.log_loss(as_dask(t, 3), as_dask(p3, 3), labels=[0, 1, 2]) == pytest.approx(
        skm.log_loss(t, p3, labels=[0, 1, 2]), rel=1e-12
    )
    with pytest.raises(ValueError, match="greater than 1"):
        em.log_loss([0, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match="lower than 0"):
        em.log_loss(as_dask(np.array([0, 1, 1]), 2), as_dask(np.array([0.5, -0.1, 0.3]), 2))
    with pytest.warns(UserWarning, match="do not sum to one"):
        em.log_loss([0, 1, 2], [[0.5, 0.5, 0.5]] * 3)
