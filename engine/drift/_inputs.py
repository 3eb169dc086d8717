"""Reading reference/current inputs for drift: column names, column kinds, blocks.

A :class:`Dataset` wraps a NumPy array, pandas DataFrame/Series, dask array or
dask DataFrame without copying it. Columns are *numerical* (numeric dtype,
read as float64; NaN and +/-inf are missing, as Evidently treats them) or
*categorical* (object, string, category or boolean dtype, or listed in
``categorical=``). Numerical and numeric-valued categorical columns are
counted by the exact value-counts kernel; other categorical columns by pandas'
``value_counts`` per block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dask.array as da
import numpy as np
import pandas as pd

from engine.data._adapters import DASK_ARRAY, DASK_DATAFRAME, NUMPY, PANDAS, XARRAY, input_kind

NUMERICAL = "numerical"
CATEGORICAL = "categorical"
FLOAT_READER = "float"  # exact float value counts (engine.kernels.distinct)
OBJECT_READER = "object"  # pandas value_counts of arbitrary hashable values


@dataclass(frozen=True)
class ColumnSpec:
    """How one column is read and tested: name, position in its input, kind and reader."""

    name: str
    ref_pos: int
    cur_pos: int
    kind: str
    reader: str


@dataclass
class Dataset:
    """A reference or current input: its data (dask arrays rechunked to one column block)."""

    data: Any
    kind: str
    names: list[str]
    dtype_kinds: list[str]  # per column: "numeric", "bool", "object", "datetime"
    n_rows: float
    role: str

    @property
    def is_lazy(self) -> bool:
        return self.kind in (DASK_ARRAY, DASK_DATAFRAME)


def _dtype_kind(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "object"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return "numeric"
    return "object"


def read_dataset(X: Any, role: str, column_names: Sequence[str] | None) -> Dataset:
    """Wrap ``X`` (the ``role`` dataset, "reference" or "current") as a :class:`Dataset`."""
    if X is None:
        raise ValueError(f"the {role} data is None; pass a table")
    kind = input_kind(X)
    if kind == PANDAS:
        frame = X.to_frame() if isinstance(X, pd.Series) else X
        names = [str(c) for c in frame.columns]
        return Dataset(
            frame, kind, names, [_dtype_kind(t) for t in frame.dtypes], float(len(frame)), role
        )
    if kind == DASK_DATAFRAME:
        frame = X.to_frame() if not hasattr(X, "columns") else X
        names = [str(c) for c in frame.columns]
        return Dataset(frame, kind, names, [_dtype_kind(t) for t in frame.dtypes], np.nan, role)
    if kind == XARRAY:
        if X.ndim != 2:
            raise ValueError(f"the {role} xarray.DataArray must be 2-D, got dims {X.dims}")
        col_dim = X.dims[1]
        if column_names is None and col_dim in X.coords:
            column_names = [str(c) for c in X.coords[col_dim].values]
        X, kind = X.data, DASK_ARRAY if isinstance(X.data, da.Array) else NUMPY
    if kind not in (NUMPY, DASK_ARRAY):
        raise TypeError(
            f"unsupported {role} input type {type(X).__name__}: expected a NumPy array, pandas "
            "DataFrame/Series, dask array, dask DataFrame or 2-D xarray.DataArray"
        )
    array = X if kind == DASK_ARRAY else np.asarray(X)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(f"the {role} data must be 1-D or 2-D, got {array.ndim} dimensions")
    if kind == DASK_ARRAY and array.numblocks[1] != 1:
        array = array.rechunk({1: -1})
    n_cols = int(array.shape[1])
    if column_names is None:
        names = [f"x{i}" for i in range(n_cols)]
    else:
        names = [str(c) for c in column_names]
        if len(names) != n_cols:
            raise ValueError(
                f"column_names has {len(names)} names but the {role} data has {n_cols} columns"
            )
    n_rows = float(array.shape[0]) if not np.isnan(array.shape[0]) else np.nan
    return Dataset(array, kind, names, [_dtype_kind(array.dtype)] * n_cols, n_rows, role)


def check_not_empty_dataset(ds: Dataset) -> None:
    """Raise ``ValueError`` for a dataset with no columns or (known) no rows."""
    if not ds.names:
        raise ValueError(f"the {ds.role} data has no columns")
    if ds.n_rows == 0:
        raise ValueError(f"the {ds.role} data is empty (0 rows)")


def column_specs(
    reference: Dataset,
    current: Dataset,
    columns: Sequence[str] | None,
    categorical: Sequence[str] | None,
) -> list[ColumnSpec]:
    """Match columns by name, check they agree, and decide each column's kind and reader."""
    ref_pos = {n: i for i, n in enumerate(reference.names)}
    cur_pos = {n: i for i, n in enumerate(current.names)}
    for ds, pos in ((reference, ref_pos), (current, cur_pos)):
        if len(pos) != len(ds.names):
            dup = sorted({n for n in ds.names if ds.names.count(n) > 1})
            raise ValueError(f"the {ds.role} data has duplicate column names {dup}")
    if columns is None:
        only_ref = [n for n in reference.names if n not in cur_pos]
        only_cur = [n for n in current.names if n not in ref_pos]
        if only_ref or only_cur:
            raise ValueError(
                "reference and current data have different columns: only in reference "
                f"{only_ref}, only in current {only_cur}"
            )
        selected = list(reference.names)
    else:
        if isinstance(columns, str):
            columns = [columns]
        selected = [str(c) for c in columns]
        if not selected:
            raise ValueError("columns is empty; pass None for all columns or a list of names")
        for ds, pos in ((reference, ref_pos), (current, cur_pos)):
            missing = [c for c in selected if c not in pos]
            if missing:
                raise ValueError(
                    f"columns {missing} are not in the {ds.role} data (its columns: {ds.names})"
                )
    forced = set()
    if categorical is not None:
        if isinstance(categorical, str):
            categorical = [categorical]
        forced = {str(c) for c in categorical}
        unknown = sorted(forced - set(selected))
        if unknown:
            raise ValueError(f"categorical names columns {unknown} that are not being compared")
    return [
        _spec(name, reference, current, ref_pos[name], cur_pos[name], name in forced)
        for name in selected
    ]


