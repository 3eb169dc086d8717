import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from engine.data import demo_table, read_table, write_table


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_table_roundtrip(tmp_path, suffix):
    frame = demo_table(500, npartitions=2).compute().reset_index(drop=True)
    path = tmp_path / f"t{suffix}"
    write_table(frame, path)
    back = read_table(path).compute().reset_index(drop=True)
    np.testing.assert_allclose(back["income"].to_numpy(), frame["income"].to_numpy(), rtol=1e-12)


def test_zarr_roundtrip_is_lazy(tmp_path):
    x = da.random.default_rng(0).random((100, 3), chunks=(30, 3))
    write_table(x, tmp_path / "x.zarr")
    back = read_table(tmp_path / "x.zarr")
    assert isinstance(back, da.Array)
    np.testing.assert_array_equal(back.compute(), x.compute())


def test_write_refuses_to_overwrite(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("precious\n")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_table(pd.DataFrame({"a": [1]}), path)
    assert path.read_text() == "precious\n"


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="format"):
        read_table(tmp_path / "t.xlsx")
    with pytest.raises(FileNotFoundError, match="t.csv"):
        read_table(tmp_path / "t.csv")


def test_parquet_projections_keep_the_files_partitions(tmp_path):
    # Dask alone fuses these small files when one column is read (2 partitions for "y",
    # 4 for the whole table); the engine's reader keeps one partition per file for any projection.
    frame = pd.DataFrame(np.arange(40.0).reshape(8, 5), columns=list("abcdy"))
    dd.from_pandas(frame, npartitions=4).to_parquet(tmp_path / "t.parquet")
    assert dd.read_parquet(tmp_path / "t.parquet")["y"].optimize().npartitions < 4
    table = read_table(tmp_path / "t.parquet")
    for part in (table["y"], table[["a", "b"]], table):
        assert part.optimize().npartitions == 4
        assert part.map_partitions(len).compute().tolist() == [2, 2, 2, 2]
    assert table["y"].to_dask_array(lengths=True).compute().tolist() == frame["y"].tolist()
