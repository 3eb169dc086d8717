"""Encoders' parameters against scikit-learn's on the same data: NumPy, pandas, dask array and frame.

Every configuration is fitted by scikit-learn and by the engine on the same
rows, then the fitted attributes (``categories_`` with their dtype,
``infrequent_categories_``, ``drop_idx_``, feature names), ``transform`` on
rows holding unknown values and ``inverse_transform`` must be equal. On Dask,
fit is one ``dask.compute`` (the distinct-values pass that also counts) and
transform stays lazy with the input's row blocks.
"""

from __future__ import annotations

import warnings

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn.preprocessing as skp

import engine.preprocessing as ep
from tests._passes import CountComputes
from tests.conftest import ROW_CHUNKINGS


def _train_test():
    rng = np.random.default_rng(3)
    n = 60
    city = rng.choice(["paris", "oslo", "lima", "rome", "kiev"], n, p=[0.5, 0.25, 0.15, 0.06, 0.04])
    level = rng.choice([0, 1, 2, 5, 9], n, p=[0.4, 0.3, 0.2, 0.06, 0.04])
    score = rng.choice([0.5, 1.5, 2.5, np.nan], n, p=[0.5, 0.3, 0.1, 0.1])
    train = pd.DataFrame({"city": city.astype(object), "level": level, "score": score})
    test = pd.DataFrame(
        {
            "city": np.array(["paris", "rome", "berlin", "lima"], dtype=object),
            "level": [0, 9, 7, 1],
            "score": [0.5, np.nan, 4.5, 2.5],
        }
    )
    return train, test


TRAIN, TEST = _train_test()

ONEHOT = {
    "drop-first": dict(drop="first", handle_unknown="ignore"),
    "drop-if_binary": dict(drop="if_binary", handle_unknown="ignore"),
    "drop-array": dict(drop=["oslo", 5, np.nan], handle_unknown="ignore"),
    "min_frequency-int": dict(min_frequency=4, handle_unknown="infrequent_if_exist"),
    "min_frequency-float-drop": dict(
        min_frequency=0.1, drop="first", handle_unknown="infrequent_if_exist"
    ),
    "max_categories-warn": dict(max_categories=3, handle_unknown="warn"),
    "both-int8-combiner": dict(
        max_categories=4,
        min_frequency=3,
        dtype=np.int8,
        handle_unknown="infrequent_if_exist",
        feature_name_combiner=lambda f, c: f"{f}={c}",
    ),
}
ORDINAL = {
    "unknown-missing": dict(
        handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2
    ),
    "max_categories": dict(max_categories=3, handle_unknown="use_encoded_value", unknown_value=9),
    "min_frequency-nan": dict(
        min_frequency=0.1, handle_unknown="use_encoded_value", unknown_value=np.nan
    ),
}


def _as_kind(frame: pd.DataFrame, kind: str, n_blocks: int = 1):
    """The rows as a NumPy object array, pandas, a dask array or a dask frame."""
    rows = -(-len(frame) // n_blocks)
    if kind == "pandas":
        return frame
    if kind == "dask_frame":
        return dd.from_pandas(frame, chunksize=rows, sort=False)
    values = frame.to_numpy(dtype=object)
    return da.from_array(values, chunks=(rows, -1)) if kind == "dask_array" else values


def _reference_kind(kind: str) -> str:
    return "pandas" if kind in ("pandas", "dask_frame") else "numpy"


def _dense(out):
    out = out.compute() if hasattr(out, "dask") else out
    out = out.toarray() if sp.issparse(out) else out
    return np.asarray(out)


def _fit_both(ours, theirs, kind, n_blocks):
    train = _as_kind(TRAIN, kind, n_blocks)
    theirs.fit(_as_kind(TRAIN, _reference_kind(kind)))
    with CountComputes() as computes, dask.config.set(scheduler="sync"):
        ours.fit(train)
    assert computes.n == (1 if kind.startswith("dask") else 0)  # one distinct-values pass
    return _as_kind(TEST, kind, n_blocks)


def _same_categories(ours, theirs):
    for a, b in zip(ours.categories_, theirs.categories_, strict=True):
        assert a.dtype == b.dtype
        assert [repr(v) for v in a.tolist()] == [repr(v) for v in b.tolist()]


def _n_blocks(collection) -> int:
    return getattr(collection, "npartitions", None) or collection.numblocks[0]


def _same_transform(ours, theirs, test, reference):
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        with CountComputes() as computes:
            lazy = ours.transform(test)
        assert computes.n == 0  # transform builds a lazy graph, blockwise
        out = _dense(lazy)
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        expected = _dense(theirs.transform(reference))
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in theirs_warned]
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)
    if hasattr(test, "dask"):
        assert hasattr(lazy, "dask") and _n_blocks(lazy) == _n_blocks(test)
    return expected


