"""The model fit of a run: in-memory estimators on one worker after the size check."""

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask.base import is_dask_collection
from sklearn.linear_model import LogisticRegression

from engine.workflow._training import fit_model


def _lazy_frame(rows: int, columns: int, chunk: int):
    X = dd.from_dask_array(
        da.zeros((rows, columns), chunks=(chunk, columns)),
        columns=[f"x{i}" for i in range(columns)],
    )
    return X, dd.from_dask_array(da.zeros(rows, chunks=chunk, dtype=np.int64))


def test_in_memory_fit_runs_as_one_task_with_the_estimators_result():
    frame = pd.DataFrame({"x": np.r_[np.arange(20.0), np.arange(20.0)]})
    y = pd.Series(np.r_[np.zeros(20, int), np.ones(20, int)])
    X = dd.from_pandas(frame.assign(x=frame["x"] + 20 * y), npartitions=3)
    fit = fit_model(LogisticRegression(), X, dd.from_pandas(y, npartitions=3))
    assert is_dask_collection(fit)  # nothing fitted on the client
    expected = LogisticRegression().fit(X.compute(), y)
    np.testing.assert_array_equal(fit.compute().coef_, expected.coef_)


def test_in_memory_fit_too_large_for_a_worker_fails_before_fitting(cluster_client):
    # 12 million rows x 20 float64 columns, about 1.8 GiB: more than a 2 GiB worker takes
    # below its pause threshold. Only the partition lengths are computed.
    X, y = _lazy_frame(12_000_000, 20, 2_000_000)
    with pytest.raises(MemoryError) as info:
        fit_model(LogisticRegression(), X, y, cluster_client)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(
        "LogisticRegression trains in memory: the fit would gather the cleaned training part "
        "on one worker, about 1923 MiB, but worker tcp://127.0.0.1:"
    )
    assert "(memory_limit 2048 MiB)" in message


def test_dask_native_fit_needs_a_cluster():
    xgboost = pytest.importorskip("xgboost.dask")
    X, y = _lazy_frame(100, 2, 50)
    with pytest.raises(ValueError, match="model.estimator: DaskXGBClassifier trains across"):
        fit_model(xgboost.DaskXGBClassifier(), X, y)
