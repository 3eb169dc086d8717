"""Input adapters: every supported table kind to a 2-D float block array and back.

The engine accepts NumPy arrays, pandas DataFrames/Series, dask arrays, dask
DataFrames and xarray DataArrays. :func:`as_table` turns any of them into a
:class:`Table`: a 2-D float64 NumPy or dask array plus what is needed to give
results back in the caller's kind (column names, index, xarray dims/coords).
:func:`Table.apply_blockwise` maps a NumPy block function over the rows and
wraps the output in the input's kind, lazily for Dask (same row chunks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data._validation import check_numeric_columns

NUMPY = "numpy"
PANDAS = "pandas"
DASK_ARRAY = "dask_array"
DASK_DATAFRAME = "dask_dataframe"
XARRAY = "xarray"

BlockFunc = Callable[[np.ndarray], np.ndarray]


def _xarray():
    try:
        import xarray
    except ImportError:  # pragma: no cover - xarray is a core dependency
        return None
    return xarray


def input_kind(X: Any) -> str:
    """Name the kind of a supported table, or raise ``TypeError``."""
    if isinstance(X, da.Array):
        return DASK_ARRAY
    if isinstance(X, dd.DataFrame | dd.Series):
        return DASK_DATAFRAME
    if isinstance(X, pd.DataFrame | pd.Series):
        return PANDAS
    xr = _xarray()
    if xr is not None and isinstance(X, xr.DataArray):
        return XARRAY
    if isinstance(X, np.ndarray | list | tuple):
        return NUMPY
    raise TypeError(
        f"unsupported input type {type(X).__name__}: expected a NumPy array, pandas "
        "DataFrame, dask array, dask DataFrame or xarray DataArray"
    )


def is_lazy(X: Any) -> bool:
    """True when ``X`` is a Dask collection (or an xarray over one)."""
    kind = input_kind(X)
    if kind == XARRAY:
        return isinstance(X.data, da.Array)
    return kind in (DASK_ARRAY, DASK_DATAFRAME)


@dataclass
class Table:
    """A 2-D float64 view of a user's table, with what it takes to wrap results back.

    Attributes
    ----------
    values : numpy.ndarray or dask.array.Array
        2-D float64 data; a dask array has a single chunk along columns.
    kind : str
        The input's kind (``"numpy"``, ``"pandas"``, ``"dask_array"``,
        ``"dask_dataframe"``, ``"xarray"``).
    columns : list of str or None
        Column names when the input had them (pandas, dask DataFrame, xarray
        coordinate on the second dimension).
    source : object
        The original input (used to keep its index, divisions and coordinates).
    """

    values: np.ndarray | da.Array
    kind: str
    columns: list[str] | None
    source: Any = field(repr=False)

    @property
    def n_columns(self) -> int:
        return int(self.values.shape[1])

    @property
    def is_lazy(self) -> bool:
        return isinstance(self.values, da.Array)

    def column_names(self) -> list[str]:
        """Column names, or ``x0, x1, ...`` when the input had none."""
        if self.columns is not None:
            return list(self.columns)
        return [f"x{i}" for i in range(self.n_columns)]

    def row_blocks(self) -> list:
        """The row blocks: NumPy -> one array; dask -> one delayed per row chunk."""
        if not self.is_lazy:
            return [self.values]
        if self.kind == DASK_DATAFRAME:
            # Partitions straight to NumPy: ``to_dask_array().to_delayed()`` loses
            # dependencies of frames built with ``dd.from_delayed`` (dask 2026.8).
            as_block = dask.delayed(_partition_values, pure=True, name="engine-partition-values")
            return [as_block(part) for part in self.source.to_delayed()]
        return list(self.values.to_delayed().ravel())

    def apply_blockwise(
        self,
        func: BlockFunc,
        out_columns: Sequence[str],
        *,
        drops_rows: bool = False,
        keep_names: bool | None = None,
    ):
        """Apply ``func`` to every row block and wrap the result in the input's kind.

        Parameters
        ----------
        func : callable
            ``func(block) -> out`` with ``out.shape == (len(block), len(out_columns))``;
            with ``drops_rows=True`` it returns ``(out, keep_mask)`` where ``out``
            holds the kept rows only.
        out_columns : sequence of str
            Names of the output columns.
        drops_rows : bool
            Whether ``func`` drops rows (the output chunks along rows become
            unknown for dask arrays).
        keep_names : bool, optional
            Whether pandas/xarray outputs carry ``out_columns`` as labels.
            Defaults to True.
        """
        names = [str(c) for c in out_columns]
        n_out = len(names)
        if self.kind == DASK_DATAFRAME:
            return _apply_dask_dataframe(self.source, func, names, drops_rows)
        if self.is_lazy:
            out = _apply_dask_array(self.values, func, n_out, drops_rows)
        else:
            result = func(self.values)
            out, keep = result if drops_rows else (result, None)
            if self.kind == PANDAS:
                index = _pandas_index(self.source)
                return pd.DataFrame(
                    out,
                    index=index if keep is None else index[keep],
                    columns=names,
                    copy=_aliases(out, self.values),
                )
            if self.kind == XARRAY:
                return _wrap_xarray(self.source, out, names, keep)
            return out
        if self.kind == XARRAY:
            return _wrap_xarray(self.source, out, names, None if not drops_rows else "lazy")
        return out


def _aliases(out: np.ndarray, block: np.ndarray) -> bool:
    """Whether a block function's output may be (a view of) its input: then it is copied."""
    return bool(np.may_share_memory(out, block))


