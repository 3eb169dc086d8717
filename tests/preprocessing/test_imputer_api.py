"""SimpleImputer's scikit-learn options: missing_values, add_indicator, keep_empty_features, copy.

Each case is compared with scikit-learn's SimpleImputer on the same data, on
NumPy, pandas and Dask arrays of several chunkings.
"""

from __future__ import annotations

import warnings

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn.impute as ski

import engine.preprocessing as ep

CASES = [
    {"missing_values": -1.0},
    {"missing_values": 0, "strategy": "median", "add_indicator": True},
    {"missing_values": -1, "strategy": "most_frequent", "add_indicator": True},
    {"strategy": "constant", "fill_value": 7.0, "add_indicator": True},
    {"strategy": "mean", "add_indicator": True, "keep_empty_features": True},
    {"strategy": "constant", "fill_value": 2.5, "keep_empty_features": True},
]


@pytest.fixture(scope="module")
def X():
    X = np.random.default_rng(2).integers(-1, 4, (30, 4)).astype(np.float64)
    X[:, 2] = -1.0  # all missing under missing_values=-1
    return X


def _with_nan(X):
    """The same table with NaN as the missing marker (column 2 empty)."""
    return np.where(X == -1.0, np.nan, X)


@pytest.mark.parametrize("params", CASES, ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
def test_options_match_sklearn(params, X):
    data = X if params.get("missing_values") is not None else _with_nan(X)
    if params.get("missing_values") == 0:
        data = np.where(X == -1.0, 5.0, X)
    reference = ski.SimpleImputer(**params).fit(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scikit-learn's and ours: empty columns
        expected = reference.transform(data)
        for rows in (None, 30, 7, 1):
            source = data if rows is None else da.from_array(data, chunks=(rows, -1))
            ours = ep.SimpleImputer(**params).fit(source)
            np.testing.assert_allclose(np.asarray(ours.transform(source)), expected, rtol=1e-12)
    np.testing.assert_allclose(
        ours.statistics_, reference.statistics_.astype(np.float64), rtol=1e-12, equal_nan=True
    )
    assert list(ours.get_feature_names_out()) == list(reference.get_feature_names_out())
    if params.get("add_indicator"):
        np.testing.assert_array_equal(ours.indicator_.features_, reference.indicator_.features_)


@pytest.mark.parametrize("marker", [None, pd.NA])
def test_none_and_pd_na_mark_missing_in_pandas_columns(marker, X):
    frame = pd.DataFrame(_with_nan(X)[:, [0, 1, 3]], columns=["a", "b", "c"]).astype("Float64")
    frame.iloc[4, 1] = pd.NA
    expected = ski.SimpleImputer(add_indicator=True).fit_transform(frame.astype(np.float64))
    ours = ep.SimpleImputer(missing_values=marker, add_indicator=True).fit(frame)
    out = ours.transform(frame)
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=1e-12)
    assert list(out.columns)[-1] == "missingindicator_c"


def test_bad_missing_values_and_copy_are_rejected_by_name(X):
    with pytest.raises(ValueError, match="'missing_values' parameter of SimpleImputer"):
        ep.SimpleImputer(missing_values=[1]).fit(X)
    with pytest.raises(ValueError, match="types are expected to be both numerical"):
        ep.SimpleImputer(missing_values="?").fit(X)  # scikit-learn's error, as in its tests
    with pytest.raises(ValueError, match="'copy' parameter of SimpleImputer"):
        ep.SimpleImputer(copy=None).fit(X)


TEXT = np.array([["a", "x"], [np.nan, "y"], ["a", np.nan], ["b", "y"]], dtype=object)


@pytest.mark.parametrize(
    "params",
    [{"strategy": "most_frequent"}, {"strategy": "constant", "fill_value": "missing"}],
    ids=lambda p: p["strategy"],
)
@pytest.mark.parametrize("kind", ["object", "category"])
def test_text_columns_are_imputed_as_scikit_learn_does(params, kind):
    data = TEXT if kind == "object" else pd.DataFrame(TEXT, columns=["c1", "c2"]).astype(kind)
    expected = ski.SimpleImputer(**params).fit_transform(data)
    np.testing.assert_array_equal(ep.SimpleImputer(**params).fit_transform(data), expected)


def test_callable_strategy_and_sparse_input_match_scikit_learn(X):
    data = np.where(X == 3.0, np.nan, X)
    for params in [{"strategy": np.nanmax}, {"add_indicator": True}]:
        expected = ski.SimpleImputer(**params).fit_transform(sp.csr_matrix(data))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the empty column
            ours = ep.SimpleImputer(**params).fit_transform(sp.csr_matrix(data))
        assert ours.format == expected.format
        np.testing.assert_array_equal(ours.toarray(), expected.toarray())
    with pytest.raises(TypeError, match="in-memory input"):
        ep.SimpleImputer(strategy=np.nanmax).fit(da.from_array(data, chunks=(7, -1)))


@pytest.mark.parametrize("rows", [None, 30, 7, 1])
def test_inverse_transform_and_float32_as_scikit_learn(rows, X):
    data = np.where(X == 3.0, np.nan, X).astype(np.float32)  # no empty column
    reference = ski.SimpleImputer(add_indicator=True).fit(data)
    expected = reference.transform(data)
    source = data if rows is None else da.from_array(data, chunks=(rows, -1))
    ours = ep.SimpleImputer(add_indicator=True).fit(source)
    out = ours.transform(source)
    assert out.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-6)
    restored = np.asarray(ours.inverse_transform(out))
    np.testing.assert_array_equal(restored, reference.inverse_transform(expected))
    with pytest.raises(ValueError, match="add_indicator=True"):
        ep.SimpleImputer().fit(data).inverse_transform(data)


