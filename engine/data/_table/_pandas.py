"""The :class:`Table` of pandas DataFrames and Series."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np

from engine.data._table._protocol import FrameTable, pandas_out, split_result, summary_pandas


class PandasTable(FrameTable):
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
        out, keep = split_result(func(block), drops_rows)
        index = self.frame.index if keep is None else self.frame.index[keep]
        return pandas_out(out, index, out_columns, block)

    def wrap_summary(self, result, levels, level_name):
        return summary_pandas(result, self.column_names(), levels)


# ---------------------------------------------------------- dask.array