def _spec(
    name: str, reference: Dataset, current: Dataset, i: int, j: int, forced: bool
) -> ColumnSpec:
    kinds = (reference.dtype_kinds[i], current.dtype_kinds[j])
    for role, k in zip(("reference", "current"), kinds, strict=True):
        if k == "datetime":
            raise TypeError(
                f"column {name!r} has a datetime dtype in the {role} data; drift is computed "
                "for numerical and categorical columns (convert it, or leave it out of columns=)"
            )
    numeric = [k == "numeric" for k in kinds]
    if numeric[0] != numeric[1]:
        raise ValueError(
            f"column {name!r} is {'numeric' if numeric[0] else 'non-numeric'} in the reference "
            f"data but {'numeric' if numeric[1] else 'non-numeric'} in the current data"
        )
    if numeric[0]:
        return ColumnSpec(name, i, j, CATEGORICAL if forced else NUMERICAL, FLOAT_READER)
    return ColumnSpec(name, i, j, CATEGORICAL, OBJECT_READER)


def dataset_blocks(ds: Dataset, positions: Sequence[int]) -> tuple[list, list[int]]:
    """Row blocks holding the selected columns, and the columns' positions in a block.

    In-memory data gives one block (the input itself, not copied); Dask data
    one ``Delayed`` per row block (column subsets are sliced lazily first).
    """
    positions = list(positions)
    if not ds.is_lazy:
        return [ds.data], positions
    subset = positions != list(range(len(ds.names)))
    if ds.kind == DASK_DATAFRAME:
        frame = ds.data.iloc[:, positions] if subset else ds.data
        return list(frame.to_delayed()), list(range(len(positions))) if subset else positions
    array: da.Array = ds.data[:, positions] if subset else ds.data
    local = list(range(len(positions))) if subset else positions
    return list(array.to_delayed().ravel()), local
