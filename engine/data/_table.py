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

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, ClassVar

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import xarray as xr

from engine.data._validation import check_numeric_columns

BlockFunc = Callable[[Any], Any]


class Table(ABC):
    """A user's table or array behind one interface (see the module docstring).

    Attributes
    ----------
    kind : str
        ``"numpy"``, ``"pandas"``, ``"dask_array"``, ``"dask_dataframe"`` or
        ``"xarray"``.
    source : object
        The input as given.
    columns : list of str or None
        Column names when the input has them (pandas and dask frames, the
        coordinate of an xarray DataArray's second dimension).
    """

    kind: ClassVar[str]
    labelled: ClassVar[bool] = False
    """Whether the input names its own columns (frames), which ``as_table(column_names=)`` keeps."""
    rows_rechunkable: ClassVar[bool] = True
    """Whether :meth:`rechunk_rows` can give the input any row blocks (not dask frames)."""

    def __init__(self, source: Any, columns: list[str] | None):
        self.source = source
        self.columns = columns

    # ------------------------------------------------------------ description
    @property
    @abstractmethod
    def dtypes(self) -> list:
        """The dtype of every column."""

    @property
    @abstractmethod
    def n_rows(self) -> float:
        """Number of rows; NaN when it is unknown without a pass (dask frames)."""

    @property
    def n_columns(self) -> int:
        return len(self.dtypes)

    @property
    def is_lazy(self) -> bool:
        """Whether the data is a Dask collection (then results are lazy too)."""
        return False

    def column_names(self) -> list[str]:
        """Column names, or ``x0, x1, ...`` when the input has none."""
        if self.columns is not None:
            return list(self.columns)
        return [f"x{i}" for i in range(self.n_columns)]

    def check_numeric(self) -> None:
        """Raise ``TypeError`` naming the first column that is not numeric (or boolean)."""
        check_numeric_columns(self.dtypes, self.column_names())

    @property
    def ndim(self) -> int:
        """2, or more for arrays read with ``any_ndim=True`` (1-D input is one column)."""
        return 2

    def check_2d(self) -> None:
        """Raise ``ValueError`` unless the input is 1-D or 2-D (arrays may have more dims)."""
        if self.ndim != 2:
            raise ValueError(f"expected a 2-D array, got {self.ndim} dimensions")

    # ------------------------------------------------------------------- data
    @property
    @abstractmethod
    def values(self) -> np.ndarray | da.Array:
        """The data as a 2-D float64 array (a dask array has one column chunk)."""

    @abstractmethod
    def row_blocks(self, *, raw: bool = False) -> list:
        """The row blocks: one block in memory, one ``Delayed`` per row block for Dask.

        Blocks are 2-D float64 arrays; with ``raw=True`` they are 2-D blocks
        of the original dtypes (DataFrames for pandas and dask frames, a
        Series as a one-column DataFrame).
        """

    def source_blocks(self) -> list:
        """The input's own row blocks (a Series stays a Series, 1-D stays 1-D)."""
        return [self.source]

    def row_lengths(self) -> list[int]:
        """Rows per row block (one ``dask.compute`` when they are not known)."""
        return known_row_lengths([self])[0]

    @abstractmethod
    def row_chunks(self) -> tuple[int, ...] | None:
        """Rows per row block when known without a pass, else None."""

    def _lazy_row_lengths(self) -> Any:
        """:meth:`row_chunks`, or a Dask object computing them."""
        return list(self.row_chunks())

    def rechunk_rows(self, lengths: Sequence[int], current: Sequence[int] | None = None) -> Any:
        """The input (same kind) on row blocks of ``lengths`` rows (lazy; unchanged in memory).

        ``current`` gives the present block lengths when they are unknown to
        Dask (found by a pass): they are recorded, no data moves.
        """
        return self.source

    @abstractmethod
    def select_columns(self, positions: Sequence[int]) -> Table:
        """A table of the columns at ``positions``, of the same kind (lazy for Dask)."""

    # ----------------------------------------------------- results, same kind
    @abstractmethod
    def apply_blockwise(
        self,
        func: BlockFunc,
        out_columns: Sequence | None,
        *,
        dtype: Any = np.float64,
        drops_rows: bool = False,
        raw: bool = False,
    ):
        """Apply ``func`` to every row block and give the result in the input's kind.

        Parameters
        ----------
        func : callable
            ``func(block) -> out`` with ``len(out) == len(block)``: 2-D with
            ``len(out_columns)`` columns, or 1-D when ``out_columns`` is None.
            With ``drops_rows=True`` it returns ``(out, keep_mask)`` where
            ``out`` holds the kept rows only.
        out_columns : sequence or None
            Labels of the output columns (pandas and xarray outputs carry
            them as given, e.g. class labels), or None for a 1-D output (a
            Series for frames, a 1-D DataArray for xarray).
        dtype : dtype, default float64
            The output's dtype (the metadata of lazy outputs).
        drops_rows : bool
            Whether ``func`` drops rows (lazy outputs then have unknown row
            chunk sizes; pandas and xarray keep the labels of kept rows).
        raw : bool
            Whether ``func`` receives :meth:`row_blocks` ``(raw=True)`` blocks
            (DataFrames for frames, the original dtypes) instead of float64
            arrays.
        """

    @abstractmethod
    def wrap_summary(self, result: Any, levels: np.ndarray, level_name: str):
        """A per-column statistic in the input's family.

        ``result`` is a NumPy array or a ``Delayed`` of one, of shape
        ``(n_columns,)`` for a scalar ``levels`` or ``(len(levels), n_columns)``:
        NumPy and dask arrays stay arrays, pandas and dask frames give a
        Series (scalar level, named by it) or a DataFrame indexed by the
        levels, xarray a DataArray with a ``level_name`` dimension.
        """


