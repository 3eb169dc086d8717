import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from engine.data import as_table


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
