"""Merge the target summaries of row blocks in a fixed order, and summarise whole inputs.

Booleans OR, distinct values unite, the first element is the left block's;
Dask input is summarised in one pass (a fixed binary tree of merges).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dask
import numpy as np
import scipy.sparse as sp

from engine.metrics._target_summary import (
    TargetSummary,
    cap_uniques,
    summarize_target,
)
from engine.stats.internal import reduce_blocks


def _union(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray | None, str]:
    if a.shape == b.shape and (a.size == 0 or bool(np.all(a == b))):
        return a, ""
    if a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
        return np.union1d(a, b), ""
    try:
        return np.asarray(sorted(set(a.tolist()) | set(b.tolist())), dtype=object), ""
    except TypeError as exc:
        return None, str(exc)


def _merged_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    if a == b:
        return a
    if a.kind in "biuf" and b.kind in "biuf":
        return np.result_type(a, b)
    return np.dtype(object)


def merge_target_summaries(a: TargetSummary, b: TargetSummary) -> TargetSummary:
    """Merge the summaries of two consecutive row blocks (left first)."""
    if not b.n_rows:
        return a
    if not a.n_rows:
        return b
    non_integral = a.non_integral or b.non_integral
    uniques, error = None, a.sort_error or b.sort_error
    if not non_integral and not error and a.uniques is not None and b.uniques is not None:
        uniques, error = _union(a.uniques, b.uniques)
        if a.ndim == 2:
            uniques = cap_uniques(uniques)
    return TargetSummary(
        ndim=a.ndim,
        n_columns=a.n_columns,
        n_rows=a.n_rows + b.n_rows,
        dtype=_merged_dtype(a.dtype, b.dtype),
        first=a.first if a.has_first else b.first,
        has_first=a.has_first or b.has_first,
        non_integral=non_integral,
        uniques=uniques,
        sort_error=error,
    )


def lazy_target_summary(y: Any, input_name: str = "", raw_labels: bool = False):
    """The merged :class:`TargetSummary` of ``y``: now, or a ``Delayed`` for Dask input."""
    return reduce_blocks(
        _SummaryBlock(input_name, raw_labels),
        merge_target_summaries,
        {"y": y},
        name="engine-target-summary",
    )


@dataclass(frozen=True)
class _SummaryBlock:
    input_name: str
    raw_labels: bool

    def __call__(self, y) -> TargetSummary:
        return summarize_target(y, self.input_name, raw_labels=self.raw_labels)

    def __dask_tokenize__(self):
        return ("engine-target-summary-block", self.input_name, self.raw_labels)


def _check_array_like(y: Any) -> None:
    valid = (isinstance(y, Sequence) or sp.issparse(y) or hasattr(y, "__array__")) and not (
        isinstance(y, str)
    )
    if not valid and not dask.is_dask_collection(y):
        raise ValueError(f"Expected array-like (array or non-string sequence), got {y!r}")
    if y.__class__.__name__ in ("SparseSeries", "SparseArray"):
        raise ValueError("y cannot be class 'SparseSeries' or 'SparseArray'")


def summaries_of(ys: Sequence, input_name: str = "", raw_labels: bool = False) -> list:
    for y in ys:
        _check_array_like(y)
    lazy = [lazy_target_summary(y, input_name, raw_labels) for y in ys]
    if any(dask.is_dask_collection(s) for s in lazy):
        return list(dask.compute(*lazy))
    return lazy
