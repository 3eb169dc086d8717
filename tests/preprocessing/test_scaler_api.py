"""The scalers' everyday scikit-learn API: inverse_transform, partial_fit, sample_weight, copy, clip.

Each result is compared with scikit-learn's on the same data, on NumPy and on
Dask arrays of several chunkings.
"""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn.preprocessing as skp

import engine.preprocessing as ep
from tests._passes import CountComputes

NAMES = ["StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler"]
CHUNKS = [40, 9, 1]


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(7)
    X = rng.standard_t(3, size=(40, 3)) * [1.0, 1e3, 1e-3] + [0.0, 5e4, -2.0]
    X[[2, 17], 1] = np.nan
    return X


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_inverse_transform_matches_sklearn(name, X):
    reference = getattr(skp, name)().fit(X)
    Xt = reference.transform(X)
    expected = reference.inverse_transform(Xt)
    fitted = getattr(ep, name)().fit(X)
    _close(fitted.inverse_transform(Xt), expected)
    for rows in CHUNKS:
        out = fitted.inverse_transform(da.from_array(Xt, chunks=(rows, -1)))
        assert isinstance(out, da.Array)
        _close(out.compute(), expected)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    back = getattr(ep, name)().fit(frame).inverse_transform(pd.DataFrame(Xt, columns=frame.columns))
    assert list(back.columns) == ["a", "b", "c"]
    _close(back, expected)


@pytest.mark.parametrize("name", NAMES[:3])
def test_partial_fit_in_batches_matches_sklearn(name, X):
    reference = getattr(skp, name)()
    ours = getattr(ep, name)()
    for start, stop in [(0, 13), (13, 14), (14, 40)]:
        reference.partial_fit(X[start:stop])
        ours.partial_fit(da.from_array(X[start:stop], chunks=(5, -1)))
    for attr in ("scale_", "mean_", "var_", "data_min_", "data_max_", "max_abs_", "min_"):
        if hasattr(reference, attr):
            _close(getattr(ours, attr), getattr(reference, attr))
    np.testing.assert_array_equal(ours.n_samples_seen_, reference.n_samples_seen_)
    _close(ours.transform(X), reference.transform(X))


def test_partial_fit_checks_columns_like_sklearn(X):
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    ours = ep.StandardScaler().partial_fit(frame)
    with pytest.raises(ValueError, match="feature names"):
        ours.partial_fit(frame[["b", "a", "c"]])
    with pytest.raises(ValueError, match="3 features"):
        ep.MinMaxScaler().partial_fit(X).partial_fit(X[:, :2])


def test_standard_scaler_sample_weight_matches_sklearn(X):
    weights = np.random.default_rng(3).uniform(0.0, 3.0, X.shape[0])
    reference = skp.StandardScaler().fit(X, sample_weight=weights)
    for data in [X, *(da.from_array(X, chunks=(rows, -1)) for rows in CHUNKS)]:
        ours = ep.StandardScaler().fit(data, sample_weight=weights)
        _close(ours.mean_, reference.mean_)
        np.testing.assert_allclose(ours.var_, reference.var_, rtol=1e-12)
        np.testing.assert_allclose(ours.n_samples_seen_, reference.n_samples_seen_, rtol=1e-13)
        _close(ours.transform(X), reference.transform(X))
    once = ep.StandardScaler().fit_transform(X, sample_weight=weights)  # not dropped
    _close(once, skp.StandardScaler().fit_transform(X, sample_weight=weights))
    with pytest.raises(TypeError, match="sample_weight"):
        ep.MinMaxScaler().fit_transform(X, sample_weight=weights)
    batches = ep.StandardScaler()
    reference = skp.StandardScaler()
    for start, stop in [(0, 25), (25, 40)]:
        batches.partial_fit(X[start:stop], sample_weight=weights[start:stop])
        reference.partial_fit(X[start:stop], sample_weight=weights[start:stop])
    np.testing.assert_allclose(batches.var_, reference.var_, rtol=1e-12)
    with pytest.raises(ValueError, match="sample_weight.shape"):
        ep.StandardScaler().fit(X, sample_weight=weights[:-1])


