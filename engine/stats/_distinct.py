"""Exact value distributions (sorted distinct values with per-label counts)."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np

from engine.kernels import distinct as dk
from engine.stats._reduce import Lazy, tree_merge


def _block(
    values: np.ndarray, labels: np.ndarray | None, weights: np.ndarray | None, n_labels: int
) -> tuple[np.ndarray, np.ndarray]:
    values = np.ascontiguousarray(values, dtype=np.float64).ravel()
    n = values.shape[0]
    labels = (
        np.zeros(n, np.int64) if labels is None else np.ascontiguousarray(labels, np.int64).ravel()
    )
    weights = np.ones(n) if weights is None else np.ascontiguousarray(weights, np.float64).ravel()
    return dk.block_value_counts(values, labels, weights, n_labels)


def _merge(a: tuple, b: tuple) -> tuple:
    return dk.merge_value_counts(a[0], a[1], b[0], b[1])


def value_counts(values, labels=None, weights=None, n_labels: int = 1) -> Lazy | tuple:
    """Sorted distinct values of a 1-D array with per-label (weighted) counts.

    Exact; one pass over the data. NumPy input returns ``(values, counts)``
    now; dask input (``labels``/``weights`` chunked like ``values``) returns a
    Delayed of that tuple, merged in a fixed tree so every scheduler agrees.

    Examples
    --------
    >>> import numpy as np
    >>> v, c = value_counts(np.array([3.0, 1.0, 3.0]))
    >>> v.tolist(), c.ravel().tolist()
    ([1.0, 3.0], [1.0, 2.0])
    """
    if not isinstance(values, da.Array):
        return _block(np.asarray(values), labels, weights, n_labels)
    blocks = list(values.to_delayed().ravel())
    label_blocks = list(labels.to_delayed().ravel()) if labels is not None else [None] * len(blocks)
    weight_blocks = (
        list(weights.to_delayed().ravel()) if weights is not None else [None] * len(blocks)
    )
    call = dask.delayed(_block, pure=True, name="engine-value-counts-block", nout=2)
    parts = [
        call(v, lab, w, n_labels)
        for v, lab, w in zip(blocks, label_blocks, weight_blocks, strict=True)
    ]
    return tree_merge(parts, _merge, name="engine-value-counts-merge")