# --------------------------------------------------------------- helpers


def _check_numeric_array(array: np.ndarray | da.Array) -> None:
    if array.dtype.kind not in "biuf":
        raise TypeError(f"expected numeric data, got dtype {array.dtype}")


def _one_block_beyond_rows(array: da.Array) -> da.Array:
    if any(n > 1 for n in array.numblocks[1:]):
        return array.rechunk({axis: -1 for axis in range(1, array.ndim)})
    return array


def _frame_values(part: pd.DataFrame | pd.Series) -> np.ndarray:
    values = part.to_numpy(dtype=np.float64, na_value=np.nan)
    return values[:, None] if values.ndim == 1 else values


def _out_meta(out_columns: Sequence | None, dtype: Any) -> np.ndarray:
    shape = (0,) if out_columns is None else (0, len(out_columns))
    return np.empty(shape, dtype=dtype)


def _pandas_out(out, index: pd.Index, out_columns: Sequence | None, block: Any):
    """``out`` labelled by ``index``; copied only when it may alias the input ``block``."""
    copy = not isinstance(block, np.ndarray) or bool(np.may_share_memory(out, block))
    if out_columns is None:
        return pd.Series(out, index=index, copy=copy)
    return pd.DataFrame(out, index=index, columns=list(out_columns), copy=copy)


def _summary_pandas(values: np.ndarray, names: list[str], levels: np.ndarray):
    if levels.ndim == 0:
        return pd.Series(values, index=names, name=levels.tolist())
    return pd.DataFrame(values, index=pd.Index(levels.tolist(), dtype=np.float64), columns=names)


def _summary_shape(levels: np.ndarray, n_columns: int) -> tuple:
    return levels.shape + (n_columns,)


def _split_result(result, drops_rows: bool):
    return result if drops_rows else (result, None)


def _kept_rows(block, func: BlockFunc):
    """``func``'s output without its keep mask (dask arrays cannot label dropped rows)."""
    return func(block)[0]


# ------------------------------------------------------------ arrays


class _ArrayTable(Table):
    """What NumPy and dask arrays share: ``array`` is 2-D (1-D input is one column)."""

    array: np.ndarray | da.Array

    @property
    def dtypes(self) -> list:
        return [self.array.dtype] * self.array.shape[1]

    @property
    def n_rows(self) -> float:
        return float(self.array.shape[0])

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def check_numeric(self) -> None:
        _check_numeric_array(self.array)


