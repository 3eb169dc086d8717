"""Every row's key combination, gathered in one pass, for counts over resampled rows.

A bootstrap draws rows of the whole (concatenated) input with replacement;
a statistic that is a function of grouped counts needs, per resample, only
the counts of the drawn rows' key combinations. :func:`keyed_rows` gathers
what that takes in one pass: the sorted distinct values of each key column
and, per row, its position among them (the smallest unsigned integer type
that holds it), plus the named weight columns as float64. Nothing else of
the rows reaches the client. :meth:`KeyedRows.counts` then gives the exact
:class:`~engine.stats.internal.KeyedCounts` of any multiset of row positions.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.stats._grouped import (
    KeyedCounts,
    _block_columns,
    _block_weights,
    _searchsorted_keys,
    _union,
    encode_column,
    reduce_blocks,
)


def _code_dtype(n_keys: int) -> np.dtype:
    return np.min_scalar_type(max(n_keys - 1, 0))


@dataclass
class KeyedRows:
    """Each row's key combination, in row order.

    Attributes
    ----------
    keys : tuple of ndarray
        Sorted distinct values of each key column.
    codes : tuple of ndarray
        Per key column, each row's position in its ``keys``.
    weights : dict of str to ndarray
        Named float64 weight columns, aligned with the rows.
    """

    keys: tuple
    codes: tuple
    weights: dict

    @property
    def n_rows(self) -> int:
        return int(self.codes[0].shape[0])

    @functools.cached_property
    def _cells(self) -> np.ndarray:
        """Each row's flat cell code over the product of the keys."""
        sizes = tuple(len(k) for k in self.keys)
        return np.ravel_multi_index([c.astype(np.intp) for c in self.codes], sizes)

    def counts(self, weight: str | None = None, rows: np.ndarray | None = None) -> KeyedCounts:
        """Grouped counts of the rows at positions ``rows`` (repeats count again; all if None).

        The keys are restricted to the values present among those rows, as if
        the counts had been taken on the selected rows themselves. Exact
        counts; weight sums are added in row order (``numpy.bincount``).
        """
        sizes = tuple(len(k) for k in self.keys)
        flat = self._cells if rows is None else self._cells[rows]
        n_cells = int(np.prod(sizes))
        counts = np.bincount(flat, minlength=n_cells).reshape(sizes).astype(np.int64)
        wsum = None
        if weight is not None:
            w = self.weights[weight] if rows is None else self.weights[weight][rows]
            wsum = np.bincount(flat, weights=w, minlength=n_cells).reshape(sizes)
        present = [
            counts.sum(axis=tuple(a for a in range(len(sizes)) if a != axis)) > 0
            for axis in range(len(sizes))
        ]
        keep = np.ix_(*present)
        keys = tuple(k[p] for k, p in zip(self.keys, present, strict=True))
        return KeyedCounts(keys, counts[keep], None if wsum is None else wsum[keep])


def keyed_rows_block(
    columns: Sequence[Any], weights: Mapping[str, Any], names: Sequence[str]
) -> KeyedRows:
    """:class:`KeyedRows` of one block (key values local to the block)."""
    arrays = _block_columns(columns, names)
    n = arrays[0].shape[0]
    keys, codes = [], []
    for col, name in zip(arrays, names, strict=True):
        uniques, c = encode_column(col, name)
        keys.append(uniques)
        codes.append(c.astype(_code_dtype(len(uniques))))
    w = {k: _block_weights(v, n, names[0], k).astype(np.float64) for k, v in weights.items()}
    return KeyedRows(tuple(keys), tuple(codes), w)


def _recode(codes: np.ndarray, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    if old.shape == new.shape and (old.size == 0 or bool(np.all(old == new))):
        return codes.astype(_code_dtype(len(new)), copy=False)
    return _searchsorted_keys(new, old).astype(_code_dtype(len(new)))[codes]


def merge_keyed_rows(a: KeyedRows, b: KeyedRows) -> KeyedRows:
    """``a``'s rows then ``b``'s, over the union of their key values."""
    keys = tuple(_union(ka, kb) for ka, kb in zip(a.keys, b.keys, strict=True))
    codes = tuple(
        np.concatenate([_recode(ca, ka, k), _recode(cb, kb, k)])
        for ca, ka, cb, kb, k in zip(a.codes, a.keys, b.codes, b.keys, keys, strict=True)
    )
    weights = {n: np.concatenate([a.weights[n], b.weights[n]]) for n in a.weights}
    return KeyedRows(keys, codes, weights)


def keyed_rows(columns: Mapping[str, Any], weights: Mapping[str, Any] | None = None) -> Any:
    """Every row's key combination (and named weights), gathered in one pass.

    Parameters
    ----------
    columns : mapping of name to 1-D array-like
        Key columns (NumPy, pandas, dask array or dask Series), aligned by rows.
    weights : mapping of name to 1-D array-like, optional
        Weight columns kept per row (as float64).

    Returns
    -------
    KeyedRows or Delayed
        A ``Delayed`` for Dask input: one task per row block and a fixed
        binary merge tree that keeps the row order.

    Examples
    --------
    >>> import numpy as np
    >>> kr = keyed_rows({"g": np.array(["b", "a", "b"]), "y": np.array([1, 0, 0])})
    >>> kr.counts(rows=np.array([0, 0, 2])).rows.tolist()
    [[1, 2]]
    """
    names = tuple(columns)
    weights = dict(weights or {})
    arrays = {f"c{i}": v for i, v in enumerate(columns.values())}
    arrays.update({f"w{i}": v for i, v in enumerate(weights.values())})
    block = _RowsBlock(names, tuple(weights))
    return reduce_blocks(block, merge_keyed_rows, arrays, name="engine-keyed-rows")


@dataclass(frozen=True)
class _RowsBlock:
    names: tuple
    weight_names: tuple

    def __call__(self, **block) -> KeyedRows:
        columns = [block[f"c{i}"] for i in range(len(self.names))]
        weights = {n: block[f"w{i}"] for i, n in enumerate(self.weight_names)}
        return keyed_rows_block(columns, weights, self.names)

    def __dask_tokenize__(self):
        return ("engine-keyed-rows-block", self.names, self.weight_names)