def test_maxabs_clip_and_copy_parameters_as_sklearn(X):
    train, test = X[:20], X[20:] * 3
    expected = skp.MaxAbsScaler(clip=True).fit(train).transform(test)
    _close(ep.MaxAbsScaler(clip=True).fit(train).transform(test), expected)
    for name in NAMES:
        before = X.copy()
        out = getattr(ep, name)(copy=False).fit_transform(X)
        _close(out, getattr(skp, name)().fit_transform(before))
        np.testing.assert_array_equal(X, before)  # the engine never writes into its input
    with pytest.raises(ValueError, match="'copy' parameter"):
        ep.MaxAbsScaler(copy="yes").fit(X)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_keeps_sparsity_and_matches_sklearn(fmt):
    X = sp.random(60, 5, density=0.3, random_state=1, format=fmt) * 10.0
    X.data[3] = np.nan
    weights = np.random.default_rng(4).uniform(0.0, 2.0, 60)
    for name, params, fit_params in [
        ("StandardScaler", {"with_mean": False}, {}),
        ("StandardScaler", {"with_mean": False}, {"sample_weight": weights}),
        ("MaxAbsScaler", {"clip": True}, {}),
    ]:
        reference = getattr(skp, name)(**params).fit(X, **fit_params)
        ours = getattr(ep, name)(**params).fit(X, **fit_params)
        _close(ours.scale_, reference.scale_)
        out = ours.transform(X[:30] * 2.0)
        assert sp.issparse(out) and out.format == fmt
        expected = reference.transform(X[:30] * 2.0)
        np.testing.assert_allclose(out.toarray(), expected.toarray(), rtol=1e-12, equal_nan=True)
        back = ours.inverse_transform(out).toarray()
        expected = reference.inverse_transform(expected).toarray()
        np.testing.assert_allclose(back, expected, rtol=1e-12, equal_nan=True)
    halves = ep.MaxAbsScaler().partial_fit(X[:25]).partial_fit(X[25:])
    _close(halves.max_abs_, skp.MaxAbsScaler().fit(X).max_abs_)
    with pytest.raises(ValueError, match="Cannot center sparse matrices"):
        ep.StandardScaler().fit(X)
    with pytest.raises(TypeError, match="MinMaxScaler does not support sparse input"):
        ep.MinMaxScaler().fit(X)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("rows_per_block", CHUNKS[:2] + [7])
def test_dask_array_of_sparse_blocks_matches_sklearn_on_the_concatenated_matrix(
    fmt, rows_per_block
):
    X = sp.random(40, 5, density=0.3, random_state=2, format=fmt) * 10.0
    X.data[[1, 8]] = np.nan
    weights = np.random.default_rng(5).uniform(0.0, 2.0, 40)
    lazy = da.from_array(X, chunks=(rows_per_block, 5), asarray=False)
    lazy_weights = da.from_array(weights, chunks=rows_per_block)
    for name, params, ours_fit, ref_fit in [
        ("StandardScaler", {"with_mean": False}, {}, {}),
        (
            "StandardScaler",
            {"with_mean": False},
            {"sample_weight": lazy_weights},
            {"sample_weight": weights},
        ),
        ("MaxAbsScaler", {}, {}, {}),
    ]:
        reference = getattr(skp, name)(**params).fit(X, **ref_fit)
        with CountComputes() as computes:
            ours = getattr(ep, name)(**params).fit(lazy, **ours_fit)
        assert computes.n == 1
        for attribute in ("scale_", "var_", "mean_", "max_abs_", "n_samples_seen_"):
            if getattr(reference, attribute, None) is not None:
                _close(getattr(ours, attribute), getattr(reference, attribute))
        out = ours.transform(lazy * 2.0)
        assert isinstance(out, da.Array) and out.chunks == lazy.chunks
        blocks = out.to_delayed().ravel().tolist()
        assert all(sp.issparse(b) and b.format == fmt for b in dask.compute(*blocks))
        expected = reference.transform(X * 2.0)
        got = sp.vstack(dask.compute(*blocks)).toarray()
        np.testing.assert_allclose(got, expected.toarray(), rtol=1e-12, equal_nan=True)
        back = sp.vstack(dask.compute(*ours.inverse_transform(out).to_delayed().ravel()))
        expected = reference.inverse_transform(expected).toarray()
        np.testing.assert_allclose(back.toarray(), expected, rtol=1e-12, equal_nan=True)


def test_dask_array_of_sparse_blocks_rules_as_sklearn():
    X = sp.random(30, 4, density=0.4, random_state=3, format="csr")
    lazy = da.from_array(X, chunks=(10, 4), asarray=False)
    with pytest.raises(ValueError, match="Cannot center sparse matrices"):
        ep.StandardScaler().fit(lazy)
    with pytest.raises(TypeError, match="MinMaxScaler does not support sparse input"):
        ep.MinMaxScaler().fit(lazy)
    fitted = ep.MaxAbsScaler().fit(lazy)
    with pytest.raises(ValueError, match="X has 3 features, but MaxAbsScaler is expecting 4"):
        fitted.transform(lazy[:, :3])
    integers = sp.csr_matrix(np.arange(12).reshape(4, 3) % 5)
    expected = skp.MaxAbsScaler().fit(integers)
    ours = ep.MaxAbsScaler().fit(da.from_array(integers, chunks=(2, 3), asarray=False))
    _close(ours.scale_, expected.scale_)
    infinite = X.copy()
    infinite.data[2] = np.inf
    with pytest.raises(ValueError, match="Input contains infinity"):
        ep.MaxAbsScaler().fit(da.from_array(infinite, chunks=(10, 4), asarray=False))


def test_robust_scaler_transforms_sparse_blocks_and_says_why_it_cannot_fit_them():
    X = sp.random(30, 4, density=0.4, random_state=4, format="csc")
    lazy = da.from_array(X, chunks=(8, 4), asarray=False)
    reference = skp.RobustScaler(with_centering=False).fit(X)
    fitted = ep.RobustScaler(with_centering=False).fit(X)
    out = sp.vstack(dask.compute(*fitted.transform(lazy).to_delayed().ravel()))
    assert out.format == "csc"
    np.testing.assert_allclose(out.toarray(), reference.transform(X).toarray(), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="whole column in memory"):
        ep.RobustScaler(with_centering=False).fit(lazy)
