"""MetricFrame and disparity metrics vs fairlearn on NumPy, pandas and Dask."""

from __future__ import annotations

import functools

import dask
import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm

import engine.fairness as ef
import engine.metrics as em
from tests._passes import CountComputes
from tests.conftest import ROW_CHUNKINGS
from tests.metrics._helpers import as_dask


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m"], n)
    race = rng.choice(["a", "b", "c", "d", "e"], n)
    age = rng.integers(0, 3, n)
    t = rng.integers(0, 2, n)
    p = np.where(rng.random(n) < 0.25 + 0.2 * (sex == "m"), 1 - t, t)
    return t, p, sex, race, age, rng.random(n)


def _assert_frame_equal(ours, theirs):
    if isinstance(theirs, pd.Series | pd.DataFrame):
        assert type(ours) is type(theirs)
        if isinstance(theirs, pd.DataFrame):
            assert list(ours.columns) == list(theirs.columns)
        assert ours.index.equals(theirs.index)
        assert list(ours.index.names) == list(theirs.index.names)
        np.testing.assert_allclose(
            ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float), rtol=1e-12
        )
    else:
        np.testing.assert_allclose(float(ours), float(theirs), rtol=1e-12)


def _compare(ours: ef.MetricFrame, theirs: flm.MetricFrame):
    _assert_frame_equal(ours.overall, theirs.overall)
    _assert_frame_equal(ours.by_group, theirs.by_group)
    _assert_frame_equal(ours.group_min(), theirs.group_min())
    _assert_frame_equal(ours.group_max(), theirs.group_max())
    for method in ("between_groups", "to_overall"):
        _assert_frame_equal(ours.difference(method=method), theirs.difference(method=method))
        _assert_frame_equal(ours.ratio(method=method), theirs.ratio(method=method))


REFERENCE_METRICS = {  # fairlearn's and scikit-learn's own functions: the reference columns
    "selection_rate": flm.selection_rate,
    "tpr": flm.true_positive_rate,
    "fpr": flm.false_positive_rate,
    "count": flm.count,
    "accuracy": skm.accuracy_score,
    "recall": skm.recall_score,
    "f2": functools.partial(skm.fbeta_score, beta=2.0),
}
# The engine's MetricFrame takes the same callables, and the engine's own where it has them.
METRICS = {**REFERENCE_METRICS, "fpr": ef.false_positive_rate, "recall": em.recall_score}


@pytest.mark.parametrize("weighted", [False, True])
def test_dict_of_metrics_single_feature_numpy_and_dask(weighted):
    t, p, sex, race, age, w = _data()
    params = {k: {"sample_weight": w} for k in METRICS if k != "count"} if weighted else None
    theirs = flm.MetricFrame(
        metrics=REFERENCE_METRICS,
        y_true=t,
        y_pred=p,
        sensitive_features=pd.Series(race, name="race"),
        sample_params=params,
    )
    _compare(
        ef.MetricFrame(
            metrics=METRICS,
            y_true=t,
            y_pred=p,
            sensitive_features=pd.Series(race, name="race"),
            sample_params=params,
        ),
        theirs,
    )
    for n_blocks in ROW_CHUNKINGS:
        dparams = (
            {k: {"sample_weight": as_dask(w, n_blocks, "series")} for k in params}
            if weighted
            else None
        )
        ours = ef.MetricFrame(
            metrics=METRICS,
            y_true=as_dask(t, n_blocks, "series"),
            y_pred=as_dask(p, n_blocks, "series"),
            sensitive_features=as_dask(race, n_blocks, "series").rename("race"),
            sample_params=dparams,
        )
        _compare(ours, theirs)


def test_single_callable_and_intersections():
    t, p, sex, race, age, w = _data(seed=1)
    sf = pd.DataFrame({"sex": sex, "age": age})
    theirs = flm.MetricFrame(metrics=flm.selection_rate, y_true=t, y_pred=p, sensitive_features=sf)
    ours = ef.MetricFrame(metrics=ef.selection_rate, y_true=t, y_pred=p, sensitive_features=sf)
    _compare(ours, theirs)
    assert isinstance(ours.by_group.index, pd.MultiIndex)
    # dask arrays: 2-D numpy -> sensitive_feature_0/1 names
    sf2 = np.column_stack([age, (age * 7) % 2])
    theirs = flm.MetricFrame(
        metrics=flm.true_positive_rate, y_true=t, y_pred=p, sensitive_features=sf2
    )
    ours = ef.MetricFrame(
        metrics=ef.true_positive_rate,
        y_true=as_dask(t, 3),
        y_pred=as_dask(p, 3),
        sensitive_features=as_dask(sf2, 3),
    )
    _compare(ours, theirs)


def test_missing_intersection_is_nan_like_fairlearn():
    t = np.array([0, 1, 1, 0, 1, 0])
    p = np.array([0, 1, 0, 0, 1, 1])
    sf = {"a": ["x", "x", "y", "y", "y", "x"], "b": [0, 0, 0, 1, 1, 0]}
    theirs = flm.MetricFrame(metrics=flm.selection_rate, y_true=t, y_pred=p, sensitive_features=sf)
    ours = ef.MetricFrame(
        metrics=ef.selection_rate,
        y_true=as_dask(t, 2),
        y_pred=as_dask(p, 2),
        sensitive_features={k: as_dask(np.array(v, dtype=object), 2) for k, v in sf.items()},
    )
    _compare(ours, theirs)
    assert ours.by_group.isna().sum() == 1


