"""The :class:`Table` of 2-D xarray DataArrays (NumPy- or Dask-backed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr

from engine.data._table._dask_array import DaskArrayTable
from engine.data._table._numpy import NumpyTable
from engine.data._table._protocol import Table, split_result


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
            out, keep = split_result(func(self.data.row_blocks(raw=raw)[0]), drops_rows)
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


def _array_table(data: Any) -> Table:
    return DaskArrayTable(data) if isinstance(data, da.Array) else NumpyTable(data)
