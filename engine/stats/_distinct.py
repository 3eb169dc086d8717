"""Exact value distributions (sorted distinct values with per-label counts)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data import Table
from engine.kernels import distinct as dk
from engine.kernels import grouped_counts as gk
from engine.stats._grouped import encode_column
from engine.stats._reduce import map_blocks_delayed, tree_merge


def _column_counts(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = np.ascontiguousarray(column, dtype=np.float64)
    n = values.shape[0]
    return dk.block_value_counts(values, np.zeros(n, np.int64), np.ones(n), 1)


def _block_counts(block: np.ndarray) -> tuple:
    return tuple(_column_counts(block[:, j]) for j in range(block.shape[1]))


def _merge(a: tuple, b: tuple) -> tuple:
    return dk.merge_value_counts(a[0], a[1], b[0], b[1])


def column_value_counts(table: Table) -> list:
    """Sorted distinct values of every column with their counts (NaN left out), one pass.

    Exact. NumPy input returns one ``(values, counts)`` per column now, with
    ``counts`` of shape ``(n_values, 1)``; Dask input one ``Delayed`` per
    column: one task per row block counts all its columns, and every
    column's partials merge in a fixed tree, so every scheduler agrees.

    Examples
    --------
    >>> import numpy as np
    >>> from engine.data import as_table
    >>> [(v.tolist(), c.ravel().tolist()) for v, c in column_value_counts(as_table(np.array([[3.0], [1.0], [3.0]])))]
    [([1.0, 3.0], [1.0, 2.0])]
    """
    if not table.is_lazy:
        return list(_block_counts(table.values))
    n = table.n_columns
    per_block = map_blocks_delayed(table, _block_counts, name="engine-value-counts-block")
    return [
        tree_merge([part[j] for part in per_block], _merge, name="engine-value-counts-merge")
        for j in range(n)
    ]


@dataclass
class LabeledValueCounts:
    """Exact distribution of score columns per true label (one partial).

    Attributes
    ----------
    labels : ndarray
        Sorted distinct label values.
    columns : list of (values, counts)
        Per score column: sorted distinct scores and a ``(n_values, n_labels)``
        matrix of rows (or weight sums) per score and label.
    """

    labels: np.ndarray
    columns: list


def labeled_value_counts_block(
    scores: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray | None = None,
    what: str = "y_score",
    encoded: tuple[np.ndarray, np.ndarray] | None = None,
) -> LabeledValueCounts:
    """Per-label value counts of every score column of one block.

    Unweighted: the scores are partitioned by label (a counting sort), each
    label's segment sorted in place with ``numpy.sort`` and the segments
    merged by a Numba k-way merge (O(n log n)); weighted: a stable argsort
    kernel, rows of weight 0 dropped (as scikit-learn's ROC curve does).
    Non-finite scores raise ``ValueError``. ``encoded`` passes the labels'
    ``(uniques, codes)`` when the caller already has them.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        scores = scores[:, None]
    if not np.isfinite(scores).all():
        raise ValueError(f"Input {what} contains NaN or infinity.")
    label_values, codes = encoded if encoded is not None else encode_column(labels, "y_true")
    k = len(label_values)
    if weights is not None:
        weights = np.ascontiguousarray(weights, dtype=np.float64).reshape(-1)
        keep = weights != 0
        if not keep.all():
            scores, codes, weights = scores[keep], codes[keep], weights[keep]
    columns = []
    for c in range(scores.shape[1]):
        col = np.ascontiguousarray(scores[:, c])
        if weights is None:
            grouped, offsets = gk.partition_by_code(col, codes, k)
            for lab in range(k):
                grouped[offsets[lab] : offsets[lab + 1]].sort()
            columns.append(dk.sorted_segments_value_counts(grouped, offsets))
        else:
            columns.append(dk.block_value_counts(col, codes, weights, k))
    return LabeledValueCounts(label_values, columns)


def _widen(counts: np.ndarray, labels: np.ndarray, union: np.ndarray) -> np.ndarray:
    if labels.shape == union.shape and bool(np.all(labels == union)):
        return counts
    out = np.zeros((counts.shape[0], len(union)))
    out[:, np.searchsorted(union, labels)] = counts
    return out


def merge_labeled_value_counts(a: LabeledValueCounts, b: LabeledValueCounts) -> LabeledValueCounts:
    """Merge two partials: union the labels, merge each column's sorted values (exact)."""
    if a.labels.shape == b.labels.shape and bool(np.all(a.labels == b.labels)):
        union = a.labels
    else:
        union = np.union1d(a.labels, b.labels)
    columns = []
    for (va, ca), (vb, cb) in zip(a.columns, b.columns, strict=True):
        columns.append(
            dk.merge_value_counts(va, _widen(ca, a.labels, union), vb, _widen(cb, b.labels, union))
        )
    return LabeledValueCounts(union, columns)
