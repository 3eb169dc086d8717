"""engine.data.Table: one implementation per input kind, results back in the input's kind."""

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from engine.data import as_table, is_lazy


def _double(block):
    return block * 2.0


@pytest.mark.parametrize("chunks", [1, 3, 7])
def test_apply_blockwise_keeps_kind_and_chunks(chunks):
    x = np.arange(42.0).reshape(21, 2)
    frame = pd.DataFrame(x, columns=["a", "b"], index=np.arange(100, 121))
    cases = {
        "numpy": x,
        "pandas": frame,
        "dask_array": da.from_array(x, chunks=(max(1, 21 // chunks), 2)),
        "dask_dataframe": dd.from_pandas(frame, npartitions=chunks),
        "xarray": xr.DataArray(x, dims=("row", "col"), coords={"col": ["a", "b"]}),
    }
    for kind, value in cases.items():
        table = as_table(value)
        assert table.kind == kind
        out = table.apply_blockwise(_double, ["a2", "b2"])
        assert type(out) is type(value)
        if kind == "dask_array":
            assert out.chunks[0] == value.chunks[0]
            out = out.compute()
        if kind == "dask_dataframe":
            assert out.npartitions == value.npartitions
            out = out.compute()
        if kind in ("pandas", "dask_dataframe"):
            assert list(out.columns) == ["a2", "b2"]
            assert list(out.index) == list(frame.index)
        np.testing.assert_array_equal(np.asarray(out), 2 * x)


def test_non_numeric_column_is_named():
    frame = pd.DataFrame({"a": [1.0, 2.0], "city": ["x", "y"]})
    with pytest.raises(TypeError, match="'city'"):
        as_table(frame)
    with pytest.raises(TypeError, match="'city'"):
        as_table(dd.from_pandas(frame, npartitions=1))


def test_unsupported_input_type():
    with pytest.raises(TypeError, match="unsupported input type"):
        as_table({"a": 1})


def test_drop_rows_keeps_pandas_index():
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0]}, index=[10, 11, 12])

    def drop_nan(block):
        keep = ~np.isnan(block).any(axis=1)
        return block[keep], keep

    out = as_table(frame).apply_blockwise(drop_nan, ["a"], drops_rows=True)
    assert list(out.index) == [10, 12]


