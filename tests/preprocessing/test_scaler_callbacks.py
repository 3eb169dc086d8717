"""scikit-learn's callback API on StandardScaler: the same hooks as scikit-learn's own.

scikit-learn 1.9 gives ``StandardScaler`` callback support (one fit task); the
engine's calls the same hooks in the same order, and the ``fitted_estimator``
handed to ``on_fit_task_end`` transforms as the fitted scaler does.
"""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import sklearn.preprocessing as skp
from numpy.testing import assert_allclose
from sklearn.callback.tests._utils import RecordingCallback

from engine.preprocessing import StandardScaler


def _hooks(callback: RecordingCallback) -> list[str]:
    return [record["name"] for record in callback.record]


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("weighted", [False, True])
def test_hooks_as_scikit_learns_standard_scaler(method, weighted):
    X = np.random.default_rng(0).random((40, 3))
    weights = np.arange(1.0, 41.0) if weighted else None
    ours, theirs = RecordingCallback(), RecordingCallback()
    scaler = getattr(StandardScaler().set_callbacks(ours), method)(X, sample_weight=weights)
    reference = getattr(skp.StandardScaler().set_callbacks(theirs), method)(
        X, sample_weight=weights
    )

    assert _hooks(ours) == _hooks(theirs)
    assert _hooks(ours) == ["setup", "on_fit_task_begin", "on_fit_task_end", "teardown"]
    begin = next(r for r in ours.record if r["name"] == "on_fit_task_begin")
    assert begin["kwargs"]["metadata"]["sample_weight"] is weights
    end = next(r for r in ours.record if r["name"] == "on_fit_task_end")
    assert_allclose(end["kwargs"]["fitted_estimator"].transform(X), scaler.transform(X))
    assert_allclose(scaler.transform(X), reference.transform(X), rtol=1e-12)


def test_dask_input_is_one_task_and_stays_lazy_for_the_callback():
    X = np.random.default_rng(1).random((60, 2))
    callback = RecordingCallback()
    scaler = StandardScaler().set_callbacks(callback).fit(da.from_array(X, chunks=25))
    begin = next(r for r in callback.record if r["name"] == "on_fit_task_begin")
    assert isinstance(begin["kwargs"]["X"], da.Array)
    assert _hooks(callback).count("on_fit_task_end") == 1
    assert_allclose(scaler.mean_, X.mean(axis=0), rtol=1e-12)


def test_teardown_runs_when_the_fit_fails():
    callback = RecordingCallback()
    with pytest.raises(ValueError, match="inf"):
        StandardScaler().set_callbacks(callback).fit(np.array([[1.0], [np.inf]]))
    assert _hooks(callback)[-1] == "teardown"


def test_set_callbacks_refuses_what_is_not_a_callback():
    with pytest.raises(TypeError, match="FitCallback protocol"):
        StandardScaler().set_callbacks(object())
