"""The :class:`Table` protocol, the bases the array and frame kinds share, and their helpers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

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


def check_numeric_array(array: np.ndarray | da.Array) -> None:
    if array.dtype.kind not in "biuf":
        raise TypeError(f"expected numeric data, got dtype {array.dtype}")


def one_block_beyond_rows(array: da.Array) -> da.Array:
    if any(n > 1 for n in array.numblocks[1:]):
        return array.rechunk({axis: -1 for axis in range(1, array.ndim)})
    return array


def frame_values(part: pd.DataFrame | pd.Series) -> np.ndarray:
    values = part.to_numpy(dtype=np.float64, na_value=np.nan)
    return values[:, None] if values.ndim == 1 else values


def out_meta(out_columns: Sequence | None, dtype: Any) -> np.ndarray:
    shape = (0,) if out_columns is None else (0, len(out_columns))
    return np.empty(shape, dtype=dtype)


def pandas_out(out, index: pd.Index, out_columns: Sequence | None, block: Any):
    """``out`` labelled by ``index``; copied only when it may alias the input ``block``."""
    copy = any(np.may_share_memory(out, values) for values in _memory_of(block))
    if out_columns is None:
        return pd.Series(out, index=index, copy=copy)
    return pd.DataFrame(out, index=index, columns=list(out_columns), copy=copy)


def _memory_of(block: Any) -> list:
    """The arrays holding ``block``'s values: each column of a pandas frame, else itself."""
    if isinstance(block, pd.DataFrame):
        return [block.iloc[:, j].to_numpy() for j in range(block.shape[1])]
    if isinstance(block, pd.Series):
        return [block.to_numpy()]
    return [np.asarray(block)]


def summary_pandas(values: np.ndarray, names: list[str], levels: np.ndarray):
    if levels.ndim == 0:
        return pd.Series(values, index=names, name=levels.tolist())
    return pd.DataFrame(values, index=pd.Index(levels.tolist(), dtype=np.float64), columns=names)


def summary_shape(levels: np.ndarray, n_columns: int) -> tuple:
    return levels.shape + (n_columns,)


def split_result(result, drops_rows: bool):
    return result if drops_rows else (result, None)


def kept_rows(block, func: BlockFunc):
    """``func``'s output without its keep mask (dask arrays cannot label dropped rows)."""
    return func(block)[0]


# ------------------------------------------------------------ arrays


class ArrayTable(Table):
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
        check_numeric_array(self.array)


class FrameTable(Table):
    """What pandas and dask frames share: a Series is a one-column ``frame``; names are kept."""

    labelled = True

    def __init__(self, source: Any):
        frame = source.to_frame() if isinstance(source, pd.Series | dd.Series) else source
        super().__init__(source, [str(c) for c in frame.columns])
        self.frame = frame

    @property
    def dtypes(self) -> list:
        return list(self.frame.dtypes)


def known_row_lengths(tables: Sequence[Table]) -> list[list[int]]:
    """Rows per row block of every table; the unknown ones in one ``dask.compute`` (one pass)."""
    lengths = [table._lazy_row_lengths() for table in tables]
    pending = [i for i, value in enumerate(lengths) if dask.is_dask_collection(value)]
    computed = dask.compute(*(lengths[i] for i in pending)) if pending else ()
    for i, value in zip(pending, computed, strict=True):
        lengths[i] = np.asarray(value).ravel()
    return [[int(n) for n in value] for value in lengths]
