"""Encoders on string, category and numeric columns: equal to scikit-learn, one grouped pass."""

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import sklearn.preprocessing as skp
from sklearn.base import clone

import engine.preprocessing as ep
from tests._passes import CountComputes
from tests.conftest import ROW_CHUNKINGS


def frame(n=40, seed=0):
    rng = np.random.default_rng(seed)
    city = rng.choice(["paris", "oslo", "lima", None], n).astype(object)
    city[city == None] = np.nan  # noqa: E711 - object array comparison
    return pd.DataFrame(
        {
            "city": city,
            "size": pd.Categorical(rng.choice(["S", "M", "L"], n)),
            "level": rng.integers(0, 4, n).astype(np.float64),
        }
    )


def sk_input(df):
    return df.astype({"size": object})


@pytest.mark.parametrize("n_parts", ROW_CHUNKINGS)
def test_onehot_and_ordinal_equal_sklearn_on_pandas_and_dask(n_parts):
    df = frame()
    ddf = dd.from_pandas(df, npartitions=n_parts)
    for ours, theirs in [
        (ep.OneHotEncoder(sparse_output=False), skp.OneHotEncoder(sparse_output=False)),
        (ep.OrdinalEncoder(), skp.OrdinalEncoder()),
    ]:
        expected = theirs.fit_transform(sk_input(df))
        np.testing.assert_array_equal(ours.fit_transform(df).to_numpy(), expected)
        with CountComputes() as c, dask.config.set(scheduler="sync"):
            lazy = clone(ours).fit(ddf)
            out = lazy.transform(ddf)
        assert c.n == 1  # categories of every column in one grouped pass
        assert isinstance(out, dd.DataFrame) and out.npartitions == n_parts
        np.testing.assert_array_equal(out.compute().to_numpy(), expected)
        for a, b in zip(lazy.categories_, theirs.categories_, strict=True):
            assert list(pd.Series(a).astype(str)) == list(pd.Series(b).astype(str))
        assert list(lazy.get_feature_names_out()) == list(theirs.get_feature_names_out())


def test_numpy_object_input_and_unknown_categories():
    X = np.array([["a", 1.0], ["b", 2.0], ["a", 3.0]], dtype=object)
    X[:, 1] = X[:, 1].astype(float)
    new = np.array([["c", 1.0]], dtype=object)
    with pytest.raises(ValueError, match=r"unknown categories \['c'\] in column 0 during"):
        ep.OneHotEncoder().fit(X).transform(new)
    ignore = ep.OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(X)
    ref = skp.OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(X)
    np.testing.assert_array_equal(ignore.transform(new), ref.transform(new))
    ordinal = ep.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(X)
    ref = skp.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(X)
    np.testing.assert_array_equal(ordinal.transform(new), ref.transform(new))
    with pytest.raises(TypeError, match="unknown_value should be an integer or np.nan"):
        ep.OrdinalEncoder(handle_unknown="use_encoded_value").fit(X)


def test_mixed_strings_and_numbers_is_a_type_error_naming_the_column():
    df = pd.DataFrame({"mixed": np.array(["a", 1.5, "b"], dtype=object)})
    with pytest.raises(TypeError, match=r"uniformly strings or numbers. Got \['float', 'str'\]"):
        ep.OneHotEncoder().fit(df)


def test_transform_with_other_columns_names_them():
    df = frame()
    enc = ep.OrdinalEncoder().fit(df)
    with pytest.raises(ValueError, match="town"):
        enc.transform(df.rename(columns={"city": "town"}))
