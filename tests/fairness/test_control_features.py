"""MetricFrame(control_features=...) against fairlearn's on real data, in memory and on Dask."""

from __future__ import annotations

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm

import engine.fairness as ef
from tests._passes import CountComputes
from tests.conftest import ROW_CHUNKINGS
from tests.fairness._diabetes import as_dask_columns, diabetes_frame

COUNTED = {  # computed from grouped confusion counts (the only kind Dask input takes)
    "selection_rate": flm.selection_rate,
    "recall": skm.recall_score,
    "accuracy": skm.accuracy_score,
    "count": flm.count,
}
WEIGHTED = {"recall": skm.recall_score, "accuracy": skm.accuracy_score}
CONTROLS = {"age": ["age"], "age and bmi": ["age", "bmi"]}


def _assert_same(ours, theirs):
    """Same type, index, columns and values (rtol 1e-12) as fairlearn's result."""
    if not isinstance(theirs, pd.Series | pd.DataFrame):
        np.testing.assert_allclose(float(ours), float(theirs), rtol=1e-12)
        return
    assert type(ours) is type(theirs)
    assert ours.index.equals(theirs.index)
    assert list(ours.index.names) == list(theirs.index.names)
    if isinstance(theirs, pd.DataFrame):
        assert list(ours.columns) == list(theirs.columns)
    np.testing.assert_allclose(ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float), rtol=1e-12)


def _compare(ours: ef.MetricFrame, theirs: flm.MetricFrame):
    assert ours.control_levels == theirs.control_levels
    assert ours.sensitive_levels == theirs.sensitive_levels
    _assert_same(ours.overall, theirs.overall)
    _assert_same(ours.by_group, theirs.by_group)
    for errors in ("raise", "coerce"):
        _assert_same(ours.group_min(errors), theirs.group_min(errors))
        _assert_same(ours.group_max(errors), theirs.group_max(errors))
    for method in ("between_groups", "to_overall"):
        _assert_same(ours.difference(method), theirs.difference(method))
        _assert_same(ours.ratio(method), theirs.ratio(method))


def _weights(metrics, w):
    return {name: {"sample_weight": w} for name in WEIGHTED if name in metrics}


@pytest.mark.parametrize("controls", list(CONTROLS))
@pytest.mark.parametrize("single", [False, True], ids=["dict", "callable"])
def test_control_features_equal_fairlearn_in_memory_and_dask(controls, single):
    data = diabetes_frame()
    names = CONTROLS[controls]
    metrics = skm.recall_score if single else COUNTED
    params = {"sample_weight": data["w"]} if single else _weights(COUNTED, data["w"])
    kwargs = dict(metrics=metrics, y_true=data["y_true"], y_pred=data["y_pred"])
    features = dict(sensitive_features=data["sex"], control_features=data[names])
    theirs = flm.MetricFrame(**kwargs, **features, sample_params=params)
    _compare(ef.MetricFrame(**kwargs, **features, sample_params=params), theirs)
    for n_blocks in ROW_CHUNKINGS:
        cols = as_dask_columns(data, n_blocks)
        w = {"sample_weight": cols["w"]} if single else _weights(COUNTED, cols["w"])
        controls_dask = cols[names[0]] if len(names) == 1 else {n: cols[n] for n in names}
        with CountComputes() as computes:
            ours = ef.MetricFrame(
                metrics=metrics,
                y_true=cols["y_true"],
                y_pred=cols["y_pred"],
                sensitive_features=cols["sex"],
                control_features=controls_dask,
                sample_params=w,
            )
        assert computes.n == 1
        _compare(ours, theirs)


def test_control_features_with_any_callable_and_missing_combinations():
    data = diabetes_frame()
    rows = ~((data["age"] == "<40") & (data["sex"] == "m") & (data["bmi"] == "high"))
    data = data[rows].reset_index(drop=True)  # one (age, sex, bmi) cell left empty

    def gap(y_true, y_pred):  # no grouped-count form: evaluated on each group's rows
        return float(np.mean(y_true) - np.mean(y_pred))

    kwargs = dict(
        metrics={"gap": gap, "mae": skm.mean_absolute_error, "sel": flm.selection_rate},
        y_true=data["y_true"].to_numpy(),
        y_pred=data["y_pred"].to_numpy(),
        sensitive_features=data[["sex", "bmi"]],
        control_features=data["age"].to_numpy(),
    )
    theirs = flm.MetricFrame(**kwargs)
    ours = ef.MetricFrame(**kwargs)
    _compare(ours, theirs)
    assert ours.control_levels == ["control_feature_0"]
    assert ours.by_group.isna().all(axis=1).sum() == 1


def test_control_feature_names_checked_as_fairlearn():
    data = diabetes_frame()
    kwargs = dict(metrics=flm.selection_rate, y_true=data["y_true"], y_pred=data["y_pred"])
    for frame in (ef.MetricFrame, flm.MetricFrame):
        with pytest.raises(ValueError, match="Detected duplicate feature name: 'sex'"):
            frame(**kwargs, sensitive_features=data["sex"], control_features=data[["sex"]])
        with pytest.raises(ValueError, match="inconsistent numbers of samples"):
            frame(**kwargs, sensitive_features=data["sex"], control_features=data["age"][:10])
    assert ef.MetricFrame(**kwargs, sensitive_features=data["sex"]).control_levels is None
