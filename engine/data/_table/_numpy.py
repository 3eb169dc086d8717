"""The :class:`Table` of NumPy arrays (and lists, tuples)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np

from engine.data._table._protocol import ArrayTable, split_result


class NumpyTable(ArrayTable):
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
        out, _ = split_result(func(self.row_blocks(raw=raw)[0]), drops_rows)
        return out

    def wrap_summary(self, result, levels, level_name):
        return result


# ------------------------------------------------------------ frames
