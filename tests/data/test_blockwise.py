"""call_blockwise and align_columns: lazy, one task per block, the input's kind, bit-identical."""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from engine.data import align_columns, call_blockwise
from tests.conftest import ROW_CHUNKINGS
from tests.preprocessing._cases import CountComputes

COLUMNS = ["a", "b", "c", "d"]
N_ROWS = 84  # 1, 3 and 7 blocks of a multiple of 4 rows (see call_blockwise)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.standard_normal((N_ROWS, 4)), columns=COLUMNS)
    X.index = pd.RangeIndex(1000, 1000 + N_ROWS)
    code = (X["a"] + X["b"] > 0).to_numpy(int) + (X["c"] > 0.5).to_numpy(int)
    labels = np.array(["cat", "dog", "eel"])[code]
    return X, labels


@pytest.fixture(scope="module")
def models(data):
    X, labels = data
    return {
        "multiclass": LogisticRegression().fit(X, labels),
        "binary": LogisticRegression().fit(X, labels == "dog"),
        "regression": LinearRegression().fit(X, X["a"] * 2 - X["d"]),
        "transformer": StandardScaler().fit(X),
    }


CASES = [
    ("multiclass", "predict"),
    ("multiclass", "predict_proba"),
    ("multiclass", "predict_log_proba"),
    ("multiclass", "decision_function"),
    ("binary", "predict_proba"),
    ("binary", "decision_function"),
    ("regression", "predict"),
    ("transformer", "transform"),
]


def _n_tasks(out) -> int:
    return sum(1 for key in out.__dask_graph__() if key[0] == out._name)


def _expected(models, model, method, concatenated):
    """The in-memory method on the concatenated rows, with one BLAS thread (as every block runs).

    The same memory layout matters: a pandas frame's values are column-major, a
    computed dask array row-major, and BLAS rounds them differently.
    """
    with threadpool_limits(1):
        return np.asarray(getattr(models[model], method)(concatenated))


@pytest.mark.parametrize("model,method", CASES)
@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_dask_dataframe_keeps_index_divisions_and_labels(data, models, model, method, n_blocks):
    X = dd.from_pandas(data[0], npartitions=n_blocks)
    with CountComputes() as counter:
        out = call_blockwise(models[model], method, X)
    assert counter.n == 0  # nothing read until asked
    assert out.npartitions == X.npartitions and out.divisions == X.divisions
    assert _n_tasks(out) == n_blocks  # one task per block
    expected = _expected(models, model, method, X.compute())
    got = out.compute()
    pd.testing.assert_index_equal(got.index, data[0].index)
    np.testing.assert_array_equal(got.to_numpy(), expected)  # bit for bit
    if expected.dtype.kind == "f":
        assert np.all(got.dtypes == expected.dtype) if expected.ndim == 2 else got.dtype == "f8"
    if expected.ndim == 2 and method != "transform":
        assert list(got.columns) == list(models[model].classes_)
    if method == "transform":
        assert list(got.columns) == COLUMNS
    assert isinstance(got, pd.Series if expected.ndim == 1 else pd.DataFrame)


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.parametrize("model,method", CASES)
@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_dask_array_and_xarray(data, models, model, method, n_blocks):
    values = data[0].to_numpy()
    X = da.from_array(values, chunks=(-(-N_ROWS // n_blocks), 2))  # columns split too
    out = call_blockwise(models[model], method, X)
    expected = _expected(models, model, method, X.compute())
    assert isinstance(out, da.Array) and out.numblocks[0] == n_blocks == _n_tasks(out)
    assert out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_array_equal(out.compute(), expected, strict=True)
    arr = xr.DataArray(
        X, dims=("row", "feature"), coords={"row": data[0].index, "feature": COLUMNS}
    )
    labelled = call_blockwise(models[model], method, arr)
    assert isinstance(labelled.data, da.Array)
    np.testing.assert_array_equal(labelled.values, expected, strict=True)
    np.testing.assert_array_equal(labelled.coords["row"].values, data[0].index)
    in_memory = call_blockwise(models[model], method, arr.compute())
    np.testing.assert_array_equal(in_memory.values, expected, strict=True)


@pytest.mark.parametrize("rows_per_block", [13, 30])
def test_blocks_not_a_multiple_of_4_rows_differ_at_most_in_the_last_bits(
    data, models, rows_per_block
):
    X = da.from_array(data[0].to_numpy(), chunks=(rows_per_block, 4))
    out = call_blockwise(models["binary"], "predict_proba", X)
    expected = _expected(models, "binary", "predict_proba", X.compute())
    np.testing.assert_allclose(out.compute(), expected, rtol=4 * np.finfo(float).eps, atol=0)


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_same_values_on_every_local_scheduler(data, models, scheduler):
    X = dd.from_pandas(data[0], npartitions=3)
    out = call_blockwise(models["multiclass"], "predict_proba", X)
    with dask.config.set(scheduler=scheduler):
        got = out.compute()
    expected = _expected(models, "multiclass", "predict_proba", X.compute()[COLUMNS])
    np.testing.assert_array_equal(got.to_numpy(), expected)


@pytest.mark.cluster
def test_bit_identical_on_a_real_cluster(data, models, cluster_client):
    X = dd.from_pandas(data[0][["d", "b", "a", "c"]], npartitions=3)
    out = call_blockwise(models["multiclass"], "predict_proba", X)
    got = cluster_client.compute(out).result()
    expected = _expected(models, "multiclass", "predict_proba", X.compute()[COLUMNS])
    np.testing.assert_array_equal(got.to_numpy(), expected)


@pytest.mark.parametrize("lazy", [False, True])
def test_columns_matched_by_name(data, models, lazy):
    X, _ = data
    model = models["multiclass"]
    shuffled = X[["c", "a", "d", "b"]]
    source = dd.from_pandas(shuffled, npartitions=3) if lazy else shuffled
    got = call_blockwise(model, "predict", source)
    np.testing.assert_array_equal(np.asarray(got), model.predict(X))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['c'\]"):
        call_blockwise(model, "predict", source.drop(columns="c"))
    extra = source.assign(e=1.0)
    with pytest.raises(ValueError, match=r"column\(s\) \['e'\] not seen at fit"):
        call_blockwise(model, "predict", extra)


def test_xarray_columns_matched_by_coordinate(data, models):
    X, _ = data
    arr = xr.DataArray(X[["b", "a", "d", "c"]].to_numpy(), dims=("row", "col"))
    arr = arr.assign_coords(col=["b", "a", "d", "c"]).chunk({"row": 30})
    got = call_blockwise(models["multiclass"], "predict", arr)
    np.testing.assert_array_equal(got.values, models["multiclass"].predict(X))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['c'\]"):
        call_blockwise(models["multiclass"], "predict", arr.isel(col=[0, 1, 2]))


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_unnamed_input_checked_for_its_width(data, models):
    X = da.zeros((10, 3), chunks=5)
    with pytest.raises(
        ValueError, match="X has 3 features, but LogisticRegression is expecting 4 features"
    ):
        call_blockwise(models["multiclass"], "predict", X)
    with pytest.raises(ValueError, match="X has 3 features"):
        align_columns(np.zeros((2, 3)), None, 4)


def test_same_keys_for_the_same_call(data, models):
    X = dd.from_pandas(data[0], npartitions=3)
    first = call_blockwise(models["multiclass"], "predict_proba", X)
    again = call_blockwise(models["multiclass"], "predict_proba", X)
    other = call_blockwise(models["binary"], "predict_proba", X)
    assert first._name == again._name != other._name
