"""Bad input gets a clear error naming the column or parameter, never a silent NaN."""

import re

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import sklearn.impute as ski
import sklearn.preprocessing as skp

import engine.preprocessing as ep

NUMERIC = [
    ep.StandardScaler,
    ep.MinMaxScaler,
    ep.MaxAbsScaler,
    ep.RobustScaler,
    ep.SimpleImputer,
    ep.MissingDropper,
    ep.OutlierHandler,
]
ids = [c.__name__ for c in NUMERIC]


def frame(n=20):
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.standard_normal(n), "b": rng.standard_normal(n)})


@pytest.mark.parametrize("cls", NUMERIC, ids=ids)
def test_string_column_is_a_type_error_naming_it(cls):
    df = frame().assign(city=["x", "y"] * 10)
    with pytest.raises(TypeError, match="'city'"):
        cls().fit(df)
    with pytest.raises(TypeError, match="'city'"):
        cls().fit(dd.from_pandas(df, npartitions=2))
    with pytest.raises(TypeError, match="x2"):
        cls().fit(df.to_numpy())


@pytest.mark.parametrize("cls", NUMERIC, ids=ids)
def test_other_columns_than_fit_is_a_value_error_naming_them(cls):
    df = frame()
    est = cls().fit(df)
    with pytest.raises(ValueError, match=r"unseen at fit time:\n- c\n.*missing:\n- b"):
        est.transform(df.rename(columns={"b": "c"}))
    est = cls().fit(dd.from_pandas(df, npartitions=2))
    with pytest.raises(ValueError, match=r"\['c'\]"):
        est.transform(dd.from_pandas(df.rename(columns={"b": "c"}), npartitions=2))
    with pytest.raises(ValueError, match="3 features"):
        cls().fit(df.to_numpy()).transform(np.zeros((2, 3)))


@pytest.mark.parametrize("cls", NUMERIC, ids=ids)
def test_empty_input_is_a_value_error(cls):
    for X in (np.empty((0, 3)), np.empty((4, 0)), frame().iloc[:0]):
        with pytest.raises(ValueError, match="0 (sample|feature)"):
            cls().fit(X)


@pytest.mark.parametrize("cls", NUMERIC, ids=ids)
def test_inf_is_rejected_naming_the_column(cls):
    df = frame()
    df.loc[3, "b"] = np.inf
    with pytest.raises(ValueError, match="infinity in column 'b'"):
        cls().fit(df)
    with pytest.raises(ValueError, match="infinity in column 'x1'"):
        cls().fit(da.from_array(df.to_numpy(), chunks=(7, -1)))
    clean = frame()
    est = cls().fit(clean)
    if cls is not ep.MissingDropper:  # the dropper only selects; it checks inf in fit
        with pytest.raises(ValueError, match="infinity in column 'b'"):
            est.transform(df)
        lazy = cls().fit(clean.to_numpy()).transform(da.from_array(df.to_numpy(), chunks=(7, -1)))
        with pytest.raises(ValueError, match="infinity in column 'x1'"):
            dask.compute(lazy, scheduler="sync")


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (ep.StandardScaler, skp.StandardScaler),
        (ep.MinMaxScaler, skp.MinMaxScaler),
        (ep.MaxAbsScaler, skp.MaxAbsScaler),
        (ep.RobustScaler, skp.RobustScaler),
    ],
)
def test_constant_column_gets_scale_one_like_sklearn(ours, theirs):
    X = np.column_stack([np.full(9, 3.0), np.arange(9.0), np.zeros(9)])
    for data in (X, da.from_array(X, chunks=(4, -1))):
        est = ours().fit(data)
        ref = theirs().fit(X)
        np.testing.assert_array_equal(est.scale_, ref.scale_)
        out = np.asarray(est.transform(data))
        assert np.isfinite(out).all()
        np.testing.assert_allclose(out, ref.transform(X), rtol=1e-12)