def test_arbitrary_callable_in_memory_and_clear_error_on_dask():
    t, p, sex, race, age, w = _data(seed=2)

    def custom(y_true, y_pred):
        return float(np.mean(y_true) - np.mean(y_pred))

    theirs = flm.MetricFrame(
        metrics={"custom": custom, "sr": flm.selection_rate},
        y_true=t,
        y_pred=p,
        sensitive_features=sex,
    )
    ours = ef.MetricFrame(
        metrics={"custom": custom, "sr": flm.selection_rate},
        y_true=t,
        y_pred=p,
        sensitive_features=sex,
    )
    _compare(ours, theirs)
    with pytest.raises(
        NotImplementedError, match=r"\['custom'\] cannot be computed from grouped confusion"
    ):
        ef.MetricFrame(
            metrics={"custom": custom},
            y_true=as_dask(t, 3),
            y_pred=as_dask(p, 3),
            sensitive_features=as_dask(sex, 3),
        )


def test_non_scalar_metric_errors_like_fairlearn():
    t, p, sex, *_ = _data(seed=3)
    mf = ef.MetricFrame(metrics=skm.confusion_matrix, y_true=t, y_pred=p, sensitive_features=sex)
    ref = flm.MetricFrame(metrics=skm.confusion_matrix, y_true=t, y_pred=p, sensitive_features=sex)
    np.testing.assert_array_equal(mf.by_group["f"], ref.by_group["f"])
    with pytest.raises(ValueError, match="non-scalar cells"):
        mf.group_min()
    assert np.isnan(mf.difference())


DISPARITY = [
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
]


@pytest.mark.parametrize("name", DISPARITY)
@pytest.mark.parametrize("method", ["between_groups", "to_overall"])
def test_disparity_metrics_equal_fairlearn(name, method):
    t, p, sex, race, age, w = _data(seed=4)
    expected = getattr(flm, name)(t, p, sensitive_features=race, method=method, sample_weight=w)
    assert getattr(ef, name)(
        t, p, sensitive_features=race, method=method, sample_weight=w
    ) == pytest.approx(expected, rel=1e-12)
    got = getattr(ef, name)(
        as_dask(t, 7),
        as_dask(p, 7),
        sensitive_features=as_dask(race, 7),
        method=method,
        sample_weight=as_dask(w, 7),
    )
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("agg", ["worst_case", "mean"])
def test_equalized_odds_agg(agg):
    t, p, sex, race, *_ = _data(seed=5)
    for name in ("equalized_odds_difference", "equalized_odds_ratio"):
        assert getattr(ef, name)(t, p, sensitive_features=sex, agg=agg) == pytest.approx(
            getattr(flm, name)(t, p, sensitive_features=sex, agg=agg), rel=1e-12
        )
    with pytest.raises(ValueError, match="agg must be one of"):
        ef.equalized_odds_difference(t, p, sensitive_features=sex, agg="median")


def test_bad_input():
    t, p, sex, *_ = _data(n=50, seed=6)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ef.MetricFrame(metrics=ef.selection_rate, y_true=t, y_pred=p, sensitive_features=sex[:-1])
    with pytest.raises(ValueError, match="missing values"):
        ef.MetricFrame(
            metrics=ef.selection_rate,
            y_true=t,
            y_pred=p,
            sensitive_features=pd.Series(np.where(np.arange(50) == 3, None, sex), name="sex"),
        )
    with pytest.warns(UserWarning, match="'sensitive_feature_0' has a single group"):
        mf = ef.MetricFrame(
            metrics=ef.selection_rate, y_true=t, y_pred=p, sensitive_features=["g"] * 50
        )
    assert mf.difference() == 0.0
    with pytest.raises(ValueError, match="empty"):
        ef.MetricFrame(metrics=ef.selection_rate, y_true=[], y_pred=[], sensitive_features=[])
    with pytest.raises(ValueError, match="Detected duplicate feature name: 'a'"):
        ef.MetricFrame(
            metrics=ef.selection_rate,
            y_true=t,
            y_pred=p,
            sensitive_features=pd.DataFrame(np.column_stack([sex, sex]), columns=["a", "a"]),
        )


def test_one_grouped_pass_and_bit_identical_on_distributed(cluster_client):
    t, p, sex, race, age, w = _data(n=3000, seed=7)
    args = {
        "y_true": as_dask(t, 7),
        "y_pred": as_dask(p, 7),
        "sensitive_features": as_dask(race, 7),
    }
    metrics = {"sr": ef.selection_rate, "tpr": ef.true_positive_rate, "acc": em.accuracy_score}
    params = {k: {"sample_weight": as_dask(w, 7)} for k in metrics}
    with CountComputes() as computes:
        ref = ef.MetricFrame(metrics=metrics, sample_params=params, **args).by_group
    assert computes.n == 1
    with dask.config.set(scheduler=cluster_client.get):
        dist = ef.MetricFrame(metrics=metrics, sample_params=params, **args).by_group
    np.testing.assert_array_equal(ref.to_numpy(), dist.to_numpy())