def test_engine_fitted_imputer_transforms_sparse_input(X):
    data = _with_nan(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the empty column
        expected = ski.SimpleImputer(add_indicator=True).fit(data).transform(sp.csr_matrix(data))
        ours = ep.SimpleImputer(add_indicator=True).fit(data).transform(sp.csr_matrix(data))
    assert ours.format == expected.format == "csc"
    np.testing.assert_allclose(ours.toarray(), expected.toarray(), rtol=1e-12)
    with pytest.raises(ValueError, match="missing_values == 0 and input is sparse"):
        ep.SimpleImputer(missing_values=0).fit(X).transform(sp.csr_matrix(X))


SPARSE_CASES = [
    {},
    {"add_indicator": True},
    {"keep_empty_features": True, "add_indicator": True},
    {"missing_values": -1.0},
    {"strategy": "constant", "fill_value": 7.0, "add_indicator": True},
    {"strategy": "constant", "keep_empty_features": True},
]


@pytest.mark.parametrize("params", SPARSE_CASES, ids=str)
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_dask_array_of_sparse_blocks_is_imputed_as_scikit_learn_imputes_the_matrix(params, fmt, X):
    data = X if "missing_values" in params else _with_nan(X)  # column 2 has no observed value
    matrix = sp.csr_matrix(data).asformat(fmt)
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        reference = ski.SimpleImputer(**params).fit(matrix)
        del warned[:]
        expected = reference.transform(matrix)
    for rows in (30, 7, 1):
        lazy = da.from_array(matrix, chunks=(rows, 4), asarray=False)
        ours = ep.SimpleImputer(**params).fit(lazy)
        np.testing.assert_allclose(ours.statistics_, reference.statistics_, rtol=1e-12)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = ours.transform(lazy)
            blocks = dask.compute(*out.to_delayed().ravel())
        assert [str(w.message) for w in caught] == [str(w.message) for w in warned]
        assert out.shape == expected.shape and out.dtype == expected.dtype
        assert all(type(b) is type(expected) and b.format == expected.format for b in blocks)
        np.testing.assert_allclose(sp.vstack(blocks).toarray(), expected.toarray(), rtol=1e-12)


def test_dense_fitted_imputer_transforms_sparse_blocks_and_float32_stays_float32(X):
    data = _with_nan(X)
    lazy = da.from_array(sp.csr_matrix(data), chunks=(7, 4), asarray=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the empty column
        expected = ski.SimpleImputer(add_indicator=True).fit(data).transform(sp.csr_matrix(data))
        out = ep.SimpleImputer(add_indicator=True).fit(data).transform(lazy)
        got = sp.vstack(dask.compute(*out.to_delayed().ravel()))
    np.testing.assert_allclose(got.toarray(), expected.toarray(), rtol=1e-12)
    single = sp.csr_matrix(np.where(X == 3.0, np.nan, X).astype(np.float32))
    expected = ski.SimpleImputer().fit_transform(single)
    lazy = da.from_array(single, chunks=(7, 4), asarray=False)
    out = ep.SimpleImputer().fit(lazy).transform(lazy)
    assert out.dtype == expected.dtype == np.float32
    got = sp.vstack(dask.compute(*out.to_delayed().ravel()))
    np.testing.assert_allclose(got.toarray(), expected.toarray(), rtol=1e-6)


def test_dask_array_of_sparse_blocks_raises_scikit_learns_error_then_names_the_limitation(X):
    with pytest.raises(ValueError, match="missing_values == 0 and input is sparse"):
        ski.SimpleImputer(missing_values=0).fit(sp.csr_matrix(X))
    with pytest.raises(ValueError, match="missing_values == 0 and input is sparse"):
        ep.SimpleImputer(missing_values=0).fit(
            da.from_array(sp.csr_matrix(X), chunks=(7, 4), asarray=False)
        )
    lazy = da.from_array(sp.csr_matrix(_with_nan(X)), chunks=(7, 4), asarray=False)
    for strategy in ("median", "most_frequent"):
        with pytest.raises(NotImplementedError, match="whole columns in memory"):
            ep.SimpleImputer(strategy=strategy).fit(lazy)