def _partition_values(part: pd.DataFrame) -> np.ndarray:
    return part.to_numpy(dtype=np.float64, na_value=np.nan)


def _pandas_index(source: pd.DataFrame | pd.Series) -> pd.Index:
    return source.index


def _apply_dask_array(values: da.Array, func: BlockFunc, n_out: int, drops_rows: bool) -> da.Array:
    if drops_rows:

        def kept(block: np.ndarray) -> np.ndarray:
            return func(block)[0]

        return values.map_blocks(
            kept,
            dtype=np.float64,
            chunks=((np.nan,) * values.numblocks[0], (n_out,)),
            meta=np.empty((0, n_out), dtype=np.float64),
        )
    return values.map_blocks(
        func,
        dtype=np.float64,
        chunks=(values.chunks[0], (n_out,)),
        meta=np.empty((0, n_out), dtype=np.float64),
    )


def _apply_dask_dataframe(source, func: BlockFunc, names: list[str], drops_rows: bool):
    frame = source.to_frame() if isinstance(source, dd.Series) else source

    def on_partition(part: pd.DataFrame) -> pd.DataFrame:
        block = part.to_numpy(dtype=np.float64, na_value=np.nan)
        if drops_rows:
            out, keep = func(block)
            return pd.DataFrame(
                out, index=part.index[keep], columns=names, copy=_aliases(out, block)
            )
        out = func(block)
        return pd.DataFrame(out, index=part.index, columns=names, copy=_aliases(out, block))

    meta = pd.DataFrame({name: pd.Series([], dtype=np.float64) for name in names})
    meta.index = frame._meta.index
    return frame.map_partitions(on_partition, meta=meta)


def _wrap_xarray(source, out, names: list[str], keep):
    xr = _xarray()
    row_dim, col_dim = source.dims
    coords = {}
    if row_dim in source.coords and keep is None:
        coords[row_dim] = source.coords[row_dim]
    elif row_dim in source.coords and isinstance(keep, np.ndarray):
        coords[row_dim] = source.coords[row_dim].values[keep]
    coords[col_dim] = names
    return xr.DataArray(out, dims=(row_dim, col_dim), coords=coords, name=source.name)


def _as_float_dask(values: da.Array) -> da.Array:
    if values.dtype != np.float64:
        values = values.astype(np.float64)
    if values.numblocks[1] != 1:
        values = values.rechunk({1: -1})
    return values


def as_table(X: Any, *, allow_nan: bool = True, numeric: bool = True) -> Table:
    """Adapt a supported table to a 2-D float64 :class:`Table`.

    Parameters
    ----------
    X : array-like
        NumPy array (1-D is read as one column), pandas DataFrame or Series,
        dask array, dask DataFrame or Series, or a 2-D xarray DataArray.
    allow_nan : bool
        Kept for symmetry with scikit-learn's validation; NaN is always read
        as missing, and ``inf`` checks happen in the estimators' validation.
    numeric : bool
        Whether every column must be numeric (raises ``TypeError`` naming the
        first non-numeric column).

    Returns
    -------
    Table
    """
    del allow_nan
    kind = input_kind(X)
    if kind == PANDAS:
        frame = X.to_frame() if isinstance(X, pd.Series) else X
        columns = [str(c) for c in frame.columns]
        if numeric:
            check_numeric_columns(frame.dtypes, columns)
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
        return Table(values, kind, columns, frame)
    if kind == DASK_DATAFRAME:
        frame = X.to_frame() if isinstance(X, dd.Series) else X
        columns = [str(c) for c in frame.columns]
        if numeric:
            check_numeric_columns(frame.dtypes, columns)
        values = frame.to_dask_array().astype(np.float64)
        return Table(_as_float_dask(values), kind, columns, frame)
    if kind == XARRAY:
        if X.ndim != 2:
            raise ValueError(f"expected a 2-D xarray.DataArray, got dims {X.dims}")
        col_dim = X.dims[1]
        columns = [str(c) for c in X.coords[col_dim].values] if col_dim in X.coords else None
        data = X.data
        if numeric:
            _check_numeric_dtype(data.dtype)
        if isinstance(data, da.Array):
            return Table(_as_float_dask(data), kind, columns, X)
        return Table(np.asarray(data, dtype=np.float64), kind, columns, X)
    if kind == DASK_ARRAY:
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2:
            raise ValueError(f"expected a 2-D array, got {X.ndim} dimensions")
        if numeric:
            _check_numeric_dtype(X.dtype)
        return Table(_as_float_dask(X), kind, None, X)
    array = np.asarray(X)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D array, got {array.ndim} dimensions")
    if numeric:
        _check_numeric_dtype(array.dtype)
    return Table(np.asarray(array, dtype=np.float64), kind, None, X)


def _check_numeric_dtype(dtype) -> None:
    if dtype.kind not in "biuf":
        raise TypeError(f"expected numeric data, got dtype {dtype}")
