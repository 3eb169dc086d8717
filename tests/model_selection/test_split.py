"""train_test_split / train_val_test_split: sizes as scikit-learn, NumPy == Dask, stratification."""

from __future__ import annotations

import math

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.model_selection import train_test_split as sk_train_test_split

from engine.model_selection._kfold import KFold, fold_masks, split_collection
from engine.model_selection._split import train_test_split, train_val_test_split
from engine.stats import _draws
from tests._passes import watched_array
from tests.conftest import ROW_CHUNKINGS


def _data(n=103, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = rng.integers(0, n_classes, n)
    return X, y


def _chunks(n, n_blocks):
    return -(-n // n_blocks)


@pytest.fixture(params=[None, 8], ids=["draw-65536", "draw-8"])
def draw_rows(request, monkeypatch):
    """Also run with tiny draw blocks so blocks straddle draw-block boundaries."""
    if request.param is not None:
        monkeypatch.setattr(_draws, "ROWS_PER_DRAW", request.param)
    return request.param


@pytest.mark.parametrize(
    "test_size, train_size",
    [
        (None, None),
        (0.3, None),
        (None, 0.6),
        (0.25, 0.5),
        (17, None),
        (None, 40),
        (10, 20),
        (0.33, 0.67),
    ],
)
def test_sizes_match_sklearn(test_size, train_size):
    X, y = _data()
    ours = train_test_split(X, y, test_size=test_size, train_size=train_size, random_state=0)
    ref = sk_train_test_split(X, y, test_size=test_size, train_size=train_size, random_state=0)
    assert [a.shape for a in ours] == [a.shape for a in ref]


@given(n=st.integers(4, 300), frac=st.floats(0.01, 0.99))
def test_float_test_size_rounds_up_like_sklearn(n, frac):
    X = np.arange(n)
    if math.ceil(frac * n) >= n:
        with pytest.raises(ValueError, match="train set will be empty"):
            train_test_split(X, test_size=frac, random_state=0)
        return
    tr, te = train_test_split(X, test_size=frac, random_state=0)
    tr_ref, te_ref = sk_train_test_split(X, test_size=frac, random_state=0)
    assert (len(tr), len(te)) == (len(tr_ref), len(te_ref))
    assert sorted(np.concatenate([tr, te])) == list(range(n))


def test_rows_are_a_partition_in_original_order():
    X, y = _data()
    rows = np.arange(len(X))
    tr, te, y_tr, y_te = train_test_split(rows, y, test_size=0.3, random_state=3)
    assert np.all(np.diff(tr) > 0) and np.all(np.diff(te) > 0)
    assert np.array_equal(np.sort(np.concatenate([tr, te])), rows)
    assert np.array_equal(y_tr, y[tr]) and np.array_equal(y_te, y[te])


def test_same_seed_same_split_different_seed_different_split():
    X, _ = _data()
    a = train_test_split(X, random_state=1)[1]
    b = train_test_split(X, random_state=1)[1]
    c = train_test_split(X, random_state=2)[1]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_shuffle_false_is_contiguous_like_sklearn():
    X, y = _data()
    for ours, ref in zip(
        train_test_split(X, y, test_size=0.2, shuffle=False),
        sk_train_test_split(X, y, test_size=0.2, shuffle=False),
        strict=True,
    ):
        assert np.array_equal(ours, ref)
    tr, va, te = train_val_test_split(np.arange(20), val_size=5, test_size=3, shuffle=False)
    assert tr.tolist() == list(range(12)) and va.tolist() == list(range(12, 17))
    assert te.tolist() == list(range(17, 20))


@pytest.mark.parametrize("stratified", [False, True])
@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_numpy_equals_dask_array(n_blocks, stratified, draw_rows):
    X, y = _data()
    strat = y if stratified else None
    ref = train_val_test_split(X, y, val_size=0.2, test_size=0.15, random_state=7, stratify=strat)
    c = _chunks(len(X), n_blocks)
    Xd, yd = da.from_array(X, chunks=(c, 2)), da.from_array(y, chunks=c)
    out = train_val_test_split(
        Xd, yd, val_size=0.2, test_size=0.15, random_state=7, stratify=yd if stratified else None
    )
    assert all(isinstance(o, da.Array) for o in out)
    assert all(not np.isnan(o.shape[0]) for o in out)  # known chunk sizes
    computed = dask.compute(*out, scheduler="sync")
    for a, b, lazy in zip(ref, computed, out, strict=True):
        assert np.array_equal(a, b)
        assert lazy.shape == b.shape


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_pandas_equals_dask_dataframe(n_blocks, draw_rows):
    X, y = _data()
    df = pd.DataFrame(X, columns=["a", "b", "c"], index=np.arange(len(X)) * 2 + 5)
    s = pd.Series(y, index=df.index, name="target")
    ref = train_test_split(df, s, test_size=0.3, random_state=11, stratify=s)
    ddf, ds = dd.from_pandas(df, npartitions=n_blocks), dd.from_pandas(s, npartitions=n_blocks)
    out = train_test_split(ddf, ds, test_size=0.3, random_state=11, stratify=ds)
    for a, b in zip(ref, out, strict=True):
        pd.testing.assert_frame_equal(
            a.to_frame() if a.ndim == 1 else a,
            (b.compute().to_frame() if a.ndim == 1 else b.compute()),
        )
    # the pandas split selects the same rows as the NumPy split
    Xn = train_test_split(X, test_size=0.3, random_state=11, stratify=y)
    assert np.array_equal(ref[0].to_numpy(), Xn[0])


def test_dask_array_with_dataframe_partitions_and_numpy_stratify():
    X, y = _data()
    ddf = dd.from_pandas(pd.DataFrame(X), npartitions=3)
    yd = da.from_array(y, chunks=10)  # rechunked to the DataFrame's partitions
    out = train_test_split(ddf, yd, test_size=0.3, random_state=2, stratify=y)
    ref = train_test_split(X, y, test_size=0.3, random_state=2, stratify=y)
    assert np.array_equal(out[0].compute().to_numpy(), ref[0])
    assert np.array_equal(out[3].compute(), ref[3])


@pytest.mark.cluster
def test_distributed_equals_numpy(cluster_client):
    X, y = _data()
    ref = train_test_split(X, y, test_size=0.25, random_state=4, stratify=y)
    Xd, yd = da.from_array(X, chunks=(15, 3)), da.from_array(y, chunks=15)
    out = train_test_split(Xd, yd, test_size=0.25, random_state=4, stratify=yd)
    got = cluster_client.compute(out, sync=True)
    for a, b in zip(ref, got, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_same_split_on_every_local_scheduler(scheduler):
    X, y = _data()
    ref = train_test_split(X, y, test_size=0.25, random_state=9, stratify=y)
    Xd, yd = da.from_array(X, chunks=(15, 3)), da.from_array(y, chunks=15)
    out = train_test_split(Xd, yd, test_size=0.25, random_state=9, stratify=yd)
    for a, b in zip(ref, dask.compute(*out, scheduler=scheduler), strict=True):
        assert np.array_equal(a, b)


def test_dask_split_builds_graph_without_computing_data():
    X, _ = _data()
    Xd, calls = watched_array(X, (20, 3))
    train, test = train_test_split(Xd, test_size=0.3, random_state=0)
    assert calls == [] and test.shape == (31, 3)


@pytest.mark.parametrize("three_way", [False, True])
def test_stratified_proportions_within_one_row(three_way, draw_rows):
    rng = np.random.default_rng(5)
    y = rng.choice(5, size=997, p=[0.5, 0.2, 0.15, 0.1, 0.05])
    counts = np.bincount(y)
    if three_way:
        parts = train_val_test_split(y, val_size=0.17, test_size=0.23, random_state=0, stratify=y)
    else:
        parts = train_test_split(y, test_size=0.23, random_state=0, stratify=y)
    for part in parts:
        share = counts * len(part) / len(y)
        assert np.all(np.abs(np.bincount(part, minlength=5) - share) < 1)


def test_stratified_string_labels():
    y = np.array(["a", "b", "c"] * 10)
    tr, te = train_test_split(y, test_size=6, stratify=y, random_state=0)
    assert sorted(te.tolist()) == ["a", "a", "b", "b", "c", "c"]


def test_uniform_choice_of_rows():
    n, reps = 20, 1500
    hits = np.zeros(n)
    for seed in range(reps):
        hits[train_test_split(np.arange(n), test_size=5, random_state=seed)[1]] += 1
    p = 5 / n
    assert np.all(np.abs(hits / reps - p) < 5 * math.sqrt(p * (1 - p) / reps))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"test_size": 1.5}, "test_size=1.5"),
        ({"test_size": -0.1}, "test_size=-0.1"),
        ({"test_size": 0}, "test_size=0"),
        ({"test_size": 200}, "test_size=200"),
        ({"train_size": -3}, "train_size=-3"),
        ({"test_size": 0.6, "train_size": 0.6}, "sum of test_size"),
        ({"test_size": 60, "train_size": 60}, "train_size and test_size"),
        ({"test_size": "half"}, "test_size"),
    ],
)
def test_bad_sizes(kwargs, match):
    X, _ = _data()
    with pytest.raises(ValueError, match=match):
        train_test_split(X, **kwargs)


