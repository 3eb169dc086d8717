"""engine.stats.profile: pandas describe's numbers, exact quartiles, one compute for Dask."""

from __future__ import annotations

import warnings

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask.delayed import Delayed

from engine.stats import profile
from tests._passes import CountComputes
from tests.conftest import ROW_CHUNKINGS


def _frame(n=1500, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.standard_normal(n) * 10 + 3,
            np.round(rng.uniform(0, 9, n)),
            np.full(n, -2.0),
            rng.standard_exponential(n),
        ]
    )
    X[rng.random(X.shape) < 0.04] = np.nan
    return pd.DataFrame(X, columns=["a", "b", "c", "d"])


def _check_against_pandas(result: pd.DataFrame, frame: pd.DataFrame) -> None:
    described = frame.describe().T
    assert list(result.index) == list(frame.columns)
    np.testing.assert_array_equal(result["missing"], frame.isna().sum().to_numpy())
    for column in ["count", "min", "max"]:
        np.testing.assert_array_equal(result[column], described[column])
    for column in ["mean", "std"]:
        np.testing.assert_allclose(result[column], described[column], rtol=1e-12, atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        quartiles = np.nanquantile(frame.to_numpy(), [0.25, 0.5, 0.75], axis=0)
    for i, column in enumerate(["25%", "50%", "75%"]):
        assert np.array_equal(
            result[column].to_numpy().view(np.uint64), quartiles[i].view(np.uint64)
        )


def test_numpy_and_pandas_match_describe():
    frame = _frame()
    _check_against_pandas(profile(frame), frame)
    by_numpy = profile(frame.to_numpy())
    assert list(by_numpy.index) == ["x0", "x1", "x2", "x3"]
    _check_against_pandas(by_numpy.set_axis(frame.columns), frame)


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_dask_inputs_one_compute(n_blocks):
    frame = _frame(900)

    lazy = profile(dd.from_pandas(frame, npartitions=n_blocks), compute=False)
    assert isinstance(lazy, Delayed)
    with CountComputes() as counter:
        result = lazy.compute()
    assert counter.n == 1
    _check_against_pandas(result, frame)
    chunk = -(-len(frame) // n_blocks)
    by_array = profile(da.from_array(frame.to_numpy(), chunks=(chunk, 4)))
    _check_against_pandas(by_array.set_axis(frame.columns), frame)


def test_inf_and_all_nan_column_like_pandas():
    frame = _frame(200)
    frame.loc[3, "a"] = np.inf
    frame.loc[4, "d"] = -np.inf
    frame["e"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = profile(frame)
        described = frame.describe().T
    for column in ["count", "mean", "min", "max"]:
        np.testing.assert_array_equal(result[column], described[column])
    assert np.isnan(result.loc["a", "std"]) and np.isnan(result.loc["e", "std"])
    assert result.loc["e", "missing"] == 200


def test_schedulers_bit_identical(cluster_client):
    frame = _frame(1200, seed=2)
    lazy = profile(da.from_array(frame.to_numpy(), chunks=(200, 4)), compute=False)
    sync = lazy.compute(scheduler="sync")
    threads = lazy.compute(scheduler="threads")
    distributed = cluster_client.compute(lazy).result()
    pd.testing.assert_frame_equal(sync, threads, check_exact=True)
    pd.testing.assert_frame_equal(sync, distributed, check_exact=True)


def test_bad_input():
    with pytest.raises(ValueError, match="0 sample"):
        profile(np.empty((0, 2)))
    with pytest.raises(TypeError, match="'s'"):
        profile(pd.DataFrame({"x": [1.0], "s": ["a"]}))
    assert dask.is_dask_collection(profile(da.ones((10, 2), chunks=5), compute=False))
