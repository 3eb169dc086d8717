"""The :class:`Table` of dask DataFrames and Series."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data._table._protocol import (
    BlockFunc,
    FrameTable,
    frame_values,
    pandas_out,
    split_result,
    summary_pandas,
    summary_shape,
)


class DaskFrameTable(FrameTable):
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
        as_block = dask.delayed(frame_values, pure=True, name="engine-partition-values")
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
        to_pandas = dask.delayed(summary_pandas, pure=True)
        meta = summary_pandas(np.empty(summary_shape(levels, len(names))), names, levels)
        return dd.from_delayed([to_pandas(result, names, levels)], meta=meta.iloc[:0])


def _frame_partition(part, func: BlockFunc, out_columns, drops_rows: bool, raw: bool):
    """``func`` on one partition (its float64 values unless ``raw``), labelled by its index."""
    block = part if raw else frame_values(part)
    out, keep = split_result(func(block), drops_rows)
    index = part.index if keep is None else part.index[keep]
    return pandas_out(out, index, out_columns, block)


# -------------------------------------------------------------- xarray