def test_bad_val_test_sizes():
    X, _ = _data()
    with pytest.raises(ValueError, match="val_size"):
        train_val_test_split(X, val_size=0.5, test_size=0.5)
    with pytest.raises(ValueError, match="val_size"):
        train_val_test_split(X, val_size=-1, test_size=0.2)


def test_stratify_errors():
    X, y = _data(n=30)
    y1 = y.copy()
    y1[0] = 9
    with pytest.raises(ValueError, match="only 1 member"):
        train_test_split(X, y1, stratify=y1, random_state=0)
    with pytest.raises(ValueError, match="greater or equal to the number of classes"):
        train_test_split(X, y, test_size=2, stratify=y, random_state=0)
    with pytest.raises(ValueError, match="shuffle=False"):
        train_test_split(X, y, stratify=y, shuffle=False)


def test_mismatched_lengths_and_mixed_inputs():
    X, y = _data()
    with pytest.raises(ValueError, match=r"arrays\[0\]=103, arrays\[1\]=100"):
        train_test_split(X, y[:100])
    with pytest.raises(ValueError, match="stratify=50"):
        train_test_split(X, stratify=y[:50])
    with pytest.raises(TypeError, match="cannot mix"):
        train_test_split(da.from_array(X), y)
    with pytest.raises(ValueError, match="At least one array"):
        train_test_split()


