"""The encoders' view of a block's columns, their distinct values with counts, and categories.

A block's columns are read as scikit-learn's encoders read them (each column
through :func:`sklearn.utils.check_array` with ``dtype=None``, so a pandas
column keeps its dtype: ints stay ints, objects stay objects). Fit counts every
column's distinct values per block (``None`` and NaN counted apart, as
scikit-learn keeps them apart), the counts of all blocks are added in a fixed
tree, and the categories (sorted, then ``None``, then NaN) and the counts the
infrequent categories need come from that ONE pass.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_array


def block_columns(block: Any) -> list[np.ndarray]:
    """Every column of ``block`` as a 1-D NumPy array of the dtype scikit-learn's encoders see."""
    if isinstance(block, pd.DataFrame):
        return [
            check_array(block.iloc[:, j], ensure_2d=False, dtype=None, ensure_all_finite=False)
            for j in range(block.shape[1])
        ]
    array = np.asarray(block)
    return [array[:, j] for j in range(array.shape[1])]


def is_nan(value: Any) -> bool:
    """Whether ``value`` is a float NaN (scikit-learn's ``is_scalar_nan``)."""
    return isinstance(value, float | np.floating) and bool(np.isnan(value))


def missing_masks(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(none, nan)``: rows holding ``None`` (object columns) and rows holding NaN/NaT/NA."""
    if column.dtype.kind == "f":
        return np.zeros(len(column), dtype=bool), np.isnan(column)
    if column.dtype.kind != "O":
        return np.zeros(len(column), dtype=bool), np.zeros(len(column), dtype=bool)
    none = np.fromiter((v is None for v in column), dtype=bool, count=len(column))
    return none, pd.isna(column) & ~none


@dataclass
class ColumnCounts:
    """The distinct values of one column with their counts, and its missing-value counts."""

    counts: Counter = field(default_factory=Counter)
    n_none: int = 0
    n_nan: int = 0
    dtype: np.dtype = np.dtype(object)

    def __add__(self, other: ColumnCounts) -> ColumnCounts:
        counts = self.counts.copy()
        counts.update(other.counts)
        dtype = self.dtype if self.dtype == other.dtype else np.result_type(self.dtype, other.dtype)
        return ColumnCounts(counts, self.n_none + other.n_none, self.n_nan + other.n_nan, dtype)


def column_counts(column: np.ndarray) -> ColumnCounts:
    """The :class:`ColumnCounts` of one column of one block."""
    none, nan = missing_masks(column)
    values = column[~(none | nan)]
    if values.dtype.kind == "O":
        found = pd.Series(values, dtype=object).value_counts(sort=False, dropna=False)
        counts = Counter(dict(zip(found.index.tolist(), found.to_numpy().tolist(), strict=True)))
    else:
        distinct, n = np.unique(values, return_counts=True)
        counts = Counter(dict(zip(distinct.tolist(), n.tolist(), strict=True)))
    return ColumnCounts(counts, int(none.sum()), int(nan.sum()), column.dtype)


def block_counts(block: Any) -> list[ColumnCounts]:
    """Every column's :class:`ColumnCounts` in one block, and the block's row count last."""
    columns = block_columns(block)
    return [column_counts(c) for c in columns] + [len(block)]


def merge_counts(a: list, b: list) -> list:
    """Add two blocks' :func:`block_counts` (associative: any tree gives the same result)."""
    return [x + y for x, y in zip(a, b, strict=True)]


def _sorted_values(values: list, column: int) -> list:
    try:
        return sorted(values)
    except TypeError:
        kinds = sorted({type(v).__qualname__ for v in values})
        raise TypeError(
            "Encoders require their input argument must be uniformly strings or numbers. "
            f"Got {kinds} (column {column})"
        ) from None


def auto_categories(counts: ColumnCounts, column: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorted categories of a column (then ``None``, then NaN, when seen) and their counts."""
    ordered = _sorted_values(list(counts.counts), column)
    n = [counts.counts[v] for v in ordered]
    if counts.n_none:
        ordered.append(None)
        n.append(counts.n_none)
    if counts.n_nan:
        ordered.append(np.nan)
        n.append(counts.n_nan)
    dtype = counts.dtype
    if dtype.kind not in "fO" and (counts.n_nan or counts.n_none):
        dtype = np.dtype(object)
    return np.array(ordered, dtype=dtype), np.asarray(n, dtype=np.int64)


def distinct_set(values: np.ndarray) -> tuple[set, bool, bool]:
    """``(non-missing values, has None, has NaN)`` of an array."""
    none, nan = missing_masks(values)
    return set(values[~(none | nan)].tolist()), bool(none.any()), bool(nan.any())


def user_categories(given: Any, dtype: np.dtype, column: int) -> np.ndarray:
    """A user's categories for a column of ``dtype``, checked as scikit-learn checks them."""
    kind = np.dtype(dtype).kind
    cats = np.array(given, dtype=object if kind == "U" else dtype)
    if cats.dtype == object and len(cats) and isinstance(cats[0], bytes) and kind != "S":
        raise ValueError(
            f"In column {column}, the predefined categories have type 'bytes' which is "
            f"incompatible with values of type '{np.dtype(dtype).type.__name__}'."
        )
    if any(is_nan(c) for c in cats[:-1]):
        raise ValueError(
            "Nan should be the last element in user provided categories, see categories "
            f"{cats} in column #{column}"
        )
    values, none, nan = distinct_set(cats)
    if len(values) + none + nan != cats.size:
        raise ValueError(
            f"In column {column}, the predefined categories contain duplicate elements."
        )
    if kind not in "OUS" and cats.size:
        stop = -1 if np.isnan(np.sort(cats)[-1]) else None
        if np.any(np.sort(cats)[:stop] != cats[:stop]):
            raise ValueError("Unsorted categories are not supported for numerical categories")
    return cats


def unknown_values(counts: ColumnCounts, cats: np.ndarray) -> list:
    """The values a column holds that are not among ``cats`` (scikit-learn's order)."""
    known, none, nan = distinct_set(cats)
    diff = [v for v in counts.counts if v not in known]
    with contextlib.suppress(TypeError):  # mixed kinds: scikit-learn leaves them unsorted too
        diff = sorted(diff)
    return (
        diff
        + ([None] if counts.n_none and not none else [])
        + ([np.nan] if counts.n_nan and not nan else [])
    )


def counts_of(counts: ColumnCounts, cats: np.ndarray) -> np.ndarray:
    """How often each of ``cats`` occurs in the column."""
    out = []
    for c in cats:
        if c is None:
            out.append(counts.n_none)
        elif is_nan(c):
            out.append(counts.n_nan)
        else:
            out.append(counts.counts.get(c, 0))
    return np.asarray(out, dtype=np.int64)