def test_zscore_on_a_constant_column_warns_naming_it_and_flags_nothing():
    X = np.column_stack([np.full(9, 3.0), np.arange(9.0)])
    est = ep.OutlierHandler(method="zscore", action="flag")
    with pytest.warns(UserWarning, match=r"\['x0'\].*zero standard deviation"):
        out = est.fit_transform(X)
    assert est.lower_[0] == -np.inf and est.upper_[0] == np.inf
    assert not out[:, 2].any()


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_all_missing_column_is_dropped_with_a_warning_naming_it(strategy):
    df = frame().assign(empty=np.nan)
    reference = ski.SimpleImputer(strategy=strategy, fill_value=1.5).fit(df)
    with pytest.warns(UserWarning, match="Skipping features without any observed values"):
        expected = reference.transform(df)
    for data in (df, dd.from_pandas(df, npartitions=3)):
        est = ep.SimpleImputer(strategy=strategy, fill_value=1.5).fit(data)
        with pytest.warns(UserWarning, match=r"\['empty'\].*strategy="):
            out = est.transform(data)
        assert list(out.columns) == list(reference.get_feature_names_out())
        np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-12)
    kept = ep.SimpleImputer(strategy=strategy, fill_value=1.5, keep_empty_features=True)
    reference = ski.SimpleImputer(strategy=strategy, fill_value=1.5, keep_empty_features=True)
    np.testing.assert_array_equal(
        kept.fit_transform(df)["empty"], reference.fit_transform(df)[:, -1]
    )


@pytest.mark.parametrize(
    ("est", "match"),
    [
        (ep.StandardScaler(with_mean="yes"), "'with_mean' parameter of StandardScaler"),
        (ep.MinMaxScaler(feature_range=(1, 0)), r"feature range must be .* Got \(1, 0\)"),
        (ep.MinMaxScaler(feature_range=("a", 1)), "'feature_range' parameter of MinMaxScaler"),
        (ep.RobustScaler(quantile_range=(80, 20)), r"Invalid quantile range: \(80, 20\)"),
        (ep.SimpleImputer(strategy="mode"), "'strategy' parameter of SimpleImputer"),
        (ep.MissingDropper(threshold=1.5), "'threshold' parameter of MissingDropper"),
        (ep.MissingDropper(axis=0), "'axis' parameter of MissingDropper"),
        (ep.OutlierHandler(method="mad"), "'method' parameter of OutlierHandler"),
        (ep.OutlierHandler(factor=-1.0), "'factor' parameter of OutlierHandler"),
        (ep.OutlierHandler(action="winsorize"), "'action' parameter of OutlierHandler"),
        (ep.PolynomialFeatures(degree=(3, 1)), r"min_degree <= max_degree, got \(3, 1\)"),
    ],
)
def test_bad_parameters_are_named(est, match):
    """scikit-learn's wording: the constraint messages, and its own for value rules."""
    with pytest.raises(ValueError, match=match):
        est.fit(frame())


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (ep.MinMaxScaler(feature_range=(1, 0)), skp.MinMaxScaler(feature_range=(1, 0))),
        (ep.RobustScaler(quantile_range=(80, 20)), skp.RobustScaler(quantile_range=(80, 20))),
        (ep.PolynomialFeatures(degree=(3, 1)), skp.PolynomialFeatures(degree=(3, 1))),
        (ep.StandardScaler(with_std=None), skp.StandardScaler(with_std=None)),
        (
            ep.PolynomialFeatures(degree=0, include_bias=False),
            skp.PolynomialFeatures(degree=0, include_bias=False),
        ),
    ],
)
def test_bad_parameter_messages_equal_sklearn(ours, theirs):
    with pytest.raises(ValueError) as expected:
        theirs.fit(frame())
    with pytest.raises(type(expected.value), match=re.escape(str(expected.value))):
        ours.fit(frame())
