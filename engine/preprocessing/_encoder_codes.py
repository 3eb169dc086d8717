"""Category codes of a block's values, and the grouping of infrequent categories.

:class:`Coder` holds what a fitted encoder needs to turn any block into
integer codes (a plain picklable object, shipped once into every Dask task):
each value's index in ``categories_[j]`` (hash lookups, pandas' ``Index``),
which values are unknown, and, when ``min_frequency``/``max_categories`` made
some categories infrequent, the map that groups them into one last code, as
scikit-learn's encoders do.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.preprocessing._encoder_columns import block_columns, is_nan, missing_masks


def infrequent_indices(
    counts: np.ndarray, n_samples: int, min_frequency: Any, max_categories: int | None
) -> np.ndarray | None:
    """Indices of the infrequent categories among ``counts`` (None when there are none)."""
    if isinstance(min_frequency, numbers.Integral):
        infrequent = counts < min_frequency
    elif isinstance(min_frequency, numbers.Real):
        infrequent = counts < n_samples * min_frequency
    else:
        infrequent = np.zeros(counts.shape[0], dtype=bool)
    n_outputs = counts.size - infrequent.sum() + 1
    if max_categories is not None and max_categories < n_outputs:
        n_frequent = max_categories - 1
        if n_frequent == 0:
            infrequent[:] = True
        else:  # a stable sort keeps the categories' order among equal counts
            infrequent[np.argsort(counts, kind="mergesort")[:-n_frequent]] = True
    found = np.flatnonzero(infrequent)
    return found if found.size else None


def infrequent_mapping(n_categories: int, infrequent: np.ndarray | None) -> np.ndarray | None:
    """Code -> grouped code: frequent categories keep their order, infrequent ones go last."""
    if infrequent is None:
        return None
    mapping = np.empty(n_categories, dtype=np.int64)
    n_frequent = n_categories - infrequent.size
    mapping[infrequent] = n_frequent
    mapping[np.setdiff1d(np.arange(n_categories), infrequent)] = np.arange(n_frequent)
    return mapping


def _lookup(column: np.ndarray, cats: np.ndarray) -> np.ndarray:
    """Index of every value of ``column`` in ``cats``; -1 when absent."""
    none, nan = missing_masks(column)
    cat_none = [i for i, c in enumerate(cats) if c is None]
    cat_nan = [i for i, c in enumerate(cats) if is_nan(c)]
    known = np.ones(len(cats), dtype=bool)
    known[cat_none + cat_nan] = False
    positions = np.flatnonzero(known)
    index = pd.Index(cats[known], dtype=object if cats.dtype.kind in "OUS" else None)
    values = column.astype(object) if index.dtype == object else column
    try:
        found = index.get_indexer(values)
    except TypeError:  # values of a kind the categories cannot hold: all unknown
        found = np.full(len(column), -1)
    codes = np.where(found >= 0, positions[found] if positions.size else -1, -1)
    codes[none | nan] = -1
    codes[none] = cat_none[0] if cat_none else -1
    codes[nan] = cat_nan[0] if cat_nan else -1
    return codes.astype(np.int64)


def _unknown_sample(column: np.ndarray, unknown: np.ndarray) -> list:
    values = pd.unique(pd.Series(column[unknown], dtype=object)).tolist()
    try:
        return sorted(values)
    except TypeError:
        return values


@dataclass(frozen=True)
class Coder:
    """Everything a fitted encoder needs to code a block (see the module docstring)."""

    categories: list[np.ndarray]
    mappings: list[np.ndarray | None]  # per column: code -> grouped code, or None
    infrequent: list[np.ndarray | None]  # per column: infrequent category indices, or None
    handle_unknown: str
    # per column: the code left out of the grouping (OrdinalEncoder's missing values)
    kept_codes: dict

    def codes(self, block: Any, *, warn: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, known)``: every value's (grouped) code and whether it is a known value.

        Unknown values raise scikit-learn's ``ValueError`` when
        ``handle_unknown="error"``; otherwise ``warn`` (a message ending) is
        warned with the columns that held them.
        """
        columns = block_columns(block)
        codes = np.zeros((len(columns[0]) if columns else 0, len(columns)), dtype=np.int64)
        known = np.ones(codes.shape, dtype=bool)
        unknown_columns = []
        for j, (column, cats) in enumerate(zip(columns, self.categories, strict=True)):
            found = _lookup(column, cats)
            bad = found < 0
            if bad.any():
                if self.handle_unknown == "error":
                    raise ValueError(
                        f"Found unknown categories {_unknown_sample(column, bad)} in column "
                        f"{j} during transform"
                    )
                unknown_columns.append(j)
                known[:, j] = ~bad
                found[bad] = 0
            codes[:, j] = found
        if warn is not None and unknown_columns:
            warnings.warn(
                f"Found unknown categories in columns {unknown_columns} during transform. "
                f"These unknown categories will be encoded as {warn}",
                UserWarning,
                stacklevel=3,
            )
        self._group_infrequent(codes, known)
        return codes, known

    def _group_infrequent(self, codes: np.ndarray, known: np.ndarray) -> None:
        to_infrequent = self.handle_unknown in ("infrequent_if_exist", "warn")
        for j, (mapping, infrequent) in enumerate(zip(self.mappings, self.infrequent, strict=True)):
            if mapping is None:
                continue
            codes[~known[:, j], j] = infrequent[0]
            if to_infrequent:
                known[:, j] = True
            rows = codes[:, j] != self.kept_codes[j] if j in self.kept_codes else slice(None)
            codes[rows, j] = mapping[codes[rows, j]]
