"""RandomOverSampler / RandomUnderSampler: imbalanced-learn's counts, NumPy == Dask, pipelines."""

from __future__ import annotations

from collections import Counter

import dask
import dask.array as da
import dask.dataframe as dd
import imblearn.over_sampling as imb_over
import imblearn.under_sampling as imb_under
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from imblearn.pipeline import make_pipeline
from sklearn.base import clone
from sklearn.dummy import DummyClassifier

from engine.preprocessing._resampling import RandomOverSampler, RandomUnderSampler
from engine.stats import _draws
from tests._passes import watched_array
from tests.conftest import ROW_CHUNKINGS

OVER_STRATEGIES = ["auto", "minority", "not minority", "not majority", "all", {0: 170, 3: 60}]
UNDER_STRATEGIES = ["auto", "majority", "not minority", "not majority", "all", {0: 12, 2: 30}]


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.choice(4, n, p=[0.5, 0.25, 0.15, 0.1])
    return rng.normal(size=(n, 2)), y


def _counts(y):
    return Counter(np.asarray(y).tolist())


@pytest.fixture(params=[None, 16], ids=["draw-65536", "draw-16"])
def draw_rows(request, monkeypatch):
    if request.param is not None:
        monkeypatch.setattr(_draws, "ROWS_PER_DRAW", request.param)


