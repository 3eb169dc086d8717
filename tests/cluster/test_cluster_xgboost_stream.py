"""XGBoost's Dask estimators trained one partition at a time (engine.models._xgboost_stream).

* On the session cluster (``cluster_client``): the streamed trainer against
  ``xgboost.dask`` itself, on the 240-row frames of ``test_cluster_models``
  (integer features with 8 values: both sketches are exact, so the trees are
  the same). A search forced to stream (dask config ``engine.xgboost.stream``)
  gives the same scores and best iterations as the search through
  ``xgboost.dask`` (rtol=1e-12) and predicts the same probabilities; a direct
  regression fit predicts the same values up to float32 rounding of the leaf
  sums (XGBoost stores leaves in float32: rtol=1e-6).
* On two workers limited to ``SMALL_MEMORY_LIMIT`` (768 MiB; ``xgboost.dask``
  on data of half that limit gets them killed): a ``DaskXGBRegressor``
  searched on a Zarr store three times one worker's limit. The search switches
  to the streaming trainer by itself (its training part cannot fit), no worker
  exceeds its limit or restarts, and the test score equals the one of
  ``xgboost.XGBRegressor`` trained in memory on one block: the store holds
  copies of one block (``repeated_boosting_block``), which gives the same
  unregularised trees as the block alone.
"""

from __future__ import annotations

import os

import dask
import numpy as np
import pytest
from cluster_helpers import (
    SMALL_MEMORY_LIMIT,
    assert_workers_stayed_under,
    repeated_boosting_block,
)
from sklearn.metrics import r2_score
from test_cluster_models import _frame

from engine.data import read_table, write_table
from engine.model_selection import GridSearchCV

xgboost = pytest.importorskip("xgboost")
xgb_dask = pytest.importorskip("xgboost.dask")

from engine.models import StreamingDaskXGBClassifier, StreamingDaskXGBRegressor  # noqa: E402

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

XGB = {"max_depth": 2, "tree_method": "hist"}


def test_streamed_search_equals_xgboost_dask_search(cluster_client):
    X, y, Xd, yd = _frame("binary")
    make = lambda: xgb_dask.DaskXGBClassifier(**XGB, n_estimators=30, early_stopping_rounds=2)  # noqa: E731
    grid = {"learning_rate": [1.0]}
    with dask.config.set(scheduler=cluster_client):
        plain = GridSearchCV(make(), grid, cv=2).fit(Xd, yd)
        with dask.config.set({"engine.xgboost.stream": True}):
            streamed = GridSearchCV(make(), grid, cv=2).fit(Xd, yd)
    assert type(plain.best_estimator_.estimator_) is xgb_dask.DaskXGBClassifier
    assert type(streamed.best_estimator_.estimator_) is StreamingDaskXGBClassifier
    for key in ("split0_test_score", "split1_test_score"):
        np.testing.assert_allclose(streamed.cv_results_[key], plain.cv_results_[key], rtol=1e-12)
    for key in ("split0_best_iteration", "split1_best_iteration"):
        np.testing.assert_array_equal(streamed.cv_results_[key], plain.cv_results_[key])
    with cluster_client.as_current():
        expected = plain.predict_proba(Xd).compute()
        got = streamed.predict_proba(Xd).compute()
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-12)


def test_streamed_regressor_predicts_as_xgboost_dask(cluster_client):
    X, y, Xd, yd = _frame("regression", seed=3)
    with cluster_client.as_current():
        expected = xgb_dask.DaskXGBRegressor(**XGB, n_estimators=8).fit(Xd, yd).predict(Xd)
        model = StreamingDaskXGBRegressor(**XGB, n_estimators=8).fit(Xd, yd)
        got = model.predict(Xd)
        assert type(got) is type(expected)  # the same lazy kind: a dask Series
        np.testing.assert_allclose(got.compute(), expected.compute(), rtol=1e-6)
        assert list(model.feature_names_in_) == list(X.columns)
        with pytest.raises(TypeError, match="persisted"):
            StreamingDaskXGBRegressor(**XGB).fit(*cluster_client.persist([Xd, yd]))
        with pytest.raises(ValueError, match="sample_weight"):
            StreamingDaskXGBRegressor(**XGB).fit(Xd, yd, sample_weight=yd)


# XGBoost keeps tens of bytes per row in a worker's memory whatever streams (label,
# gradient pair, prediction cache, row index): with ~200 MiB of room per worker, data
# several times a worker's limit needs wide rows (64 float64 columns: 512 bytes)
N_FEATURES = 63
CHUNK_ROWS = 16_384  # 8 MiB blocks of features and target (float64)
N_BLOCKS = -(-int(3.05 * SMALL_MEMORY_LIMIT) // (CHUNK_ROWS * (N_FEATURES + 1) * 8))
N_TEST_BLOCKS = N_BLOCKS // 10


def test_search_beyond_worker_memory_streams(small_memory_cluster, tmp_path):
    cluster, client = small_memory_cluster
    source = dask.array.map_blocks(
        repeated_boosting_block,
        CHUNK_ROWS,
        N_FEATURES,
        chunks=((CHUNK_ROWS,) * N_BLOCKS, (N_FEATURES + 1,)),
        dtype=np.float64,
        meta=np.empty((0, 0)),
    )
    n_rows = N_BLOCKS * CHUNK_ROWS
    n_train = (N_BLOCKS - N_TEST_BLOCKS) * CHUNK_ROWS
    assert n_train * (N_FEATURES + 1) * 8 >= 2.5 * SMALL_MEMORY_LIMIT  # the training part alone
    params = {**XGB, "n_estimators": 2, "learning_rate": 1.0, "reg_lambda": 0.0}
    pids_before = client.run(os.getpid)
    with dask.config.set(scheduler=client):
        # written by the workers; the target in its own store: the search's fold plan
        # computes y alone on the client, without reading the features
        write_table(source[:, :N_FEATURES], tmp_path / "X.zarr")
        write_table(source[:, N_FEATURES], tmp_path / "y.zarr")
        X, y = read_table(tmp_path / "X.zarr"), read_table(tmp_path / "y.zarr")
        search = GridSearchCV(
            xgb_dask.DaskXGBRegressor(**params),
            {"max_bin": [256]},
            cv=[(np.arange(n_train), np.arange(n_train, n_rows))],
            refit=False,
        ).fit(X, y)

    assert_workers_stayed_under(cluster, client, pids_before, SMALL_MEMORY_LIMIT)

    block = repeated_boosting_block(CHUNK_ROWS, N_FEATURES)
    reference = xgboost.XGBRegressor(**params, n_jobs=1).fit(block[:, :-1], block[:, -1])
    expected = r2_score(block[:, -1], reference.predict(block[:, :-1]))
    np.testing.assert_allclose(search.cv_results_["split0_test_score"], [expected], rtol=1e-6)