class NumpyTable(_ArrayTable):
    """A NumPy array (or list/tuple); 1-D input is one column.

    Arrays of more dimensions are accepted with ``as_table(..., any_ndim=True)``
    for their source blocks only (row selection).
    """

    kind = "numpy"

    def __init__(self, source: Any):
        self.raw = np.asarray(source)
        if self.raw.ndim == 0:
            raise ValueError("expected a 2-D array, got 0 dimensions")
        super().__init__(source, None)
        self.array = self.raw[:, None] if self.raw.ndim == 1 else self.raw

    @cached_property
    def values(self) -> np.ndarray:
        self.check_2d()
        return np.asarray(self.array, dtype=np.float64)

    def row_blocks(self, *, raw: bool = False) -> list:
        return [self.array if raw else self.values]

    def source_blocks(self) -> list:
        return [self.raw]

    def row_chunks(self) -> tuple[int, ...]:
        return (self.array.shape[0],)

    def select_columns(self, positions: Sequence[int]) -> NumpyTable:
        return NumpyTable(self.array[:, list(positions)])

    def apply_blockwise(self, func, out_columns, *, dtype=np.float64, drops_rows=False, raw=False):
        out, _ = _split_result(func(self.row_blocks(raw=raw)[0]), drops_rows)
        return out

    def wrap_summary(self, result, levels, level_name):
        return result


# ------------------------------------------------------------ frames


class _FrameTable(Table):
    """What pandas and dask frames share: a Series is a one-column ``frame``; names are kept."""

    labelled = True

    def __init__(self, source: Any):
        frame = source.to_frame() if isinstance(source, pd.Series | dd.Series) else source
        super().__init__(source, [str(c) for c in frame.columns])
        self.frame = frame

    @property
    def dtypes(self) -> list:
        return list(self.frame.dtypes)


class PandasTable(_FrameTable):
    """A pandas DataFrame or Series; results keep the index."""

    kind = "pandas"

    @property
    def n_rows(self) -> float:
        return float(len(self.frame))

    @cached_property
    def values(self) -> np.ndarray:
        return self.frame.to_numpy(dtype=np.float64, na_value=np.nan)

    def row_blocks(self, *, raw: bool = False) -> list:
        return [self.frame if raw else self.values]

    def row_chunks(self) -> tuple[int, ...]:
        return (len(self.frame),)

    def select_columns(self, positions: Sequence[int]) -> PandasTable:
        return PandasTable(self.frame.iloc[:, list(positions)])

    def apply_blockwise(self, func, out_columns, *, dtype=np.float64, drops_rows=False, raw=False):
        block = self.row_blocks(raw=raw)[0]
        out, keep = _split_result(func(block), drops_rows)
        index = self.frame.index if keep is None else self.frame.index[keep]
        return _pandas_out(out, index, out_columns, block)

    def wrap_summary(self, result, levels, level_name):
        return _summary_pandas(result, self.column_names(), levels)


# ---------------------------------------------------------- dask.array


