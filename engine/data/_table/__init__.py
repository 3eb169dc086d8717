"""One seam for every input kind: the :class:`Table` protocol and one implementation per kind.

The engine takes NumPy arrays (and lists), pandas DataFrames/Series, dask
arrays, dask DataFrames/Series and 2-D xarray DataArrays. :func:`as_table`
wraps any of them, without copying, in the :class:`Table` of its kind, and
every layer works through that table; none tests the input's type. As in
xarray's ``ChunkManagerEntrypoint``, every kind-specific operation lives
behind one abstract class:

* description: ``kind``, ``columns`` / :meth:`~Table.column_names`,
  ``n_columns``, ``dtypes``, ``n_rows`` (NaN when unknown without a pass),
  ``is_lazy``;
* data: ``values`` (2-D float64: NumPy, or a dask array with one column
  chunk), :meth:`~Table.row_blocks` (one block in memory, one ``Delayed``
  per row block for Dask; float64, or ``raw=True``: 2-D blocks of the
  original dtypes, DataFrames for pandas and dask frames),
  :meth:`~Table.source_blocks` (the input's own blocks: a Series stays a
  Series, 1-D stays 1-D; for row selection and alignment),
  :meth:`~Table.row_lengths` (rows per block, one pass when unknown),
  :meth:`~Table.row_chunks`, :meth:`~Table.rechunk_rows`,
  :meth:`~Table.select_columns`;
* results back in the input's kind: :meth:`~Table.apply_blockwise` (a
  block function over the rows with any number of output columns of any
  dtype, or a 1-D output: a Series for frames, a 1-D DataArray for xarray;
  lazy for Dask, with the input's row chunks, index/divisions and
  coordinates) and :meth:`~Table.wrap_summary` (per-column statistics, one
  row per level, e.g. quantiles).

dask 2026.8: frames built with ``dd.from_delayed`` lose their dependencies
under ``.values``/``to_dask_array``, so dask DataFrame tables read
partitions directly (``to_delayed``) and map over them with ``map_partitions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import xarray as xr

from engine.data._table._dask_array import DaskArrayTable
from engine.data._table._dask_frame import DaskFrameTable
from engine.data._table._numpy import NumpyTable
from engine.data._table._pandas import PandasTable
from engine.data._table._protocol import Table
from engine.data._table._protocol import known_row_lengths as known_row_lengths  # re-exported
from engine.data._table._xarray import XarrayTable

# ------------------------------------------------------------- dispatch

_KINDS: tuple[tuple[type | tuple, type[Table]], ...] = (
    (da.Array, DaskArrayTable),
    ((dd.DataFrame, dd.Series), DaskFrameTable),
    ((pd.DataFrame, pd.Series), PandasTable),
    (xr.DataArray, XarrayTable),
    ((np.ndarray, list, tuple), NumpyTable),
)


def _table_type(X: Any) -> type[Table]:
    for types, table_type in _KINDS:
        if isinstance(X, types):
            return table_type
    raise TypeError(
        f"unsupported input type {type(X).__name__}: expected a NumPy array, pandas "
        "DataFrame, dask array, dask DataFrame or xarray DataArray"
    )


def input_kind(X: Any) -> str:
    """Name the kind of a supported table, or raise ``TypeError``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> input_kind(np.zeros((2, 2))), input_kind(pd.DataFrame({"a": [1]}))
    ('numpy', 'pandas')
    """
    return _table_type(X).kind


def is_lazy(X: Any) -> bool:
    """True when ``X`` is a Dask collection (or an object over one, e.g. xarray on Dask).

    Never raises: anything else (NumPy, pandas, lists, sparse matrices) is not lazy.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> is_lazy(da.zeros(3)), is_lazy(np.zeros(3)), is_lazy([1, 2])
    (True, False, False)
    """
    return dask.is_dask_collection(X)


def as_table(
    X: Any,
    *,
    numeric: bool = True,
    any_ndim: bool = False,
    column_names: Sequence | None = None,
) -> Table:
    """Wrap a supported input in the :class:`Table` of its kind (nothing is copied).

    Parameters
    ----------
    X : array-like
        NumPy array or list (1-D is one column), pandas DataFrame or Series,
        dask array, dask DataFrame or Series, or a 2-D xarray DataArray.
    numeric : bool
        Whether every column must be numeric (raises ``TypeError`` naming
        the first non-numeric column).
    any_ndim : bool
        Accept arrays of more than two dimensions (for their
        :meth:`~Table.source_blocks` only); otherwise they raise ``ValueError``.
    column_names : sequence of str, optional
        Names for the columns of arrays and xarray DataArrays (frames keep
        their own); ``ValueError`` when their number differs from the columns'.

    Returns
    -------
    Table

    Examples
    --------
    >>> import pandas as pd
    >>> table = as_table(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}))
    >>> table.kind, table.column_names(), table.apply_blockwise(lambda b: b * 2, ["a2", "b2"])["b2"].tolist()
    ('pandas', ['a', 'b'], [6.0, 8.0])
    """
    table = _table_type(X)(X)
    if not any_ndim:
        table.check_2d()
    if column_names is not None and not table.labelled:
        names = [str(c) for c in column_names]
        if len(names) != table.n_columns:
            raise ValueError(
                f"column_names has {len(names)} names but the data has {table.n_columns} columns"
            )
        table.columns = names
    if numeric:
        table.check_numeric()
    return table
