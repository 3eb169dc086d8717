"""OneHotEncoder(sparse_output=, dtype=) and OrdinalEncoder(dtype=) as scikit-learn's."""

from __future__ import annotations

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn.preprocessing as skp

import engine.preprocessing as ep

X = np.array([["a", 1], ["b", 2], ["a", 3], ["c", 1], [None, 2]], dtype=object)
CODES = np.array([[1, 2], [3, 2], [1, 5], [4, 4], [3, 1]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int8])
def test_onehot_sparse_output_and_dtype_match_sklearn(dtype):
    for data in (X, pd.DataFrame(X, columns=["s", "n"])):
        expected = skp.OneHotEncoder(sparse_output=True, dtype=dtype).fit(data).transform(data)
        out = ep.OneHotEncoder(sparse_output=True, dtype=dtype).fit(data).transform(data)
        assert sp.issparse(out) and out.format == "csr" and out.dtype == expected.dtype
        np.testing.assert_array_equal(out.toarray(), expected.toarray())
        dense = ep.OneHotEncoder(sparse_output=False, dtype=dtype).fit(data).transform(data)
        assert np.asarray(dense).dtype == expected.dtype
        np.testing.assert_array_equal(np.asarray(dense), expected.toarray())


def test_onehot_sparse_output_on_dask_gives_lazy_sparse_blocks():
    """Sparse output (the default) on a dask array or frame: a dask array of CSR blocks."""
    expected = skp.OneHotEncoder(sparse_output=True).fit_transform(CODES).toarray()
    frame = pd.DataFrame(CODES, columns=["a", "b"])
    for rows in (5, 2, 1):
        for data in (
            da.from_array(CODES, chunks=(rows, -1)),
            dd.from_pandas(frame, chunksize=rows, sort=False),
        ):
            out = ep.OneHotEncoder().fit(data).transform(data)
            assert isinstance(out, da.Array) and isinstance(out._meta, sp.csr_matrix)
            assert out.numblocks[0] == -(-len(CODES) // rows)
            np.testing.assert_array_equal(out.compute().toarray(), expected)


def test_ordinal_dtype_matches_sklearn():
    expected = skp.OrdinalEncoder(dtype=np.int32).fit_transform(CODES)
    out = ep.OrdinalEncoder(dtype=np.int32).fit_transform(CODES)
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)


NONE_NAN = np.array([["a"], ["b"], [None], ["a"], [np.nan]], dtype=object)


@pytest.mark.parametrize("rows", [[0, 1, 2, 3, 4], [0, 1, 2], [0, 1, 4]])
def test_none_and_nan_are_distinct_categories_as_in_sklearn(rows):
    train = NONE_NAN[rows]
    for ours, theirs in [
        (ep.OneHotEncoder(sparse_output=False), skp.OneHotEncoder(sparse_output=False)),
        (ep.OrdinalEncoder(), skp.OrdinalEncoder()),
    ]:
        theirs.fit(train)
        # (a dask DataFrame stores object columns as strings, where None is already NaN)
        for data in (train, pd.DataFrame(train, dtype=object)):
            ours.fit(data)
            assert [c.tolist() for c in ours.categories_][0][:3] == theirs.categories_[0].tolist()[
                :3
            ]
            assert len(ours.categories_[0]) == len(theirs.categories_[0])
        np.testing.assert_array_equal(ours.transform(train), theirs.transform(train))


def test_encoded_missing_value_and_clashing_codes_as_sklearn():
    codes = np.array([[1.0], [np.nan], [3.0], [3.0]])
    params = {"encoded_missing_value": -1, "handle_unknown": "use_encoded_value"}
    params["unknown_value"] = -2
    new = np.array([[9.0], [np.nan], [1.0]])
    expected = skp.OrdinalEncoder(**params).fit(codes).transform(new)
    for rows in (4, 1):
        data = da.from_array(codes, chunks=(rows, -1))
        out = ep.OrdinalEncoder(**params).fit(data).transform(da.from_array(new, chunks=(2, -1)))
        np.testing.assert_array_equal(out.compute(), expected)
    with pytest.raises(ValueError, match=r"encoded_missing_value \(1\) is already used"):
        ep.OrdinalEncoder(encoded_missing_value=1).fit(codes)
    with pytest.raises(ValueError, match="unknown_value 0 is one of the values already used"):
        ep.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=0).fit(codes)