class DaskArrayTable(_ArrayTable):
    """A dask array (1-D is one column); results keep its row chunks."""

    kind = "dask_array"

    def __init__(self, source: da.Array):
        if source.ndim == 0:
            raise ValueError("expected a 2-D array, got 0 dimensions")
        super().__init__(source, None)
        self.array = _one_block_beyond_rows(source[:, None] if source.ndim == 1 else source)

    @property
    def is_lazy(self) -> bool:
        return True

    @cached_property
    def values(self) -> da.Array:
        self.check_2d()
        if self.array.dtype == np.float64:
            return self.array
        return self.array.astype(np.float64)

    def row_blocks(self, *, raw: bool = False) -> list:
        return _array_blocks(self.array if raw else self.values)

    def source_blocks(self) -> list:
        return _array_blocks(self.source if self.source.ndim == 1 else self.array)

    def row_chunks(self) -> tuple[int, ...] | None:
        chunks = self.array.chunks[0]
        return None if any(np.isnan(c) for c in chunks) else tuple(int(c) for c in chunks)

    def _lazy_row_lengths(self) -> Any:
        if self.row_chunks() is not None:
            return list(self.row_chunks())
        return self.array.map_blocks(
            _block_length,
            chunks=(1,),
            drop_axis=list(range(1, self.array.ndim)),
            dtype=np.int64,
            meta=np.empty(0, np.int64),
        )

    def rechunk_rows(self, lengths, current=None) -> da.Array:
        lengths = tuple(int(n) for n in lengths)
        source = self.source
        if self.row_chunks() is None and current is not None:
            source = source.copy()  # unknown chunk sizes, now known: no data moves
            source._chunks = (tuple(int(n) for n in current),) + source.chunks[1:]
        if source.chunks[0] == lengths:
            return source
        return source.rechunk({0: lengths})

    def select_columns(self, positions: Sequence[int]) -> DaskArrayTable:
        return DaskArrayTable(self.array[:, list(positions)])

    def apply_blockwise(self, func, out_columns, *, dtype=np.float64, drops_rows=False, raw=False):
        base = self.array if raw else self.values
        rows = ((np.nan,) * base.numblocks[0]) if drops_rows else base.chunks[0]
        block_func = functools.partial(_kept_rows, func=func) if drops_rows else func
        meta = _out_meta(out_columns, dtype)
        if out_columns is None:
            return base.map_blocks(block_func, dtype=dtype, chunks=(rows,), drop_axis=1, meta=meta)
        return base.map_blocks(
            block_func, dtype=dtype, chunks=(rows, (len(out_columns),)), meta=meta
        )

    def wrap_summary(self, result, levels, level_name):
        shape = _summary_shape(levels, self.n_columns)
        return da.from_delayed(result, shape=shape, dtype=np.float64)


def _array_blocks(array: da.Array) -> list:
    blocks = array.to_delayed()
    return list(blocks.reshape(blocks.shape[0], -1)[:, 0])


def _block_length(block: np.ndarray) -> np.ndarray:
    return np.array([block.shape[0]])


# ------------------------------------------------------ dask.dataframe


class DaskFrameTable(_FrameTable):
    """A dask DataFrame or Series; results keep its partitions and divisions.

    Partitions are read directly (never through ``to_dask_array``), which
    keeps the dependencies of frames built with ``dd.from_delayed``.
    """

    kind = "dask_dataframe"

    @property
    def n_rows(self) -> float:
        return np.nan

    @property
    def is_lazy(self) -> bool:
        return True

    @cached_property
    def values(self) -> da.Array:
        n = self.n_columns
        return da.concatenate(
            [
                da.from_delayed(block, shape=(np.nan, n), dtype=np.float64)
                for block in self.row_blocks()
            ]
        )

    def row_blocks(self, *, raw: bool = False) -> list:
        parts = list(self.frame.to_delayed())
        if raw:
            return parts
        as_block = dask.delayed(_frame_values, pure=True, name="engine-partition-values")
        return [as_block(part) for part in parts]

    def source_blocks(self) -> list:
        return list(self.source.to_delayed())

    rows_rechunkable = False

    def row_chunks(self) -> None:
        return None

    def _lazy_row_lengths(self) -> Any:
        return self.source.map_partitions(len)

    def select_columns(self, positions: Sequence[int]) -> DaskFrameTable:
        return DaskFrameTable(self.frame.iloc[:, list(positions)])

    def apply_blockwise(self, func, out_columns, *, dtype=np.float64, drops_rows=False, raw=False):
        block_func = functools.partial(
            _frame_partition, func=func, out_columns=out_columns, drops_rows=drops_rows, raw=raw
        )
        index = self.frame._meta.index
        if out_columns is None:
            meta = pd.Series(np.empty(0, dtype=dtype), index=index)
        else:
            meta = pd.DataFrame(
                np.empty((0, len(out_columns)), dtype=dtype), index=index, columns=list(out_columns)
            )
        return self.frame.map_partitions(block_func, meta=meta)

    def wrap_summary(self, result, levels, level_name):
        names = self.column_names()
        to_pandas = dask.delayed(_summary_pandas, pure=True)
        meta = _summary_pandas(np.empty(_summary_shape(levels, len(names))), names, levels)
        return dd.from_delayed([to_pandas(result, names, levels)], meta=meta.iloc[:0])