def _cases(x: np.ndarray, chunks: int) -> dict:
    frame = pd.DataFrame(x, columns=["a", "b"], index=np.arange(100, 100 + len(x)))
    rows = max(1, -(-len(x) // chunks))
    return {
        "numpy": x,
        "pandas": frame,
        "dask_array": da.from_array(x, chunks=(rows, 2)),
        "dask_dataframe": dd.from_pandas(frame, npartitions=chunks),
        "xarray": xr.DataArray(
            x, dims=("row", "col"), coords={"col": ["a", "b"], "row": frame.index}
        ),
        "xarray_dask": xr.DataArray(
            da.from_array(x, chunks=(rows, 1)), dims=("row", "col"), coords={"col": ["a", "b"]}
        ),
    }


def _computed(out):
    return out.compute() if hasattr(out, "compute") else out


def _predict(block):
    """A 1-D output of another dtype, as a classifier's ``predict`` gives."""
    return np.where(np.asarray(block, dtype=np.float64)[:, 0] > 10, "high", "low").astype(object)


def _proba(block):
    """Two columns labelled by class, as ``predict_proba`` gives."""
    p = np.asarray(block, dtype=np.float64)[:, :1] / 42.0
    return np.hstack([1 - p, p])


@pytest.mark.parametrize("chunks", [1, 3])
def test_one_dimensional_outputs_come_back_per_kind(chunks):
    x = np.arange(42.0).reshape(21, 2)
    expected = _predict(x)
    for kind, value in _cases(x, chunks).items():
        table = as_table(value)
        out = table.apply_blockwise(_predict, None, dtype=object)
        if kind in ("pandas", "dask_dataframe"):
            assert isinstance(out, pd.Series if kind == "pandas" else dd.Series), kind
            assert list(_computed(out).index) == list(range(100, 121))
        if kind.startswith("xarray"):
            assert isinstance(out, xr.DataArray) and out.dims == ("row",), kind
        if kind == "dask_array":
            assert out.chunks == (value.chunks[0],)
        if kind == "xarray":
            assert list(out.coords["row"].values) == list(range(100, 121))
        assert table.is_lazy == dask.is_dask_collection(out), kind
        np.testing.assert_array_equal(np.asarray(_computed(out)), expected)


def test_outputs_with_class_label_columns():
    x = np.arange(42.0).reshape(21, 2)
    labels = [0, 1]  # integer class labels, kept as given
    for kind, value in _cases(x, 3).items():
        out = as_table(value).apply_blockwise(_proba, labels)
        if kind in ("pandas", "dask_dataframe"):
            assert list(out.columns) == labels, kind
        if kind.startswith("xarray"):
            assert list(out.coords["col"].values) == labels, kind
        np.testing.assert_array_equal(np.asarray(_computed(out)), _proba(x))


def test_raw_blocks_keep_dtypes_and_names():
    frame = pd.DataFrame({"n": [1, 2, 3, 4], "s": ["a", "b", "a", "c"]})
    for value in (frame, dd.from_pandas(frame, npartitions=2)):
        table = as_table(value, numeric=False)
        assert [str(t) for t in table.dtypes][0] == "int64"
        blocks = dask.compute(*table.row_blocks(raw=True))
        assert all(list(b.columns) == ["n", "s"] for b in blocks)
        out = table.apply_blockwise(lambda part: part["s"].to_numpy(), None, dtype=object, raw=True)
        assert _computed(out).tolist() == ["a", "b", "a", "c"]
    with pytest.raises(TypeError, match="'s'"):
        as_table(frame)


def test_lengths_chunks_and_rechunking():
    x = np.arange(20.0).reshape(10, 2)
    frame = dd.from_pandas(pd.DataFrame(x), npartitions=3)
    table = as_table(frame)
    assert np.isnan(table.n_rows) and table.row_chunks() is None
    lengths = table.row_lengths()  # one pass
    assert sum(lengths) == 10 and len(lengths) == 3
    unknown = da.from_array(x, chunks=(4, 2))[da.from_array(x[:, 0] >= 0, chunks=4)]
    arrays = as_table(unknown)
    assert arrays.row_chunks() is None and arrays.row_lengths() == [4, 4, 2]
    rechunked = arrays.rechunk_rows([5, 5], current=[4, 4, 2])
    assert rechunked.chunks[0] == (5, 5)
    np.testing.assert_array_equal(rechunked.compute(), x)
    assert not table.rows_rechunkable and arrays.rows_rechunkable


def test_select_columns_and_column_names():
    x = np.arange(12.0).reshape(4, 3)
    for value in (x, da.from_array(x, chunks=(2, 3))):
        table = as_table(value, column_names=["p", "q", "r"])
        assert table.column_names() == ["p", "q", "r"]
        picked = table.select_columns([2, 0])
        np.testing.assert_array_equal(np.asarray(_computed(picked.values)), x[:, [2, 0]])
    named = as_table(pd.DataFrame(x, columns=["a", "b", "c"]), column_names=["p", "q", "r"])
    assert named.column_names() == ["a", "b", "c"]  # a frame keeps its own names
    with pytest.raises(ValueError, match="column_names has 2 names but the data has 3 columns"):
        as_table(x, column_names=["p", "q"])


def test_wrap_summary_per_kind():
    x = np.arange(42.0).reshape(21, 2)
    levels = np.array([0.25, 0.75])
    result = np.array([[1.0, 2.0], [3.0, 4.0]])
    for kind, value in _cases(x, 3).items():
        table = as_table(value)
        lazy = dask.delayed(result) if table.is_lazy else result
        out = table.wrap_summary(lazy, levels, "quantile")
        if kind in ("pandas", "dask_dataframe"):
            assert list(_computed(out).index) == [0.25, 0.75] and list(out.columns) == ["a", "b"]
        if kind.startswith("xarray"):
            assert out.dims == ("quantile", "col")
        np.testing.assert_array_equal(np.asarray(_computed(out)), result)


def test_more_dimensions_only_for_row_selection():
    cube = np.zeros((4, 2, 3))
    with pytest.raises(ValueError, match="expected a 2-D array, got 3 dimensions"):
        as_table(cube)
    blocks = as_table(da.from_array(cube, chunks=(2, 1, 3)), any_ndim=True).source_blocks()
    assert [b.compute().shape for b in blocks] == [(2, 2, 3), (2, 2, 3)]


def test_is_lazy_never_raises():
    assert is_lazy(da.zeros(2)) and is_lazy(xr.DataArray(da.zeros((2, 2))))
    assert not is_lazy(np.zeros(2)) and not is_lazy({"a": 1}) and not is_lazy(None)


def test_frame_values_read_partitions():
    """A dask frame's float64 view is built from its partitions (never to_dask_array)."""
    x = np.arange(20.0).reshape(10, 2)
    parts = [dask.delayed(pd.DataFrame)(x[i : i + 5], columns=["a", "b"]) for i in (0, 5)]
    frame = dd.from_delayed(parts, meta=pd.DataFrame({"a": [1.0], "b": [1.0]}).iloc[:0])
    np.testing.assert_array_equal(as_table(frame).values.compute(), x)