@pytest.mark.parametrize("strategy", OVER_STRATEGIES, ids=str)
def test_over_counts_equal_imblearn(strategy):
    X, y = _data()
    X_res, y_res = RandomOverSampler(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    _, y_ref = imb_over.RandomOverSampler(sampling_strategy=strategy, random_state=0).fit_resample(
        X, y
    )
    assert _counts(y_res) == _counts(y_ref)
    assert np.array_equal(X_res[: len(X)], X)  # the input comes first, unchanged
    rows = {tuple(r) for r in X}
    assert all(tuple(r) in rows for r in X_res[len(X) :])


@pytest.mark.parametrize("strategy", UNDER_STRATEGIES, ids=str)
@pytest.mark.parametrize("replacement", [False, True])
def test_under_counts_equal_imblearn(strategy, replacement):
    X, y = _data()
    ours = RandomUnderSampler(sampling_strategy=strategy, random_state=0, replacement=replacement)
    X_res, y_res = ours.fit_resample(X, y)
    _, y_ref = imb_under.RandomUnderSampler(
        sampling_strategy=strategy, random_state=0, replacement=replacement
    ).fit_resample(X, y)
    assert _counts(y_res) == _counts(y_ref)
    assert np.array_equal(X_res, X[ours.sample_indices_])
    assert np.array_equal(y_res, y[ours.sample_indices_])
    if not replacement:
        assert np.all(np.diff(ours.sample_indices_) > 0)  # input order kept, no duplicates


@pytest.mark.parametrize("ratio", [0.3, 0.6, 1.0])
def test_float_ratio_binary(ratio):
    X, y = _data()
    yb = (y == 3).astype(int)
    for ours, ref in [
        (RandomOverSampler, imb_over.RandomOverSampler),
        (RandomUnderSampler, imb_under.RandomUnderSampler),
    ]:
        got = ours(sampling_strategy=ratio, random_state=1).fit_resample(X, yb)[1]
        want = ref(sampling_strategy=ratio, random_state=1).fit_resample(X, yb)[1]
        assert _counts(got) == _counts(want)


@given(seed=st.integers(0, 50), n=st.integers(8, 120))
def test_property_counts_equal_imblearn(seed, n):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    if len(np.unique(y)) < 2:
        return
    X = np.arange(n, dtype=float)[:, None]
    for ours, ref in [
        (RandomOverSampler, imb_over.RandomOverSampler),
        (RandomUnderSampler, imb_under.RandomUnderSampler),
    ]:
        got = ours(sampling_strategy="all", random_state=seed).fit_resample(X, y)[1]
        want = ref(sampling_strategy="all", random_state=seed).fit_resample(X, y)[1]
        assert _counts(got) == _counts(want)


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
@pytest.mark.parametrize(
    "sampler",
    [
        RandomOverSampler(random_state=3),
        RandomUnderSampler(random_state=3),
        RandomUnderSampler(random_state=3, replacement=True),
    ],
    ids=["over", "under", "under-replacement"],
)
def test_numpy_equals_dask(sampler, n_blocks, draw_rows):
    X, y = _data()
    ref = clone(sampler).fit_resample(X, y)
    c = -(-len(y) // n_blocks)
    out = clone(sampler).fit_resample(da.from_array(X, chunks=(c, 2)), da.from_array(y, chunks=c))
    assert not np.isnan(out[0].shape[0])  # known sizes
    got = dask.compute(*out, scheduler="sync")
    for a, b, lazy in zip(ref, got, out, strict=True):
        assert np.array_equal(a, b) and lazy.shape == b.shape


@pytest.mark.parametrize(
    "sampler",
    [RandomOverSampler(random_state=5), RandomUnderSampler(random_state=5)],
    ids=["over", "under"],
)
def test_pandas_equals_dask_dataframe(sampler):
    X, y = _data()
    df = pd.DataFrame(X, columns=["a", "b"])
    s = pd.Series(y, name="target")
    ref_X, ref_y = clone(sampler).fit_resample(df, s)
    out_X, out_y = clone(sampler).fit_resample(
        dd.from_pandas(df, npartitions=3), dd.from_pandas(s, npartitions=3)
    )
    pd.testing.assert_frame_equal(out_X.compute(), ref_X)
    pd.testing.assert_series_equal(out_y.compute(), ref_y)
    assert list(ref_X.columns) == ["a", "b"] and ref_y.name == "target"
    np_X, _ = clone(sampler).fit_resample(X, y)
    assert np.array_equal(ref_X.to_numpy(), np_X)


@pytest.mark.cluster
def test_distributed_equals_numpy(cluster_client):
    X, y = _data()
    ref = RandomOverSampler(random_state=2).fit_resample(X, y)
    out = RandomOverSampler(random_state=2).fit_resample(
        da.from_array(X, chunks=(70, 2)), da.from_array(y, chunks=70)
    )
    for a, b in zip(ref, cluster_client.compute(list(out), sync=True), strict=True):
        assert np.array_equal(a, b)


def test_dask_resampling_does_not_compute_X():
    X, y = _data()
    Xd, calls = watched_array(X, (100, 2))
    X_res, _ = RandomUnderSampler(random_state=0).fit_resample(Xd, da.from_array(y, chunks=100))
    assert calls == []
    X_res.compute()
    assert len(calls) == 3


def test_seeded_and_uniform():
    X, y = _data()
    a = RandomUnderSampler(random_state=1).fit_resample(X, y)[0]
    b = RandomUnderSampler(random_state=1).fit_resample(X, y)[0]
    c = RandomUnderSampler(random_state=2).fit_resample(X, y)[0]
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    y = np.array([0] * 10 + [1] * 2)
    hits = np.zeros(10)
    reps = 400
    rows = np.arange(12).reshape(-1, 1)  # X is 2-D, as imbalanced-learn requires
    for seed in range(reps):
        hits[RandomUnderSampler(random_state=seed).fit_resample(rows, y)[0][:-2, 0]] += 1
    assert np.all(np.abs(hits / reps - 0.2) < 5 * np.sqrt(0.2 * 0.8 / reps))


def test_imblearn_pipeline_resamples_at_fit_only():
    X, y = _data()
    y = (y == 0).astype(int)
    pipe = make_pipeline(RandomUnderSampler(random_state=0), DummyClassifier(strategy="prior"))
    pipe.fit(X, y)
    assert np.allclose(pipe[-1].class_prior_, [0.5, 0.5])  # the classifier saw balanced data
    assert len(pipe.predict(X)) == len(X)  # predict does not resample
    over = make_pipeline(RandomOverSampler(random_state=0), DummyClassifier(strategy="prior"))
    over.fit(X, y)
    assert np.allclose(over[-1].class_prior_, [0.5, 0.5])
    assert over.predict_proba(X).shape == (len(X), 2)


def test_fit_sets_strategy_and_params_roundtrip():
    X, y = _data()
    sampler = RandomOverSampler(sampling_strategy={3: 100}, random_state=0).fit(X, y)
    assert sampler.sampling_strategy_ == {3: 100 - int(np.sum(y == 3))}
    assert sampler.n_features_in_ == 2
    assert clone(sampler).get_params() == {"sampling_strategy": {3: 100}, "random_state": 0}
    string_y = np.array(["a", "b", "b", "b"])
    _, y_res = RandomOverSampler(random_state=0).fit_resample(np.zeros((4, 1)), string_y)
    assert _counts(y_res) == {"a": 3, "b": 3}


def test_errors():
    X, y = _data()
    with pytest.raises(ValueError, match=r"\{7\} target class is/are not present"):
        RandomOverSampler(sampling_strategy={7: 10}).fit_resample(X, y)
    with pytest.raises(ValueError, match="greater or equal to the original"):
        RandomOverSampler(sampling_strategy={0: 1}).fit_resample(X, y)
    with pytest.raises(ValueError, match="less or equal to the original"):
        RandomUnderSampler(sampling_strategy={1: 10_000}).fit_resample(X, y)
    with pytest.raises(ValueError, match="cannot be negative"):
        RandomUnderSampler(sampling_strategy={1: -1}).fit_resample(X, y)
    with pytest.raises(ValueError, match="float only when the type of target is binary"):
        RandomOverSampler(sampling_strategy=0.5).fit_resample(X, y)
    with pytest.raises(ValueError, match="'sampling_strategy' parameter"):
        RandomOverSampler(sampling_strategy="most").fit_resample(X, y)
    with pytest.raises(ValueError, match="'sampling_strategy' parameter"):
        RandomUnderSampler(sampling_strategy=1.5).fit_resample(X, y)
    # as imbalanced-learn: each sampler's strategy strings are part of its constraint
    with pytest.raises(ValueError, match="'sampling_strategy' parameter of RandomOverSampler"):
        RandomOverSampler(sampling_strategy="majority").fit_resample(X, y)
    with pytest.raises(ValueError, match="'sampling_strategy' parameter of RandomUnderSampler"):
        RandomUnderSampler(sampling_strategy="minority").fit_resample(X, y)
    with pytest.raises(ValueError, match="more than 1 class"):
        RandomUnderSampler().fit_resample(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="binary or multiclass"):
        RandomUnderSampler().fit_resample(X, np.linspace(0, 1, len(X)))
    with pytest.raises(ValueError, match=r"X=300, y=299"):
        RandomUnderSampler().fit_resample(X, y[:-1])
    with pytest.raises(ValueError, match="Expected 2D array, got 1D"):
        RandomUnderSampler().fit_resample(np.arange(len(y)), y)
    with pytest.raises(ValueError, match="0 sample"):
        RandomUnderSampler().fit_resample(X[:0], y[:0])
    with pytest.raises(ValueError, match="requires y to be passed"):
        RandomUnderSampler().fit_resample(X, None)
    with pytest.raises(ValueError, match="'random_state' parameter"):
        RandomUnderSampler(random_state=-1).fit_resample(X, y)


def test_deterministic_tokens():
    from dask.base import tokenize

    a, b = RandomOverSampler(random_state=0), RandomOverSampler(random_state=0)
    assert tokenize(a) == tokenize(b) != tokenize(RandomOverSampler(random_state=1))
    X, y = _data()
    assert tokenize(a.fit(X, y)) != tokenize(b)