def _frame_partition(part, func: BlockFunc, out_columns, drops_rows: bool, raw: bool):
    """``func`` on one partition (its float64 values unless ``raw``), labelled by its index."""
    block = part if raw else _frame_values(part)
    out, keep = _split_result(func(block), drops_rows)
    index = part.index if keep is None else part.index[keep]
    return _pandas_out(out, index, out_columns, block)


# -------------------------------------------------------------- xarray


class XarrayTable(Table):
    """A 2-D xarray DataArray over NumPy or Dask; results keep dims, name and coordinates."""

    kind = "xarray"

    def __init__(self, source: xr.DataArray):
        if source.ndim != 2:
            raise ValueError(f"expected a 2-D xarray.DataArray, got dims {source.dims}")
        self.row_dim, self.col_dim = source.dims
        columns = (
            [str(c) for c in source.coords[self.col_dim].values]
            if self.col_dim in source.coords
            else None
        )
        super().__init__(source, columns)
        self.data = _array_table(source.data)

    @property
    def dtypes(self) -> list:
        return self.data.dtypes

    @property
    def n_rows(self) -> float:
        return self.data.n_rows

    @property
    def is_lazy(self) -> bool:
        return self.data.is_lazy

    def check_numeric(self) -> None:
        self.data.check_numeric()

    @property
    def values(self):
        return self.data.values

    def row_blocks(self, *, raw: bool = False) -> list:
        return self.data.row_blocks(raw=raw)

    def source_blocks(self) -> list:
        return self.data.source_blocks()

    def row_chunks(self) -> tuple[int, ...] | None:
        return self.data.row_chunks()

    def _lazy_row_lengths(self) -> Any:
        return self.data._lazy_row_lengths()

    def rechunk_rows(self, lengths, current=None) -> xr.DataArray:
        if not self.is_lazy:
            return self.source
        return self.source.copy(data=self.data.rechunk_rows(lengths, current))

    def select_columns(self, positions: Sequence[int]) -> XarrayTable:
        return XarrayTable(self.source.isel({self.col_dim: list(positions)}))

    def apply_blockwise(self, func, out_columns, *, dtype=np.float64, drops_rows=False, raw=False):
        keep = None
        if self.is_lazy:
            out = self.data.apply_blockwise(
                func, out_columns, dtype=dtype, drops_rows=drops_rows, raw=raw
            )
        else:
            out, keep = _split_result(func(self.data.row_blocks(raw=raw)[0]), drops_rows)
        coords: dict = {}
        if self.row_dim in self.source.coords and keep is not None:
            coords[self.row_dim] = self.source.coords[self.row_dim].values[keep]
        elif self.row_dim in self.source.coords and not drops_rows:
            coords[self.row_dim] = self.source.coords[self.row_dim]
        dims: tuple = (self.row_dim,)
        if out_columns is not None:
            dims = (self.row_dim, self.col_dim)
            coords[self.col_dim] = list(out_columns)
        return xr.DataArray(out, dims=dims, coords=coords, name=self.source.name)

    def wrap_summary(self, result, levels, level_name):
        dims = (self.col_dim,) if levels.ndim == 0 else (level_name, self.col_dim)
        coords = {level_name: levels.astype(np.float64)}
        if self.columns is not None:
            coords[self.col_dim] = self.column_names()
        return xr.DataArray(
            self.data.wrap_summary(result, levels, level_name), dims=dims, coords=coords
        )


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


def known_row_lengths(tables: Sequence[Table]) -> list[list[int]]:
    """Rows per row block of every table; the unknown ones in one ``dask.compute`` (one pass)."""
    lengths = [table._lazy_row_lengths() for table in tables]
    pending = [i for i, value in enumerate(lengths) if dask.is_dask_collection(value)]
    computed = dask.compute(*(lengths[i] for i in pending)) if pending else ()
    for i, value in zip(pending, computed, strict=True):
        lengths[i] = np.asarray(value).ravel()
    return [[int(n) for n in value] for value in lengths]


def _array_table(data: Any) -> Table:
    return DaskArrayTable(data) if isinstance(data, da.Array) else NumpyTable(data)


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
