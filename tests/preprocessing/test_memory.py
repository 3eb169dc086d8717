"""Memory: fit+transform of NumPy input allocates one output copy at most, input untouched.

The exact quantile selection (RobustScaler, OutlierHandler(iqr), median
imputation) holds small working buffers during fit; the bound allows 10 % of
the input for them (scikit-learn adds about one copy, dask-ml about three).
"""

import tracemalloc

import numpy as np
import pytest

import engine.preprocessing as ep

ESTIMATORS = [
    ep.StandardScaler,
    ep.MinMaxScaler,
    ep.MaxAbsScaler,
    ep.RobustScaler,
    lambda: ep.OutlierHandler(method="zscore"),
    lambda: ep.OutlierHandler(method="iqr"),
    lambda: ep.OutlierHandler(action="nan"),
    ep.SimpleImputer,
    lambda: ep.SimpleImputer(strategy="median"),
]


@pytest.mark.parametrize("make", ESTIMATORS)
def test_fit_transform_allocates_at_most_one_copy_and_keeps_input(make):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300_000, 8))
    X[rng.random(X.shape) < 0.01] = np.nan
    before = X.copy()
    make().fit_transform(X[:1000])  # warm up (compilation, caches)
    tracemalloc.start()
    try:
        out = make().fit_transform(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.shape == X.shape
    assert peak <= 1.10 * X.nbytes, f"peak {peak / X.nbytes:.2f} x the input size"
    np.testing.assert_array_equal(X, before)
