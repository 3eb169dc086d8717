"""The :class:`Table` of dask arrays."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import dask.array as da
import numpy as np

from engine.data._table._protocol import (
    ArrayTable,
    kept_rows,
    one_block_beyond_rows,
    out_meta,
    summary_shape,
)


class DaskArrayTable(ArrayTable):
    """A dask array (1-D is one column); results keep its row chunks."""

    kind = "dask_array"

    def __init__(self, source: da.Array):
        if source.ndim == 0:
            raise ValueError("expected a 2-D array, got 0 dimensions")
        super().__init__(source, None)
        self.array = one_block_beyond_rows(source[:, None] if source.ndim == 1 else source)

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
        block_func = functools.partial(kept_rows, func=func) if drops_rows else func
        meta = out_meta(out_columns, dtype)
        if out_columns is None:
            return base.map_blocks(block_func, dtype=dtype, chunks=(rows,), drop_axis=1, meta=meta)
        return base.map_blocks(
            block_func, dtype=dtype, chunks=(rows, (len(out_columns),)), meta=meta
        )

    def wrap_summary(self, result, levels, level_name):
        shape = summary_shape(levels, self.n_columns)
        return da.from_delayed(result, shape=shape, dtype=np.float64)


def _array_blocks(array: da.Array) -> list:
    blocks = array.to_delayed()
    return list(blocks.reshape(blocks.shape[0], -1)[:, 0])


def _block_length(block: np.ndarray) -> np.ndarray:
    return np.array([block.shape[0]])


# ------------------------------------------------------ dask.dataframe