def test_sparse_input_cut_as_csr_and_lists_stay_lists_as_sklearn():
    import sklearn.model_selection as skms

    X = np.arange(40).reshape(20, 2)
    ours = train_test_split(sp.csc_matrix(X), sp.coo_matrix(X), list(range(20)), random_state=0)
    ref = skms.train_test_split(sp.csc_matrix(X), sp.coo_matrix(X), list(range(20)), random_state=0)
    assert [type(a) for a in ours] == [type(a) for a in ref]
    assert all(a.format == "csr" for a in ours[:4])
    assert sorted(ours[4] + ours[5]) == list(range(20))
    assert (ours[0].toarray()[:, 0] // 2).tolist() == ours[4]


def _sparse_with_row_ids(fmt):
    """A sparse matrix whose column 0 is ``row + 1`` (each output row names its source row)."""
    rest = sp.random(50, 3, density=0.4, random_state=1, format="csr")
    ids = sp.csr_matrix(np.arange(1.0, 51.0)[:, None])
    return sp.hstack([ids, rest], format=fmt)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("chunks", [(13, 4), (13, 2), (50, 4)])
@pytest.mark.parametrize("how", ["shuffled", "contiguous", "stratified"])
def test_dask_array_of_sparse_blocks_splits_the_rows_of_the_dense_one(fmt, chunks, how, draw_rows):
    X = _sparse_with_row_ids(fmt)
    y = np.arange(50) % 3
    kwargs = {
        "shuffled": {"random_state": 0},
        "contiguous": {"shuffle": False},
        "stratified": {"random_state": 3, "stratify": da.from_array(y, chunks=13)},
    }[how]
    sparse_parts = train_test_split(da.from_array(X, chunks=chunks, asarray=False), test_size=0.3, **kwargs)  # fmt: skip
    dense_parts = train_test_split(
        da.from_array(X.toarray(), chunks=chunks), test_size=0.3, **kwargs
    )
    for lazy, dense in zip(sparse_parts, dense_parts, strict=True):
        assert lazy.chunks == dense.chunks
        blocks = dask.compute(*lazy.to_delayed().ravel())
        assert all(sp.issparse(b) and b.format == fmt for b in blocks)
        got = sp.vstack(blocks)
        expected = dense.compute()
        np.testing.assert_array_equal(got.toarray(), expected)
        rows = expected[:, 0].astype(int) - 1
        np.testing.assert_array_equal(got.toarray(), X.tocsr()[rows].toarray())


def test_dask_array_of_sparse_blocks_folds_are_the_dense_ones():
    X = _sparse_with_row_ids("csr")
    lazy = da.from_array(X, chunks=(13, 4), asarray=False)
    dense = da.from_array(X.toarray(), chunks=(13, 4))
    cv = KFold(3, shuffle=True, random_state=0)
    for (train, test), (d_train, d_test) in zip(
        fold_masks(cv, lazy), fold_masks(cv, dense), strict=True
    ):
        ours = split_collection(lazy, train=train, test=test)
        reference = split_collection(dense, train=d_train, test=d_test)
        for part, expected in zip(ours, dask.compute(*reference), strict=True):
            blocks = dask.compute(*part.to_delayed().ravel())
            assert all(sp.issparse(b) and b.format == "csr" for b in blocks)
            np.testing.assert_array_equal(sp.vstack(blocks).toarray(), expected)