def _same_inverse(ours, theirs, encoded, n_blocks, kind):
    expected = theirs.inverse_transform(encoded)
    given = da.from_array(encoded, chunks=(-(-len(encoded) // n_blocks), -1))
    got = ours.inverse_transform(given if kind.startswith("dask") else encoded)
    got = got.compute() if hasattr(got, "dask") else got
    assert pd.DataFrame(got).astype(str).equals(pd.DataFrame(expected).astype(str))


def _chunking(name: str, configs: dict) -> int:
    """Each configuration runs on one of the chunkings, in turn (all of them are covered)."""
    return ROW_CHUNKINGS[sorted(configs).index(name) % len(ROW_CHUNKINGS)]


@pytest.mark.parametrize("kind", ["numpy", "pandas", "dask_array", "dask_frame"])
@pytest.mark.parametrize("name", sorted(ONEHOT))
def test_onehot_parameters_equal_sklearn(name, kind):
    params, n_blocks = ONEHOT[name], _chunking(name, ONEHOT)
    ours = ep.OneHotEncoder(sparse_output=False, **params)
    theirs = skp.OneHotEncoder(sparse_output=False, **params)
    test = _fit_both(ours, theirs, kind, n_blocks)
    reference = _as_kind(TEST, _reference_kind(kind))
    _same_categories(ours, theirs)
    assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()
    assert np.array_equal(ours.drop_idx_, theirs.drop_idx_) if params.get("drop") else True
    if "min_frequency" in params or "max_categories" in params:
        assert repr(ours.infrequent_categories_) == repr(theirs.infrequent_categories_)
    encoded = _same_transform(ours, theirs, test, reference)
    _same_inverse(ours, theirs, encoded, n_blocks, kind)


@pytest.mark.parametrize("kind", ["numpy", "dask_array", "dask_frame"])
@pytest.mark.parametrize("name", sorted(ORDINAL))
def test_ordinal_parameters_equal_sklearn(name, kind):
    n_blocks = _chunking(name, ORDINAL)
    ours, theirs = ep.OrdinalEncoder(**ORDINAL[name]), skp.OrdinalEncoder(**ORDINAL[name])
    test = _fit_both(ours, theirs, kind, n_blocks)
    reference = _as_kind(TEST, _reference_kind(kind))
    _same_categories(ours, theirs)
    encoded = _same_transform(ours, theirs, test, reference)
    _same_inverse(ours, theirs, encoded, n_blocks, kind)


def test_sparse_default_and_categories_keep_the_input_dtype():
    """scikit-learn's defaults: sparse CSR output; int columns give int categories."""
    for X in (TRAIN, TRAIN[["level"]].to_numpy(), [["a", 1], ["b", 2]]):
        ours, theirs = ep.OneHotEncoder().fit(X), skp.OneHotEncoder().fit(X)
        assert sp.issparse(ours.transform(X))
        _same_categories(ours, theirs)
        np.testing.assert_array_equal(ours.transform(X).toarray(), theirs.transform(X).toarray())


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ([["b", "a", "a"]], "In column 0, the predefined categories contain duplicate elements."),
        ([[3, 1]], "Unsorted categories are not supported for numerical categories"),
        ([[1, np.nan, 3]], "Nan should be the last element in user provided categories"),
    ],
)
def test_user_categories_rejected_as_sklearn(categories, message):
    X = (
        np.array([["a"], ["b"]], dtype=object)
        if isinstance(categories[0][0], str)
        else [[1.0], [3.0]]
    )
    for cls in (ep.OneHotEncoder, ep.OrdinalEncoder, skp.OneHotEncoder):
        with pytest.raises(ValueError, match=message):
            cls(categories=categories).fit(X)


def test_unknown_and_infrequent_errors_as_sklearn():
    X = TRAIN[["city"]]
    with pytest.raises(ValueError, match=r"Found unknown categories \['berlin'\] in column 0"):
        ep.OneHotEncoder().fit(X).transform(TEST[["city"]])
    with pytest.raises(ValueError, match="Unable to drop category 'kiev' from feature 0 because"):
        ep.OneHotEncoder(drop=["kiev"], min_frequency=4).fit(X)
    with pytest.raises(
        ValueError, match=r"Found unknown categories \['kiev'\] in column 0 during fit"
    ):
        ep.OrdinalEncoder(categories=[["lima", "oslo", "paris", "rome"]]).fit(X)


def test_category_nullable_and_bool_columns_equal_sklearn():
    """pandas category, nullable Int64 (with NA) and bool columns, in memory and on Dask."""
    df = pd.DataFrame(
        {
            "c": pd.Categorical(list("aabbbcd")),
            "i": pd.array([1, 2, None, 2, 2, 3, 1], dtype="Int64"),
            "b": [True, False, True, True, False, True, True],
        }
    )
    for ours, theirs in [
        (
            ep.OneHotEncoder(sparse_output=False, max_categories=2, drop="first"),
            skp.OneHotEncoder(sparse_output=False, max_categories=2, drop="first"),
        ),
        (ep.OrdinalEncoder(min_frequency=2), skp.OrdinalEncoder(min_frequency=2)),
    ]:
        expected = theirs.fit_transform(df)
        for data in (df, dd.from_pandas(df, npartitions=3)):
            np.testing.assert_array_equal(_dense(ours.fit(data).transform(data)), expected)
            _same_categories(ours, theirs)
