"""KFold / StratifiedKFold: scikit-learn's folds in memory and on Dask; lazy fold selection."""

from __future__ import annotations

import warnings

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import sklearn.model_selection as skms
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from engine.model_selection._kfold import (
    KFold,
    StratifiedKFold,
    check_cv,
    fold_labels,
    fold_masks,
    split_collection,
)
from tests._passes import watched_array
from tests.conftest import ROW_CHUNKINGS

PAIRS = [(KFold, skms.KFold), (StratifiedKFold, skms.StratifiedKFold)]
PARAMS = [{}, {"shuffle": True, "random_state": 0}, {"shuffle": True, "random_state": 42}]


def _data(n=61, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.choice(np.array([5, 2, 9]), size=n, p=[0.5, 0.3, 0.2])


def _tests(splits):
    return [np.flatnonzero(te) if te.dtype == bool else np.asarray(te) for _, te in splits]


@pytest.mark.parametrize("ours, ref", PAIRS)
@pytest.mark.parametrize("params", PARAMS)
def test_in_memory_identical_to_sklearn(ours, ref, params):
    X, y = _data()
    for (a_tr, a_te), (b_tr, b_te) in zip(
        ours(4, **params).split(X, y), ref(4, **params).split(X, y), strict=True
    ):
        assert np.array_equal(a_tr, b_tr) and np.array_equal(a_te, b_te)
    assert ours(4).get_n_splits(X, y) == 4


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
@pytest.mark.parametrize("ours, ref", PAIRS)
@pytest.mark.parametrize("params", PARAMS)
def test_dask_identical_to_sklearn(ours, ref, params, n_blocks):
    X, y = _data()
    c = -(-len(X) // n_blocks)
    Xd, yd = da.from_array(X, chunks=(c, 3)), da.from_array(y, chunks=c)
    lazy = list(ours(4, **params).split(Xd, yd))
    assert all(
        isinstance(m, da.Array) and m.chunks == (Xd.chunks[0],) for pair in lazy for m in pair
    )
    got = dask.compute(lazy, scheduler="sync")[0]
    for (a_tr, a_te), (b_tr, b_te) in zip(got, ref(4, **params).split(X, y), strict=True):
        assert np.array_equal(np.flatnonzero(a_te), b_te)
        assert np.array_equal(np.flatnonzero(a_tr), b_tr)


@given(n=st.integers(6, 80), k=st.integers(2, 6), seed=st.integers(0, 10), nb=st.integers(1, 5))
def test_stratified_dask_matches_sklearn_property(n, k, seed, nb):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    if np.all(np.bincount(y) < k):
        return
    c = -(-n // nb)
    ref = skms.StratifiedKFold(k, shuffle=True, random_state=seed)
    ours = StratifiedKFold(k, shuffle=True, random_state=seed)
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        labels = ours.fold_labels(da.zeros((n, 1), chunks=(c, 1)), da.from_array(y, chunks=c))
    with warnings.catch_warnings(record=True) as ref_warned:
        warnings.simplefilter("always")
        expected = np.empty(n, int)
        for fold, (_, te) in enumerate(ref.split(np.zeros((n, 1)), y)):
            expected[te] = fold
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in ref_warned]
    assert np.array_equal(labels.compute(scheduler="sync"), expected)


@pytest.mark.cluster
def test_distributed_identical(cluster_client):
    X, y = _data()
    Xd, yd = da.from_array(X, chunks=(20, 3)), da.from_array(y, chunks=20)
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    labels = cluster_client.compute(cv.fold_labels(Xd, yd), sync=True)
    ref = skms.StratifiedKFold(3, shuffle=True, random_state=1)
    for fold, (_, te) in enumerate(ref.split(X, y)):
        assert np.array_equal(np.flatnonzero(labels == fold), te)


def test_dask_folds_do_not_compute_X():
    X, y = _data()
    Xd, calls = watched_array(X, (20, 3))
    masks = fold_masks(KFold(3, shuffle=True, random_state=0), Xd)
    masks = fold_masks(StratifiedKFold(3), Xd, da.from_array(y, chunks=20))
    assert calls == []
    dask.compute(masks)
    assert calls == []  # the masks never depend on X's values


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_split_collection_dataframe_and_array(n_blocks):
    X, y = _data()
    df = pd.DataFrame(X, columns=list("abc"), index=np.arange(len(X)) + 100)
    s = pd.Series(y, index=df.index)
    ddf, ds = dd.from_pandas(df, npartitions=n_blocks), dd.from_pandas(s, npartitions=n_blocks)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    ref = list(skms.StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    for (train, test), (r_tr, r_te) in zip(fold_masks(cv, ddf, ds), ref, strict=True):
        X_tr, X_te, y_tr, y_te = split_collection(ddf, ds, train=train, test=test)
        pd.testing.assert_frame_equal(X_tr.compute(), df.iloc[r_tr])
        pd.testing.assert_frame_equal(X_te.compute(), df.iloc[r_te])
        pd.testing.assert_series_equal(y_te.compute(), s.iloc[r_te])
    Xd = da.from_array(X, chunks=(-(-len(X) // n_blocks), 3))
    (train, test), *_ = fold_masks(KFold(3), Xd)
    a_tr, a_te = split_collection(Xd, train=train, test=test)
    assert np.array_equal(a_te.compute(), X[ref_kfold_first_test(len(X))])


def ref_kfold_first_test(n):
    return next(iter(skms.KFold(3).split(np.zeros((n, 1)))))[1]


def test_fold_masks_foreign_splitter_on_dask_and_numpy():
    X, y = _data()
    splitter = skms.ShuffleSplit(3, test_size=0.2, random_state=0)
    Xd = da.from_array(X, chunks=(25, 3))
    for (tr, te), (r_tr, r_te) in zip(
        fold_masks(splitter, Xd, da.from_array(y, chunks=25)), splitter.split(X, y), strict=True
    ):
        assert tr.chunks == Xd.chunks[:1]
        assert np.array_equal(np.flatnonzero(te.compute()), np.sort(r_te))
        assert np.array_equal(np.flatnonzero(tr.compute()), np.sort(r_tr))
    masks = fold_masks(splitter, X, y)
    assert np.array_equal(np.flatnonzero(masks[1][1]), np.sort(list(splitter.split(X))[1][1]))


def test_fold_labels_numpy_and_int():
    labels = fold_labels(3, np.zeros((7, 1)))
    assert labels.tolist() == [0, 0, 0, 1, 1, 2, 2]
    with pytest.raises(TypeError, match="fold_masks"):
        fold_labels(skms.ShuffleSplit(2), np.zeros((4, 1)))


def test_many_folds_use_wide_labels():
    labels = fold_labels(KFold(200), da.zeros((400, 1), chunks=(150, 1))).compute()
    assert labels.max() == 199 and np.bincount(labels).tolist() == [2] * 200


def test_check_cv():
    y_cls = np.array([0, 1] * 10)
    assert isinstance(check_cv(3, y_cls, classifier=True), StratifiedKFold)
    assert isinstance(check_cv(3, np.linspace(0, 1, 20), classifier=True), KFold)
    assert isinstance(check_cv(None, y_cls), KFold) and check_cv(None).n_splits == 5
    yd = da.from_array(y_cls, chunks=7)
    assert isinstance(check_cv(4, yd, classifier=True), StratifiedKFold)
    assert isinstance(
        check_cv(4, dd.from_pandas(pd.Series(y_cls), 2), classifier=True), StratifiedKFold
    )
    splitter = skms.GroupKFold(2)
    assert check_cv(splitter) is splitter
    wrapped = check_cv([(np.array([0, 1]), np.array([2]))])
    assert wrapped.get_n_splits() == 1


def test_usable_by_sklearn_cross_validation():
    X, y = _data(n=90)
    y = (y == 5).astype(int)
    ours = skms.cross_val_score(
        LogisticRegression(), X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0)
    )
    ref = skms.cross_val_score(
        LogisticRegression(), X, y, cv=skms.StratifiedKFold(3, shuffle=True, random_state=0)
    )
    assert np.array_equal(ours, ref)
    assert "shuffle=True" in repr(KFold(3, shuffle=True, random_state=0))


def test_errors():
    X, y = _data(n=10)
    Xd, yd = da.from_array(X, chunks=5), da.from_array(y, chunks=5)
    with pytest.raises(ValueError, match="n_splits=11 greater than the number of samples"):
        list(KFold(11).split(Xd))
    with pytest.raises(ValueError, match="Supported target types"):
        list(StratifiedKFold(2).split(Xd, da.from_array(np.linspace(0, 1, 10), chunks=5)))
    with pytest.raises(ValueError, match="cannot be greater than the number of members"):
        list(StratifiedKFold(9).split(Xd, da.from_array(np.arange(10) % 3, chunks=5)))
    with pytest.raises(ValueError, match="needs the class labels"):
        list(StratifiedKFold(2).split(Xd))
    with pytest.warns(UserWarning, match="least populated class"):
        list(StratifiedKFold(4).split(Xd, da.from_array(np.array([0] * 7 + [1] * 3), chunks=5)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        list(StratifiedKFold(2).split(Xd, yd[:8]))
