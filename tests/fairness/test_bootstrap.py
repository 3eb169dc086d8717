"""MetricFrame's bootstrap confidence intervals against fairlearn's on the same data and seed."""

import warnings

import dask.array as da
import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import recall_score

from engine.fairness import MetricFrame
from tests._passes import CountComputes, measured_passes
from tests.conftest import ROW_CHUNKINGS
from tests.fairness._diabetes import as_dask_columns, diabetes_frame


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 120
    features = pd.DataFrame({"g": rng.choice(["a", "b", "c"], n), "h": rng.choice(["x", "y"], n)})
    weights = rng.integers(1, 4, n).astype(float)
    return rng.integers(0, 2, n), rng.integers(0, 2, n), features, weights


def _both(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = MetricFrame(**kwargs)
        if isinstance(kwargs.get("random_state"), np.random.RandomState):
            kwargs["random_state"] = np.random.RandomState(1)  # the state was consumed
        return ours, flm.MetricFrame(**kwargs)


def _same(ours, ref):
    assert len(ours) == len(ref)
    for o, r in zip(ours, ref, strict=True):
        if np.isscalar(r):
            assert o == pytest.approx(r, rel=1e-12)
        else:
            pd.testing.assert_frame_equal(
                pd.DataFrame(o), pd.DataFrame(r), rtol=1e-12, check_names=False
            )


def _same_intervals(ours, ref):
    _same(ours.overall_ci, ref.overall_ci)
    _same(ours.by_group_ci, ref.by_group_ci)
    _same(ours.group_min_ci(), ref.group_min_ci())
    _same(ours.group_max_ci(), ref.group_max_ci())
    for method in ("between_groups", "to_overall"):
        _same(ours.difference_ci(method), ref.difference_ci(method))
        _same(ours.ratio_ci(method), ref.ratio_ci(method))


def test_intervals_equal_fairlearns(data):
    y_true, y_pred, features, weights = data
    ours, ref = _both(
        metrics={"rec": recall_score, "sel": flm.selection_rate},
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=features,
        sample_params={"rec": {"sample_weight": weights}},
        n_boot=6,
        ci_quantiles=[0.1, 0.5, 0.9],
        random_state=3,
    )
    _same_intervals(ours, ref)
    assert ours.n_boot == 6 and ours.ci_quantiles == [0.1, 0.5, 0.9]


def test_single_callable_and_random_state_object(data):
    y_true, y_pred, features, _ = data
    ours, ref = _both(
        metrics=recall_score,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=features["g"],
        n_boot=8,
        ci_quantiles=[0.25, 0.75],
        random_state=np.random.RandomState(1),
    )
    _same(ours.overall_ci, ref.overall_ci)
    _same(ours.by_group_ci, ref.by_group_ci)
    _same(ours.difference_ci(), ref.difference_ci())


def test_bootstrap_parameters_checked_as_fairlearn(data):
    y_true, y_pred, features, _ = data
    base = dict(metrics=recall_score, y_true=y_true, y_pred=y_pred, sensitive_features=features)
    for bad, message in (
        (dict(n_boot=5), "Must specify both n_boot and ci_quantiles"),
        (dict(ci_quantiles=[0.5]), "Must specify both n_boot and ci_quantiles"),
        (dict(n_boot=0, ci_quantiles=[0.5]), "n_boot be a positive integer"),
        (dict(n_boot=5, ci_quantiles=[1.5]), r"ci_quantiles be floats in \(0, 1\)"),
    ):
        for frame in (MetricFrame, flm.MetricFrame):
            with pytest.raises(ValueError, match=message):
                frame(**base, **bad)
    with pytest.raises(ValueError, match="were not specified"):
        MetricFrame(**base).difference_ci()


BOOT = dict(n_boot=5, ci_quantiles=[0.05, 0.5, 0.95], random_state=7)


@pytest.mark.parametrize("controls", [None, ["age"], ["age", "bmi"]])
def test_dask_intervals_equal_fairlearns_on_the_concatenated_rows(controls):
    data = diabetes_frame()
    metrics = {"rec": recall_score, "sel": flm.selection_rate, "n": flm.count}
    ours, ref = _both(
        metrics=metrics,
        y_true=data["y_true"],
        y_pred=data["y_pred"],
        sensitive_features=data["sex"],
        control_features=None if controls is None else data[controls],
        sample_params={"rec": {"sample_weight": data["w"]}},
        **BOOT,
    )
    _same_intervals(ours, ref)
    for n_blocks in ROW_CHUNKINGS:
        cols = as_dask_columns(data, n_blocks)
        with CountComputes() as computes, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = MetricFrame(
                metrics=metrics,
                y_true=cols["y_true"],
                y_pred=cols["y_pred"],
                sensitive_features=cols["sex"],
                control_features=None if controls is None else {n: cols[n] for n in controls},
                sample_params={"rec": {"sample_weight": cols["w"]}},
                **BOOT,
            )
        assert computes.n == 1  # one pass gathers every row's key combination
        _same_intervals(ours, ref)


def test_dask_arrays_and_a_random_state_object(data):
    y_true, y_pred, features, _ = data
    sf = features.to_numpy()
    _, ref = _both(
        metrics=flm.true_positive_rate,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=sf,
        n_boot=5,
        ci_quantiles=[0.5, 0.9],
        random_state=np.random.RandomState(1),
    )
    for n_blocks in ROW_CHUNKINGS:
        chunk = -(-len(y_true) // n_blocks)
        lazy_true = da.from_array(y_true, chunks=chunk)
        frames = []

        def run(lazy_true=lazy_true, chunk=chunk, frames=frames):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frames.append(
                    MetricFrame(
                        metrics=flm.true_positive_rate,
                        y_true=lazy_true,
                        y_pred=da.from_array(y_pred, chunks=chunk),
                        sensitive_features=da.from_array(sf, chunks=(chunk, 2)),
                        n_boot=5,
                        ci_quantiles=[0.5, 0.9],
                        random_state=np.random.RandomState(1),
                    )
                )

        assert measured_passes(run, lazy_true) == 1
        _same_intervals(frames[0], ref)
