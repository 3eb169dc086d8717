"""Readers and writers for CSV, Parquet and Zarr, lazy on the way in and out."""

from __future__ import annotations

from pathlib import Path

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data._table import input_kind

FORMATS = ("csv", "parquet", "zarr")


def table_format(path: str | Path) -> str:
    """The format of ``path`` from its suffix (``.csv``, ``.parquet``/``.pq``, ``.zarr``)."""
    suffix = Path(str(path)).suffix.lower()
    fmt = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".zarr": "zarr"}.get(suffix)
    if fmt is None:
        raise ValueError(
            f"cannot tell the format of {str(path)!r}: use a .csv, .parquet or .zarr path"
        )
    return fmt


def read_table(path: str | Path, *, blocksize: str | int = "64MiB", chunks=None):
    """Open a CSV or Parquet file (dask DataFrame) or a Zarr array (dask array), lazily.

    Nothing is read until a computation asks for it.

    Examples
    --------
    >>> import tempfile, os, numpy as np, dask.array as da
    >>> path = os.path.join(tempfile.mkdtemp(), "x.zarr")
    >>> write_table(da.ones((4, 2), chunks=2), path)
    >>> read_table(path).shape
    (4, 2)
    """
    path = str(path)
    fmt = table_format(path)
    if not Path(path).exists():
        raise FileNotFoundError(f"no such data file: {path!r}")
    if fmt == "csv":
        return dd.read_csv(path, blocksize=blocksize)
    if fmt == "parquet":
        frame = dd.read_parquet(path)
        # Dask fuses small Parquet files into fewer partitions when only some of their columns
        # are read (decided at optimization, per projection), so the features and the target
        # of one table could disagree on their partitions. The engine aligns collections
        # partition by partition: an opaque step keeps every projection on the same partitions.
        return frame.map_partitions(_same_partition, meta=frame._meta)
    return da.from_zarr(path, chunks=chunks) if chunks is not None else da.from_zarr(path)


def _same_partition(part: pd.DataFrame) -> pd.DataFrame:
    return part


def write_table(X, path: str | Path, *, overwrite: bool = False, compute: bool = True):
    """Write a table to CSV, Parquet or Zarr; refuse to replace an existing path.

    Parameters
    ----------
    X : NumPy array, pandas or dask DataFrame, dask array
    path : str or Path
        Destination; the suffix gives the format (arrays go to ``.zarr``).
    overwrite : bool
        Replace an existing file or store (off by default: nothing a user
        wrote is overwritten without asking).
    compute : bool
        With ``False`` return the lazy write (dask) instead of running it.
    """
    path = str(path)
    if Path(path).exists() and not overwrite:
        raise FileExistsError(f"{path!r} exists; pass overwrite=True to replace it")
    fmt = table_format(path)
    kind = input_kind(X)
    if fmt == "zarr":
        array = X if isinstance(X, da.Array) else da.from_array(np.asarray(X))
        if kind in ("pandas", "dask_dataframe"):
            array = (
                X.to_dask_array(lengths=True)
                if kind == "dask_dataframe"
                else da.from_array(X.to_numpy())
            )
        return da.to_zarr(array, path, overwrite=overwrite, compute=compute)
    frame = X
    if kind == "numpy":
        frame = pd.DataFrame(
            np.asarray(X), columns=[f"x{i}" for i in range(np.asarray(X).shape[1])]
        )
    if kind == "dask_array":
        frame = dd.from_dask_array(X, columns=[f"x{i}" for i in range(X.shape[1])])
    if isinstance(frame, pd.DataFrame):
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path)
        return None
    if fmt == "csv":
        return frame.to_csv(path, single_file=True, index=False, compute=compute)
    return frame.to_parquet(path, compute=compute, overwrite=overwrite)
