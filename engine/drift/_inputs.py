"""Reading reference/current inputs for drift: column names, column kinds, blocks.

Each input is read through its :class:`engine.data.Table` (NumPy array,
pandas DataFrame/Series, dask array, dask DataFrame or 2-D xarray
DataArray; nothing is copied). Columns are *numerical* (numeric dtype, read
as float64; NaN and +/-inf are missing, as Evidently treats them) or
*categorical* (object, string, category or boolean dtype, or listed in
``categorical=``). Numerical and numeric-valued categorical columns are
counted by the exact value-counts kernel; other categorical columns by
pandas' ``value_counts`` per block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine.data import Table, as_table

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


def dtype_kind(dtype) -> str:
    """``"numeric"``, ``"bool"``, ``"object"`` or ``"datetime"``."""
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "object"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return "numeric"
    return "object"


def read_input(X: Any, role: str, column_names: Sequence[str] | None) -> Table:
    """The ``role`` input ("reference" or "current") as a table with named columns.

    Frames keep their column names; arrays and xarray take ``column_names``
    when given (else xarray's column coordinate, else ``x0, x1, ...``).
    """
    if X is None:
        raise ValueError(f"the {role} data is None; pass a table")
    try:
        table = as_table(X, numeric=False, column_names=column_names)
    except TypeError as exc:
        raise TypeError(f"unsupported {role} input: {exc}") from exc
    except ValueError as exc:
        raise ValueError(f"{exc} (the {role} data)") from exc
    table.columns = table.column_names()
    return table


def check_not_empty_input(table: Table, role: str) -> None:
    """Raise ``ValueError`` for an input with no columns or (known) no rows."""
    if not table.n_columns:
        raise ValueError(f"the {role} data has no columns")
    if table.n_rows == 0:
        raise ValueError(f"the {role} data is empty (0 rows)")


def column_specs(
    reference: Table,
    current: Table,
    columns: Sequence[str] | None,
    categorical: Sequence[str] | None,
) -> list[ColumnSpec]:
    """Match columns by name, check they agree, and decide each column's kind and reader."""
    ref_pos = {n: i for i, n in enumerate(reference.columns)}
    cur_pos = {n: i for i, n in enumerate(current.columns)}
    sides = (("reference", reference, ref_pos), ("current", current, cur_pos))
    for role, table, pos in sides:
        if len(pos) != len(table.columns):
            dup = sorted({n for n in table.columns if table.columns.count(n) > 1})
            raise ValueError(f"the {role} data has duplicate column names {dup}")
    if columns is None:
        only_ref = [n for n in reference.columns if n not in cur_pos]
        only_cur = [n for n in current.columns if n not in ref_pos]
        if only_ref or only_cur:
            raise ValueError(
                "reference and current data have different columns: only in reference "
                f"{only_ref}, only in current {only_cur}"
            )
        selected = list(reference.columns)
    else:
        if isinstance(columns, str):
            columns = [columns]
        selected = [str(c) for c in columns]
        if not selected:
            raise ValueError("columns is empty; pass None for all columns or a list of names")
        for role, table, pos in sides:
            missing = [c for c in selected if c not in pos]
            if missing:
                raise ValueError(
                    f"columns {missing} are not in the {role} data (its columns: {table.columns})"
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


def _spec(name: str, reference: Table, current: Table, i: int, j: int, forced: bool) -> ColumnSpec:
    kinds = (dtype_kind(reference.dtypes[i]), dtype_kind(current.dtypes[j]))
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


def input_blocks(table: Table, positions: Sequence[int]) -> tuple[list, list[int]]:
    """Row blocks holding the selected columns, and the columns' positions in a block.

    In-memory data gives one block (the input itself, not copied); Dask data
    one ``Delayed`` per row block (column subsets are selected lazily first).
    Blocks are 2-D: DataFrames for frames, arrays of the original dtype.
    """
    positions = list(positions)
    if not table.is_lazy or positions == list(range(table.n_columns)):
        return table.row_blocks(raw=True), positions
    return table.select_columns(positions).row_blocks(raw=True), list(range(len(positions)))
